"""Checking a TOML table against a schema: the helpers every settings section uses.

A schema maps each key to (type or types, default); `REQUIRED` as the default makes the key mandatory. An unknown
key is an error that suggests the nearest valid key, a wrong type names the key and the expected type. Messages
are Danish: the person who wrote the configuration reads them.

Values are bounded here too, so that nothing that loads can crash later: TOML allows `inf` and `nan`, a huge number
overflows a sum or a date, and a date outside pandas' range (1677–2262) fails on the first comparison. Every date
lies from 2000-01-01 to 2099-12-31 (a conversion to KP happens in this century), every number is finite and within
the range its section gives.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import string
from pathlib import Path
from typing import Any

from ..errors import ConfigError

REQUIRED = object()  # a schema default: the key must be given
Schema = dict[str, tuple[Any, Any]]

# Every date of the configuration (cut-over, planning start, days off): inside pandas' Timestamp range with room for
# the plan to run on for years, and sane for a conversion to KP.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)


def unknown_key(key: str, valid: set[str] | list[str], where: str) -> ConfigError:
    near = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
    hint = f"mente du '{near[0]}'?" if near else f"gyldige nøgler: {', '.join(sorted(valid))}"
    return ConfigError(f"Ukendt nøgle '{where}{key}' i konfigurationen", hint=hint)


def type_name(t: type | tuple[type, ...]) -> str:
    names = {str: "tekst", int: "heltal", bool: "true/false", list: "liste", dict: "tabel", dt.date: "dato"}
    ts = t if isinstance(t, tuple) else (t,)
    return " eller ".join(names.get(x, x.__name__) for x in ts)


def check_section(data: dict[str, Any], schema: Schema, where: str) -> dict[str, Any]:
    """Every key known and of its type; absent keys get their default. `where` prefixes keys in messages."""
    out: dict[str, Any] = {}
    for key in data:
        if key not in schema:
            raise unknown_key(key, set(schema), where)
    for key, (typ, default) in schema.items():
        if key not in data:
            if default is REQUIRED:
                raise ConfigError(f"Nøglen '{where}{key}' mangler i konfigurationen")
            out[key] = default
            continue
        value = data[key]
        # bool is an int subclass: don't let `true` pass as a header_row
        if (isinstance(value, bool) and typ is int) or not isinstance(value, typ):
            raise ConfigError(f"'{where}{key}' skal være {type_name(typ)}, men er {value!r}")
        out[key] = value
    return out


def as_table(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"'{name}' skal være en tabel ([{name}])")
    return value


def parse_date(value: str | dt.date, where: str = "batch.cutover_date") -> dt.date:
    """A TOML date, or text as 2027-01-04, 04-01-2027, 04.01.2027 or 04/01/2027; from 2000 to 2099."""
    if isinstance(value, dt.datetime):
        return check_date(value.date(), where)
    if isinstance(value, dt.date):
        return check_date(value, where)
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return check_date(day, where)
    raise ConfigError(f"'{where}' er ikke en gyldig dato: {value!r}", hint="skriv fx 2027-01-04 eller 04-01-2027")


def check_date(day: dt.date, where: str) -> dt.date:
    """A date from EARLIEST_DATE to LATEST_DATE: year 1 or 9999 loads from TOML, and overflows pandas later."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ConfigError(f"'{where}' skal ligge fra {_date_text(EARLIEST_DATE)} til {_date_text(LATEST_DATE)}, men er "
                          f"{_date_text(day)}", hint="tjek årstallet, fx 2027-01-04")
    return day


def _date_text(day: dt.date) -> str:
    return f"{day.day:02d}-{day.month:02d}-{day.year:04d}"  # strftime drops the zeros of year 1


def check_number(value: Any, where: str, *, low: float, high: float, unit: str = "", what: str = "et tal",
                 hint: str | None = None) -> float:
    """A finite number from `low` to `high` (both included). TOML's true is an int to Python: not a number here."""
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise ConfigError(f"'{where}' skal være {what}, men er {value!r}", hint=hint)
    if value < 0 <= low:
        raise ConfigError(f"'{where}' må ikke være negativ, men er {value!r}", hint=hint)
    if value < low:
        raise ConfigError(f"'{where}' skal være mindst {number_text(low, unit)}, men er {value!r}", hint=hint)
    if value > high:
        raise ConfigError(f"'{where}' må ikke være mere end {number_text(high, unit)}, men er {value!r}", hint=hint)
    return float(value)


def check_integer(value: Any, where: str, *, low: int, high: int, unit: str = "", hint: str | None = None) -> int:
    """A whole number from `low` to `high` (both included)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"'{where}' skal være et heltal, men er {value!r}", hint=hint)
    check_number(value, where, low=low, high=high, unit=unit, hint=hint)
    return value


def number_text(value: float, unit: str = "") -> str:
    """10000000 -> '10.000.000', 0.5 -> '0,5' (Danish), with the unit after a space."""
    text = f"{value:,.10g}" if value != int(value) else f"{int(value):,}"
    text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text} {unit}" if unit else text


def resolved(path: Path) -> Path:
    """`path` made absolute with its symlinks resolved – but a symlink loop left as it is (Python before 3.13 raises
    RuntimeError for one): reading it then fails with a message that names the file and its key, not a crash."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return Path(os.path.abspath(path))


def template_fields(template: str, where: str) -> list[str]:
    """The {names} of a text template; a stray brace is a configuration error naming the key."""
    try:
        return [n for _, n, _, _ in string.Formatter().parse(template) if n is not None]
    except ValueError as exc:
        raise ConfigError(f"'{where}' kan ikke læses: {exc}",
                          hint="brug {{ og }} for krøllede parenteser i teksten") from None
