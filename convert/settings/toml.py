"""Checking a TOML table against a schema: the helpers every settings section uses.

A schema maps each key to (type or types, default); `REQUIRED` as the default makes the key mandatory. An unknown
key is an error that suggests the nearest valid key, a wrong type names the key and the expected type. Messages
are Danish: the person who wrote the configuration reads them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import string
from typing import Any

from ..errors import ConfigError

REQUIRED = object()  # a schema default: the key must be given
Schema = dict[str, tuple[Any, Any]]


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


def compile_pattern(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"'{where}' er ikke et gyldigt regulært udtryk: {pattern!r} ({exc})") from None


def parse_date(value: str | dt.date, where: str = "batch.cutover_date") -> dt.date:
    """A TOML date, or text as 2027-01-04, 04-01-2027, 04.01.2027 or 04/01/2027."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ConfigError(f"'{where}' er ikke en gyldig dato: {value!r}", hint="skriv fx 2027-01-04 eller 04-01-2027")


def template_fields(template: str, where: str) -> list[str]:
    """The {names} of a text template; a stray brace is a configuration error naming the key."""
    try:
        return [n for _, n, _, _ in string.Formatter().parse(template) if n is not None]
    except ValueError as exc:
        raise ConfigError(f"'{where}' kan ikke læses: {exc}",
                          hint="brug {{ og }} for krøllede parenteser i teksten") from None
