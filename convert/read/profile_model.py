"""The export profile as data: what `kp-convert inspect` found, per file and per column, ready for the workbook,
the console and the JSON document (`profile_json`). Plain dataclasses: `dataclasses.asdict` is the JSON shape.

Nothing here may hold a CPR number, a name or free text: headers, counts, date ranges, the values of categorical
columns, and Danish explanations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..privacy import scrub_cpr_text

PROFILE_FORMAT = "kp-convert-inspect/1"  # the JSON document's version: a script can check it
HOW_LABELS = {"config": "konfigurationen", "alias": "indbygget overskrift", "refused": "afvist for indholdet",
              "not_mapped": "ikke koblet", "duplicate": "overskriften findes flere gange",
              "no_header": "ingen overskrift"}


@dataclass
class ValueCount:
    value: str  # "" = empty cells
    rows: int
    running: bool | None = None  # status: one of selection.active_statuses (None: not a status)


@dataclass
class DateRange:
    first: str | None  # ISO date
    last: str | None
    open_ended: int  # 31-12-9999 (an open-ended grant)
    invalid: int  # filled, but not a date


@dataclass
class Suggested:
    field: str
    field_label: str
    line: str  # paste-ready: field = "header"
    reason: str


@dataclass
class ColumnProfile:
    position: int  # 1 = the first column
    header: str
    field: str | None
    field_label: str | None
    how: str  # a key of HOW_LABELS
    reason: str  # why: the refusal, a suggestion's reason, a likeness to a field already mapped
    kind: str  # a key of columns.KIND_LABELS
    kind_label: str
    filled: int
    fill_rate: float  # 0–1
    distinct: int
    dates: DateRange | None = None
    values: list[ValueCount] | None = None  # only for VALUE_FIELDS
    values_note: str = ""  # why values are left out
    suggestion: Suggested | None = None


@dataclass
class MissingField:
    field: str
    field_label: str
    need: str  # "required", "decision" or "check"
    why: str  # Danish
    suggestion: str = ""  # the paste-ready line, when a column looks like it


@dataclass
class SelectionProfile:
    """What `selection` makes of the cases export, before validation (so an estimate)."""

    active_statuses: list[str]
    running_rows: int | None  # None: no status column
    statuses_not_found: list[str]  # configured, but no row has them
    foot_care_pattern: str
    match_fields: list[str]
    foot_care_rows: int | None  # None: none of the match fields found
    foot_care_by_field: dict[str, int]
    end_date: dict[str, int] | None  # open_ended, after_cutover, on_or_before_cutover, invalid
    selected_rows: int | None  # running, foot care and not ended (None: a deciding column is missing)


@dataclass
class AssetYear:
    year: int
    source: str  # file and header
    declarations: int
    after_cutover: int  # dated after the cut-over: the run ignores them
    limit: int | None  # asset_limits (kr.); None: no limit for the year


@dataclass
class FileProfile:
    table: str
    table_label: str
    file: str
    path: str
    error: str | None = None  # the file could not be read at all
    error_exit_code: int | None = None
    format: str = ""
    encoding: str = ""
    delimiter: str = ""
    line_endings: str = ""
    sheet: str = ""
    sheets: list[dict[str, str]] = field(default_factory=list)  # every sheet: name, state (visible/hidden/…)
    header_row: int | None = None
    title_rows_skipped: int = 0
    records: int = 0
    ragged_lines: int = 0
    warnings: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)  # what the command reading the file would stop at
    notes: list[str] = field(default_factory=list)  # worth a look, but `run` goes on
    columns: list[ColumnProfile] = field(default_factory=list)
    missing: list[MissingField] = field(default_factory=list)
    selection: SelectionProfile | None = None
    columns_block: list[str] = field(default_factory=list)  # [input.X.columns], paste-ready


@dataclass
class ExportProfile:
    batch: str
    config: str
    cutover_date: str
    files: list[FileProfile]
    asset_years: list[AssetYear]
    years_without_limit: list[int]


def profile_json(profile: ExportProfile, workbook: str | None = None) -> dict[str, Any]:
    """The profile as a JSON document (`inspect --json`); every text passes the CPR scrub once more."""
    return _scrub({"format": PROFILE_FORMAT, "workbook": workbook, **asdict(profile)})


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_cpr_text(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value
