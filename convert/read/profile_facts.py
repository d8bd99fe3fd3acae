"""Facts the export profile shows about a column's content: the values of a category (never one that could be a
person's), a date column's range, what `[selection]` makes of the cases export, and the asset-declaration years."""

from __future__ import annotations

import re

import pandas as pd

from ..danish.parse import open_end_dates, parse_dates
from ..privacy import CPR_IN_TEXT
from ..settings.batch import Config
from ..settings.inputs import InputSpec
from .columns import ColumnContent
from .mapping import MappedTable
from .profile_model import AssetYear, ColumnProfile, DateRange, SelectionProfile, ValueCount

# the only fields whose values are shown: few distinct values, none of them about a person
VALUE_FIELDS: dict[str, tuple[str, ...]] = {"cases": ("status", "benefit", "pension_type"),
                                            "documents": ("doc_type",), "kp_report": ("case_type", "status"),
                                            "esdh_export": ("status",)}
# "Karen Jensen", "Poul Erik Brøndum": never shown as a value, even from a column mapped by mistake ("Under
# behandling", "Folkepension", "Førtidspension (før 2003)" are not shaped so)
NAME_SHAPED = re.compile(r"[A-ZÆØÅÄÖÜ][a-zæøåäöüé'.-]+(?:[ -][A-ZÆØÅÄÖÜ][a-zæøåäöüé'.-]*){1,4}")
MAX_VALUES = 50  # more distinct values than this is not a category: none shown
MAX_VALUE_LENGTH = 80

def name_values(mapped: MappedTable) -> set[str]:
    """The table's names (casefolded): a value equal to one is never shown, whatever column it is in."""
    if "name" not in mapped.columns:
        return set()
    return set(mapped.frame["name"].astype("string").str.strip().str.casefold().dropna().unique().tolist())


def add_values(col: ColumnProfile, values: pd.Series, content: ColumnContent, names: set[str],
                config: Config | None) -> None:
    """The values of a categorical column with their row counts; none that could be a person's."""
    if content.kind == "cpr":  # a status code column may hold numbers, never CPR numbers
        col.values_note = "indholdet er CPR-numre: værdierne vises ikke"
        return
    if content.distinct > MAX_VALUES:
        col.values_note = f"{content.distinct} forskellige værdier – for mange til en kategori: de vises ikke"
        return
    counts = values.astype("string").str.strip().fillna("").value_counts(sort=False)
    active = {s.casefold() for s in config.selection.active_statuses} if config and col.field == "status" else None
    shown, hidden = [], 0
    for value, rows in counts.items():
        text = str(value)
        if text and (CPR_IN_TEXT.search(text) or text.casefold() in names or NAME_SHAPED.fullmatch(text)):
            hidden += int(rows)
            continue
        running = None if active is None else (text.casefold() in active)
        shown.append(ValueCount(text[:MAX_VALUE_LENGTH], int(rows), running))
    col.values = sorted(shown, key=lambda v: (-v.rows, v.value))
    if hidden:
        col.values_note = f"{hidden} række(r) med værdier der ligner CPR-numre eller navne vises ikke"


def date_range(values: pd.Series) -> DateRange:
    """First and last date, open ends and invalid cells; each distinct text is parsed once (a date column of half a
    million documents holds a few thousand days)."""
    counts = values.value_counts(dropna=False)
    text = pd.Series(counts.index, dtype="string").str.strip().fillna("")
    rows = counts.to_numpy()
    dates, open_end = parse_dates(text), open_end_dates(text).to_numpy()
    real = dates.dropna()
    invalid = text.ne("").to_numpy(dtype=bool) & dates.isna().to_numpy() & ~open_end
    return DateRange(first=real.min().date().isoformat() if len(real) else None,
                     last=real.max().date().isoformat() if len(real) else None,
                     open_ended=int(rows[open_end].sum()), invalid=int(rows[invalid].sum()))


def selection_profile(mapped: MappedTable, spec: InputSpec, config: Config) -> SelectionProfile:
    sel = config.selection
    frame, have = mapped.frame, set(mapped.columns)
    n = len(frame)
    running: pd.Series | None = None
    not_found: list[str] = []
    if "status" in have:
        status = frame["status"].astype("string").str.strip().str.casefold()
        running = status.isin({s.casefold() for s in sel.active_statuses}).fillna(False).astype(bool)
        seen = set(status.dropna().unique().tolist())
        not_found = [s for s in sel.active_statuses if s.casefold() not in seen]
    elif "status" in spec.not_in_export:
        running = pd.Series(True, index=frame.index)  # as the run: no status column = every case running
    by_field, foot = {}, None
    for name in (f for f in sel.match_fields if f in have):
        hit = sel.foot_care_pattern.contains(frame[name])
        by_field[name] = int(hit.sum())
        foot = hit if foot is None else foot | hit
    end_counts, not_ended = None, None
    if "end_date" in have:
        cutover = pd.Timestamp(config.cutover_date)
        text = frame["end_date"].astype("string").str.strip().fillna("")
        dates, open_end = parse_dates(text), open_end_dates(text)
        is_open = text.eq("") | open_end
        later, ended = dates > cutover, dates <= cutover
        end_counts = {"open_ended": int(is_open.sum()), "after_cutover": int(later.sum()),
                      "on_or_before_cutover": int(ended.sum()),
                      "invalid": int((~is_open & dates.isna()).sum())}
        not_ended = is_open | (later & sel.include_time_limited)
    elif "end_date" in spec.not_in_export:
        not_ended = pd.Series(True, index=frame.index)
    selected = (int((running & foot & not_ended).sum())
                if running is not None and foot is not None and not_ended is not None else None)
    return SelectionProfile(active_statuses=list(sel.active_statuses),
                            running_rows=int(running.sum()) if running is not None and "status" in have else None,
                            statuses_not_found=not_found, foot_care_pattern=sel.foot_care_pattern.pattern,
                            match_fields=list(sel.match_fields),
                            foot_care_rows=int(foot.sum()) if foot is not None else None,
                            foot_care_by_field=by_field, end_date=end_counts,
                            selected_rows=selected if n else 0)


def asset_years(spec: InputSpec, mapped: MappedTable, config: Config) -> list[AssetYear]:
    """The years of the asset declarations: from the assets export, and from the cases' own asset date."""
    name = {"assets": "declaration_date", "cases": "asset_date"}.get(spec.table)
    if name is None or name not in mapped.columns:
        return []
    counts = mapped.frame[name].value_counts()  # each distinct text parsed once
    dates = parse_dates(pd.Series(counts.index, dtype="string").str.strip())
    rows = counts.to_numpy()
    after = (dates > pd.Timestamp(config.cutover_date)).to_numpy()
    per_year = (pd.DataFrame({"year": dates.dt.year, "rows": rows, "after": rows * after})
                .dropna(subset=["year"]).groupby("year", sort=True)[["rows", "after"]].sum())
    limits = config.criteria.asset_limits
    source = f"{spec.name} ({mapped.columns[name]})"
    return [AssetYear(year=year, source=source, declarations=n, after_cutover=late, limit=limits.get(year))
            for year, n, late in zip(per_year.index.astype(int).tolist(), per_year["rows"].astype(int).tolist(),
                                     per_year["after"].astype(int).tolist(), strict=True)]


