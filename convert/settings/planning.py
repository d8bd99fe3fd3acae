"""The `[planning]` section of the batch configuration: who converts the cases by hand, when, and how fast.

The minutes per case and per document are assumptions (nobody has measured a manual conversion in KP yet):
they are labelled as such in the template and the report, and the team lead adjusts them after a trial day.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .toml import REQUIRED, check_integer, check_number, check_section, parse_date, resolved, unknown_key

# ASSUMPTION (no measured figures exist): creating a grant in KP by hand with the manipulated application date,
# writing the closing note in ESDH and ticking the checklist; per document: save, drag in, choose the category.
DEFAULT_MINUTES_PER_CASE = 15.0
DEFAULT_MINUTES_PER_DOCUMENT = 2.0
DEFAULT_EXTRA_MINUTES_FLAGGED = 10.0  # ASSUMPTION: a flagged case needs a look before it is created
DEFAULT_BATCH_SIZE = 25

# Bounds of the numbers (a mistake that loads would crash or hang the plan: nan minutes, 0.0001 hours a day spread
# over centuries). Minutes: a case, a document or a flag's extra look takes at most a working day. Hours: a
# caseworker gives the conversion at least half an hour a day (0 = none: they get no cases) and at most 24.
MAX_MINUTES = 480.0
MIN_HOURS_PER_DAY, MAX_HOURS_PER_DAY = 0.5, 24.0
MAX_BATCH_SIZE = 10_000

ORDER_KEYS = ("esdh_caseworker", "oldest_asset_declaration", "case_id")
FLAGGED_MODES = ("first", "with_others", "hold_back")
WEEKDAYS: dict[str, int] = {"man": 0, "tir": 1, "ons": 2, "tor": 3, "fre": 4, "lør": 5, "søn": 6}
WEEKDAY_NAMES = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_WEEKDAY_ALIASES = {**WEEKDAYS, **{n: i for i, n in enumerate(WEEKDAY_NAMES)}, "lor": 5, "son": 6,
                    "lordag": 5, "sondag": 6}


@dataclass(frozen=True)
class Caseworker:
    """A person converting cases: the weekdays they work on it (0 = Monday) and the hours they have each day."""

    name: str
    hours_per_day: float
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    days_off: frozenset[dt.date] = frozenset()  # holidays, courses: no conversion work these days

    @property
    def minutes_per_day(self) -> float:
        return self.hours_per_day * 60


@dataclass(frozen=True)
class PlanSettings:
    caseworkers: tuple[Caseworker, ...] = ()
    start_date: dt.date | None = None  # None: the cut-over date
    minutes_per_case: float = DEFAULT_MINUTES_PER_CASE
    minutes_per_document: float = DEFAULT_MINUTES_PER_DOCUMENT
    extra_minutes_flagged: float = DEFAULT_EXTRA_MINUTES_FLAGGED
    batch_size: int = DEFAULT_BATCH_SIZE
    order: tuple[str, ...] = ("esdh_caseworker", "case_id")
    flagged: str = "first"
    attention_flags: tuple[str, ...] | None = None  # None: every flag counts as needing attention
    optional_holidays: bool = True  # ASSUMPTION: Christmas Eve, New Year's Eve, Constitution Day, 1 May off
    days_off: frozenset[dt.date] = frozenset()
    documents_folder: Path | None = None
    defaults_used: tuple[str, ...] = field(default=(), compare=False)  # assumption keys the user did not set

    def with_caseworker(self, name: str, hours_per_day: float, weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
                        ) -> PlanSettings:
        """The same settings with one more caseworker (for 'what if' questions); hours bounded as in the config."""
        hours = check_hours_per_day(hours_per_day, "hours_per_day")
        return replace(self, caseworkers=(*self.caseworkers, Caseworker(name, hours, weekdays)))


_CASEWORKER_KEYS: dict[str, tuple[Any, Any]] = {
    "name": (str, REQUIRED),
    "hours_per_day": ((int, float), REQUIRED),
    "weekdays": (list, ["man", "tir", "ons", "tor", "fre"]),
    "days_off": (list, []),
}
_KEYS: dict[str, tuple[Any, Any]] = {
    "start_date": ((str, dt.date), ""),
    "minutes_per_case": ((int, float), DEFAULT_MINUTES_PER_CASE),
    "minutes_per_document": ((int, float), DEFAULT_MINUTES_PER_DOCUMENT),
    "extra_minutes_flagged": ((int, float), DEFAULT_EXTRA_MINUTES_FLAGGED),
    "batch_size": (int, DEFAULT_BATCH_SIZE),
    "order": ((str, list), ["esdh_caseworker", "case_id"]),
    "flagged": (str, "first"),
    "attention_flags": (list, []),
    "optional_holidays": (bool, True),
    "days_off": (list, []),
    "documents_folder": (str, ""),
    "caseworkers": (list, []),
}
_ASSUMPTIONS = ("minutes_per_case", "minutes_per_document", "extra_minutes_flagged", "optional_holidays")


def parse_days(values: list[Any], where: str) -> frozenset[dt.date]:
    """Dates and ranges: 2027-02-15, "15-02-2027" or "2027-07-05..2027-07-23" (both ends included)."""
    days: set[dt.date] = set()
    for value in values:
        if isinstance(value, str) and ".." in value:
            first, last = (parse_date(part, where) for part in value.split("..", 1))
            if last < first:
                raise ConfigError(f"'{where}': perioden {value!r} slutter før den begynder")
            days.update(first + dt.timedelta(n) for n in range((last - first).days + 1))
        elif isinstance(value, str | dt.date):
            days.add(parse_date(value, where))
        else:
            raise ConfigError(f"'{where}' skal være en liste af datoer, men indeholder {value!r}")
    return frozenset(days)


def parse_weekdays(values: list[Any], where: str) -> tuple[int, ...]:
    out: set[int] = set()
    for value in values:
        key = str(value).strip().casefold().rstrip(".")
        if key not in _WEEKDAY_ALIASES:
            near = difflib.get_close_matches(key, list(_WEEKDAY_ALIASES), n=1, cutoff=0.5)
            hint = f"mente du '{near[0]}'?" if near else "brug man, tir, ons, tor, fre, lør, søn"
            raise ConfigError(f"'{where}' indeholder en ukendt ugedag: {value!r}", hint=hint)
        out.add(_WEEKDAY_ALIASES[key])
    return tuple(sorted(out))


def _minutes(d: dict[str, Any], key: str) -> float:
    return check_number(d[key], f"planning.{key}", low=0, high=MAX_MINUTES, unit="minutter",
                        hint="skriv minutterne som et tal fra 0 til 480 (en arbejdsdag)")


def check_hours_per_day(hours: Any, where: str) -> float:
    """0 (no hours: the caseworker gets no cases), or from half an hour to 24 hours."""
    hint = "skriv timerne pr. dag som et tal fra 0,5 til 24 (0 = ingen timer)"
    value = check_number(hours, where, low=0, high=MAX_HOURS_PER_DAY, unit="timer", hint=hint)
    if 0 < value < MIN_HOURS_PER_DAY:
        raise ConfigError(f"'{where}' skal være 0 eller mindst en halv time (0,5), men er {hours!r}", hint=hint)
    return value


def _caseworker(data: Any, i: int) -> Caseworker:
    where = f"planning.caseworkers[{i}]."
    if not isinstance(data, dict):
        raise ConfigError(f"'planning.caseworkers[{i}]' skal være en tabel med name og hours_per_day")
    d = check_section(data, _CASEWORKER_KEYS, where)
    if not d["name"].strip():
        raise ConfigError(f"'{where}name' må ikke være tom")
    hours = check_hours_per_day(d["hours_per_day"], where + "hours_per_day")
    return Caseworker(name=d["name"].strip(), hours_per_day=hours,
                      weekdays=parse_weekdays(d["weekdays"], where + "weekdays"),
                      days_off=parse_days(d["days_off"], where + "days_off"))


def parse_planning(data: Any, base: Path, flag_codes: list[str]) -> PlanSettings:
    """Check and convert the `[planning]` table (absent = defaults, no caseworkers: effort only)."""
    if not isinstance(data, dict):
        raise ConfigError("'planning' skal være en tabel ([planning])")
    d = check_section(data, _KEYS, "planning.")
    order = [d["order"]] if isinstance(d["order"], str) else d["order"]
    for key in order:
        if key not in ORDER_KEYS:
            raise unknown_key(str(key), list(ORDER_KEYS), "planning.order: ")
    if d["flagged"] not in FLAGGED_MODES:
        raise unknown_key(d["flagged"], list(FLAGGED_MODES), "planning.flagged: ")
    for code in d["attention_flags"]:
        if code not in flag_codes:
            raise unknown_key(str(code), flag_codes, "planning.attention_flags: ")
    check_integer(d["batch_size"], "planning.batch_size", low=1, high=MAX_BATCH_SIZE)
    workers = tuple(_caseworker(w, i) for i, w in enumerate(d["caseworkers"], start=1))
    names = [w.name.casefold() for w in workers]
    if len(set(names)) != len(names):
        raise ConfigError("'planning.caseworkers' nævner den samme sagsbehandler to gange")
    return PlanSettings(
        caseworkers=workers,
        start_date=parse_date(d["start_date"], "planning.start_date") if d["start_date"] else None,
        minutes_per_case=_minutes(d, "minutes_per_case"),
        minutes_per_document=_minutes(d, "minutes_per_document"),
        extra_minutes_flagged=_minutes(d, "extra_minutes_flagged"),
        batch_size=d["batch_size"],
        order=tuple(dict.fromkeys(order)),
        flagged=d["flagged"],
        attention_flags=tuple(d["attention_flags"]) or None,
        optional_holidays=d["optional_holidays"],
        days_off=parse_days(d["days_off"], "planning.days_off"),
        documents_folder=resolved(base / d["documents_folder"]) if d["documents_folder"] else None,
        defaults_used=tuple(k for k in _ASSUMPTIONS if k not in data),
    )
