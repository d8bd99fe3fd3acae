"""Plan a manual conversion: effort per case, batches per caseworker, a planned day for every case.

Pure: the converted cases and the settings go in, the cases with their plan columns and the plan come out.
A case's effort is minutes per case + minutes per document (+ extra when it needs attention). Cases are put
in the configured order and cut into batches; a batch goes to the caseworker who is free soonest (with
`esdh_caseworker`, first to the case's own ESDH caseworker when that person is in the plan). Within a
caseworker's days a case starts on the first day with room for it; a case bigger than a whole day starts on
a fresh day and runs on into the next. Working days skip weekends (unless configured), Danish public holidays
(the maintained `holidays` library, so a change such as Store bededag's abolition from 2024 comes with it)
and days off. A plan that would run on for more than PLAN_HORIZON_YEARS after its start date is refused (exit 2).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import pandas as pd

from schemas.batch import ConvertedCase as C

from ..errors import ConfigError
from ..progress import stage
from ..settings.planning import Caseworker, PlanSettings
from ..settings.toml import number_text
from .calendar import working_days

PLAN_BATCH, PLAN_CASEWORKER, PLAN_DAY = C.plan_batch, C.plan_caseworker, C.plan_day
PLAN_POSITION, PLAN_MINUTES, PLAN_STATUS = C.plan_position, C.plan_minutes, C.plan_status
PLAN_COLUMNS = [PLAN_BATCH, PLAN_POSITION, PLAN_CASEWORKER, PLAN_DAY, PLAN_MINUTES, PLAN_STATUS]
STATUS_LABELS = {"planned": "Planlagt", "held_back": "Holdt tilbage", "no_caseworker": "Ingen sagsbehandler"}
# A manual conversion is weeks or months of work: a plan running on for more than this after its start date comes
# from hours that cannot be meant (half an hour on Mondays for 9,000 hours of work), and past 2262 pandas cannot
# even hold its dates. Refused with the hours, not planned.
PLAN_HORIZON_YEARS = 5
_EPS = 1e-9
_EPOCH = dt.date(1970, 1, 1).toordinal()
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Plan:
    """The plan: `table` has one row per batch, caseworker and day (the Plan sheet), running total included."""

    settings: PlanSettings
    start_date: dt.date
    table: pd.DataFrame  # batch, caseworker, day, cases, documents, minutes, hours, running_hours
    segments: pd.DataFrame  # case_id, batch, caseworker, day, minutes: the work of each case on each day
    by_caseworker: pd.DataFrame  # caseworker, cases, documents, hours, first_day, last_day, days
    warnings: tuple[str, ...]
    held_back: int
    held_back_hours: float

    @property
    def total_hours(self) -> float:
        return float(self.table["minutes"].sum()) / 60

    @property
    def last_day(self) -> dt.date | None:
        days = self.table["day"].dropna()
        return days.max().date() if len(days) else None

    @property
    def batches(self) -> int:
        return int(self.table["batch"].nunique())

    def hours_per_day(self) -> pd.DataFrame:
        """Rows: working day; columns: caseworker; values: planned hours."""
        seg = self.segments.dropna(subset=["day"])
        return (seg.pivot_table(index="day", columns="caseworker", values="minutes", aggfunc="sum", fill_value=0)
                / 60)


def plan_horizon(start: dt.date) -> dt.date:
    """The last day a plan starting on `start` may reach: PLAN_HORIZON_YEARS later (29 February: the 28th)."""
    try:
        return start.replace(year=start.year + PLAN_HORIZON_YEARS)
    except ValueError:  # 29 February
        return start.replace(year=start.year + PLAN_HORIZON_YEARS, day=28)


class _PastHorizon(Exception):
    """A caseworker's next working day would be after the plan's horizon."""


class _Timeline:
    """One caseworker's days, filled in order: `place` books a case and returns its (day, minutes) parts."""

    def __init__(self, worker: Caseworker, settings: PlanSettings, start: dt.date) -> None:
        self.worker, self.settings = worker, settings
        self.horizon = plan_horizon(start)
        self.capacity = worker.minutes_per_day
        self.day: dt.date = start - dt.timedelta(days=1)
        self.used = self.capacity  # "yesterday is full": the first booking moves to the first working day

    def _next_day(self) -> None:
        following = working_days(self.worker, self.settings, self.day + dt.timedelta(days=1), 1)
        if not following:
            raise ConfigError(f"Sagsbehandler {self.worker.name} har ingen arbejdsdage efter {self.day:%d-%m-%Y}",
                              hint="tjek weekdays og days_off under [[planning.caseworkers]]")
        if following[0] > self.horizon:
            raise _PastHorizon
        self.day, self.used = following[0], 0.0

    def free_from(self) -> tuple[dt.date, float]:
        """When the next case could start: (day, share of that day already booked)."""
        if self.used >= self.capacity - _EPS:  # today is full: the next working day, from its start
            following = working_days(self.worker, self.settings, self.day + dt.timedelta(days=1), 1)
            return (following[0] if following else dt.date.max), 0.0
        return self.day, self.used / self.capacity

    def place(self, minutes: float) -> list[tuple[dt.date, float]]:
        if self.used >= self.capacity - _EPS or (self.used > 0 and self.used + minutes > self.capacity + _EPS):
            self._next_day()  # does not fit in what is left today: start it on a fresh day
        parts = []
        remaining = minutes
        while True:
            take = min(self.capacity - self.used, remaining)
            parts.append((self.day, take))
            self.used += take
            remaining -= take
            if remaining <= _EPS:
                return parts
            self._next_day()  # bigger than a day: it runs on into the next working day


# ---- effort and order ----------------------------------------------------------------------------------------

def needs_attention(cases: pd.DataFrame, settings: PlanSettings) -> pd.Series:
    """Cases with a flag that counts as needing attention (all flags unless `attention_flags` narrows it)."""
    codes = cases[C.flag_codes].astype("string").fillna("")
    if not settings.attention_flags:
        return codes.ne("").astype(bool)
    wanted = "|".join(re.escape(c) for c in settings.attention_flags)
    return codes.str.contains(rf"(?:^|\|)(?:{wanted})(?:\||$)", regex=True).astype(bool)


def case_minutes(cases: pd.DataFrame, settings: PlanSettings) -> pd.Series:
    """Estimated minutes per case: per case + per document + extra if it needs attention."""
    docs = cases[C.document_count].astype("Float64").fillna(0) if C.document_count in cases else 0
    extra = needs_attention(cases, settings).astype(float) * settings.extra_minutes_flagged
    return (settings.minutes_per_case + settings.minutes_per_document * docs + extra).astype(float)


def natural_key(s: pd.Series) -> pd.Series:
    """Sort key where '…-2-15' comes before '…-10-15': every run of digits padded to 12."""
    pad = _DIGITS.sub  # a plain loop beats pandas' regex replace with a group reference here
    return pd.Series([pad(_zfill, v) for v in s.astype("string").fillna("").tolist()], index=s.index, dtype=object)


def _zfill(m: re.Match[str]) -> str:
    return m.group(0).zfill(12)


def _order(cases: pd.DataFrame, settings: PlanSettings) -> np.ndarray:
    """Positions of the cases in the order they are to be converted."""
    keys: dict[str, object] = {}
    if settings.flagged == "first":
        keys["_attention"] = ~needs_attention(cases, settings).to_numpy()  # False (needs attention) sorts first
    for key in settings.order:
        if key == "esdh_caseworker":
            worker = cases[C.caseworker] if C.caseworker in cases else pd.Series(pd.NA, index=cases.index)
            keys["_worker_missing"] = worker.isna().to_numpy()
            keys["_worker"] = worker.astype("string").fillna("").str.strip().str.casefold().to_numpy()
        elif key == "oldest_asset_declaration":
            app = cases[C.application_date]
            keys["_no_declaration"] = app.notna().to_numpy()  # no declaration at all: oldest of all
            keys["_declared"] = app.fillna(pd.Timestamp.min).to_numpy()
        elif key == "case_id":
            keys["_case"] = natural_key(cases[C.case_id]).to_numpy()
    keys["_case_final"] = keys["_case"] if "_case" in keys else cases[C.case_id].astype("string").to_numpy()
    frame = pd.DataFrame(keys)
    return frame.sort_values(list(keys), kind="stable").index.to_numpy()


def order_cases(cases: pd.DataFrame, settings: PlanSettings) -> pd.DataFrame:
    """The cases in the order they are to be converted (flagged first when so configured)."""
    return cases.iloc[_order(cases, settings)]


# ---- the plan -------------------------------------------------------------------------------------------------

def _chunks(positions: np.ndarray, size: int, first: np.ndarray) -> list[tuple[bool, np.ndarray]]:
    """Batches of at most `size` cases; a batch never mixes cases that go first with others."""
    out: list[tuple[bool, np.ndarray]] = []
    for flag in (True, False):
        part = positions[first[positions] == flag]
        out += [(flag, part[k:k + size]) for k in range(0, len(part), size)]
    return out


@dataclass
class _Placed:
    """Per case position: batch, position in batch, caseworker index and start day (ordinal; -1 = none);
    per day segment: the parallel lists below."""

    batch: np.ndarray
    position: np.ndarray
    worker: np.ndarray
    day: np.ndarray
    seg: dict[str, list[int | float | bool]]

    @classmethod
    def empty(cls, n: int) -> _Placed:
        return cls(np.zeros(n, np.int64), np.zeros(n, np.int64), np.full(n, -1, np.int64), np.full(n, -1, np.int64),
                   {"pos": [], "batch": [], "worker": [], "day": [], "minutes": [], "starts": []})


def _dispatch(order: np.ndarray, first: np.ndarray, esdh: list[str], settings: PlanSettings,
              workers: list[Caseworker], start: dt.date, minutes: np.ndarray) -> _Placed:
    """Hand out batches to whoever is free soonest (with `esdh_caseworker` their own cases first)."""
    index = {w.name.casefold(): i for i, w in enumerate(workers)}
    owner = np.array([index.get(esdh[p], -1) for p in order], dtype=np.int64) if "esdh_caseworker" in settings.order \
        else np.full(len(order), -1, np.int64)
    queues = [_chunks(order[owner == i], settings.batch_size, first) for i in range(len(workers))]
    shared = _chunks(order[owner == -1], settings.batch_size, first)
    timelines = [_Timeline(w, settings, start) for w in workers]
    placed = _Placed.empty(len(minutes))
    seg = placed.seg
    batch_no = 0
    while any(queues) or shared:
        i = min((i for i in range(len(workers)) if queues[i] or shared), key=lambda i: (*timelines[i].free_from(), i))
        mine = queues[i]
        # cases that go first, everywhere: an own batch of them, then a shared one, then the rest
        if mine and (mine[0][0] or not (shared and shared[0][0])):
            _, ids = mine.pop(0)
        else:
            _, ids = shared.pop(0)
        batch_no += 1
        for n, p in enumerate(ids.tolist(), start=1):
            parts = timelines[i].place(float(minutes[p]))
            placed.batch[p], placed.position[p], placed.worker[p] = batch_no, n, i
            placed.day[p] = parts[0][0].toordinal()
            for k, (day, m) in enumerate(parts):
                seg["pos"].append(p)
                seg["batch"].append(batch_no)
                seg["worker"].append(i)
                seg["day"].append(day.toordinal())
                seg["minutes"].append(m)
                seg["starts"].append(k == 0)
    return placed


def _dates(ordinals: np.ndarray) -> np.ndarray:
    """Date ordinals (-1 = none) -> datetime64[ns] with NaT."""
    days = (np.asarray(ordinals, dtype=np.int64) - _EPOCH).astype("datetime64[D]").astype("datetime64[ns]")
    return np.where(np.asarray(ordinals) < 0, np.datetime64("NaT"), days)


@stage("plan", "Planlægger")
def plan_conversion(cases: pd.DataFrame, settings: PlanSettings | None, cutover: dt.date
                    ) -> tuple[pd.DataFrame, Plan]:
    """Plan every converted case. Returns (cases with the plan columns, the plan)."""
    settings = settings or PlanSettings()
    start = settings.start_date or cutover
    minutes = case_minutes(cases, settings)
    attention = needs_attention(cases, settings).to_numpy()
    first = attention & (settings.flagged == "first")  # batches of these go first and are kept apart
    held = attention & (settings.flagged == "hold_back")
    warnings: list[str] = []
    workers = []
    for w in settings.caseworkers:
        if w.minutes_per_day <= 0 or not working_days(w, settings, start, 1):
            warnings.append(f"{w.name} har ingen arbejdstimer eller -dage i planen og får ingen sager")
        else:
            workers.append(w)
    order = _order(cases, settings)
    order = order[~held[order]]
    docs = (cases[C.document_count].astype("Float64").fillna(0) if C.document_count in cases
            else pd.Series(0.0, index=cases.index)).to_numpy(dtype=float)
    mins = minutes.to_numpy(dtype=float)

    if workers:
        esdh = (cases[C.caseworker].astype("string").fillna("").str.strip().str.casefold().tolist()
                if C.caseworker in cases else [""] * len(cases))
        try:
            placed = _dispatch(order, first, esdh, settings, workers, start, mins)
        except _PastHorizon:
            raise _past_horizon(start, workers, float(mins[order].sum()) / 60) from None
    else:  # effort only: batches in order, no caseworker or day
        if settings.caseworkers:
            warnings.append("Ingen sagsbehandler har tid i planen: kun tidsforbrug og batches er beregnet")
        placed = _Placed.empty(len(cases))
        for batch_no, (_, ids) in enumerate(_chunks(order, settings.batch_size, first), start=1):
            placed.batch[ids], placed.position[ids] = batch_no, np.arange(1, len(ids) + 1)
        placed.seg.update(pos=order.tolist(), batch=placed.batch[order].tolist(), worker=[-1] * len(order),
                          day=[-1] * len(order), minutes=mins[order].tolist(), starts=[True] * len(order))

    names = np.array([w.name for w in workers] + [""], dtype=object)  # index -1: no caseworker
    unplaced = placed.batch == 0
    worker = pd.Series(names[placed.worker], index=cases.index, dtype="string")
    plan_columns: dict[str, pd.Series | np.ndarray] = {
        PLAN_BATCH: pd.Series(placed.batch, index=cases.index, dtype="Int64").mask(unplaced),
        PLAN_POSITION: pd.Series(placed.position, index=cases.index, dtype="Int64").mask(unplaced),
        PLAN_CASEWORKER: worker.mask(worker == ""),
        PLAN_DAY: _dates(placed.day),
        PLAN_MINUTES: minutes,
        PLAN_STATUS: pd.Series(np.where(held, "held_back", "planned" if workers else "no_caseworker"),
                               index=cases.index, dtype="string"),
    }
    out = cases.assign(**plan_columns)
    seg = placed.seg
    pos = np.asarray(seg["pos"], dtype=np.int64)
    starts = np.asarray(seg["starts"], dtype=bool)
    segments = pd.DataFrame({
        "case_id": cases[C.case_id].to_numpy()[pos] if len(pos) else pd.Series([], dtype="string"),
        "batch": np.asarray(seg["batch"], dtype=np.int64),
        "caseworker": pd.array(names[np.asarray(seg["worker"], dtype=np.int64)], dtype="string"),
        "day": _dates(np.asarray(seg["day"], dtype=np.int64)),
        "minutes": np.asarray(seg["minutes"], dtype=float), "starts": starts,
        "documents": np.where(starts, docs[pos] if len(pos) else 0, 0).astype(np.int64)})
    segments["caseworker"] = segments["caseworker"].mask(segments["caseworker"] == "")
    table = (segments.assign(cases=starts.astype(np.int64))
             .groupby(["day", "caseworker", "batch"], dropna=False, sort=False)[["cases", "documents", "minutes"]]
             .sum().reset_index()
             .sort_values(["day", "caseworker", "batch"], kind="stable", na_position="last")
             .reset_index(drop=True))
    table = table.assign(hours=table["minutes"] / 60, running_hours=table["minutes"].cumsum() / 60)
    table = table[["batch", "caseworker", "day", "cases", "documents", "minutes", "hours", "running_hours"]]
    plan = Plan(settings=settings, start_date=start, table=table, segments=segments.drop(columns="documents"),
                by_caseworker=_by_caseworker(segments, workers), warnings=tuple(warnings),
                held_back=int(held.sum()), held_back_hours=float(mins[held].sum()) / 60)
    return out, plan


def _past_horizon(start: dt.date, workers: list[Caseworker], hours: float) -> ConfigError:
    """The plan would run on past its horizon: the work and the hours the caseworkers give it, per week."""
    weekly = sum(w.hours_per_day * len(w.weekdays) for w in workers)
    each = ", ".join(f"{w.name} {number_text(w.hours_per_day)} timer × {len(w.weekdays)} dag(e)" for w in workers)
    return ConfigError(
        f"Planen rækker mere end {PLAN_HORIZON_YEARS} år ud over startdatoen {start:%d-%m-%Y}: {number_text(round(hours, 1))} "
        f"timers konvertering, men sagsbehandlerne i 'planning.caseworkers' har {number_text(round(weekly, 1))} timer "
        f"om ugen tilsammen ({each})",
        hint="giv sagsbehandlerne flere timer pr. dag (hours_per_day) eller flere ugedage (weekdays), tilføj en "
             "sagsbehandler under [[planning.caseworkers]], eller tjek minutterne under [planning] (minutes_per_case, "
             "minutes_per_document, extra_minutes_flagged)")


def _by_caseworker(segments: pd.DataFrame, workers: list[Caseworker]) -> pd.DataFrame:
    """Per caseworker in the plan (also those with nothing planned): cases, documents, hours, first/last day."""
    names = [w.name for w in workers]
    g = segments.groupby("caseworker")
    frame = pd.DataFrame({"cases": g["starts"].sum(), "documents": g["documents"].sum(),
                          "hours": g["minutes"].sum() / 60, "first_day": g["day"].min(), "last_day": g["day"].max(),
                          "days": g["day"].nunique()}).reindex(names)
    frame = frame.fillna({"cases": 0, "documents": 0, "hours": 0.0, "days": 0})
    frame = frame.astype({"cases": "int64", "documents": "int64", "days": "int64", "hours": "float64"})
    return frame.rename_axis("caseworker").reset_index()


SUMMARY_LABELS = {"cases": "Sager planlagt", "documents": "Dokumenter planlagt", "hours": "Timer i alt",
                  "batches": "Batches", "caseworkers": "Sagsbehandlere", "first_day": "Første planlagte dag",
                  "last_day": "Sidste planlagte dag", "working_days": "Arbejdsdage med konvertering",
                  "held_back": "Holdt tilbage"}


COLUMN_LABELS = {"batch": "Batch", "caseworker": "Sagsbehandler", "day": "Dag", "cases": "Sager",
                 "documents": "Dokumenter", "minutes": "Minutter", "hours": "Timer",
                 "running_hours": "Løbende total (timer)", "first_day": "Første dag", "last_day": "Sidste dag",
                 "days": "Dage"}  # Danish headers for Plan.table and Plan.by_caseworker


class PlanSummary(TypedDict):
    cases: int
    documents: int
    hours: float
    batches: int
    caseworkers: int
    first_day: dt.date | None
    last_day: dt.date | None
    working_days: int
    held_back: int


def plan_summary(plan: Plan) -> PlanSummary:
    """The numbers a team lead asks for first (keys: SUMMARY_LABELS; used by console, report and notebook)."""
    t = plan.table
    return {"cases": int(t["cases"].sum()), "documents": int(t["documents"].sum()),
            "hours": round(plan.total_hours, 2), "batches": plan.batches, "caseworkers": len(plan.by_caseworker),
            "first_day": t["day"].min().date() if t["day"].notna().any() else None, "last_day": plan.last_day,
            "working_days": int(t["day"].nunique()), "held_back": plan.held_back}
