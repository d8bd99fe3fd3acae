"""The edges of reconciliation: read the worksheet's Sager sheet, the KP report and the ESDH export.

The worksheet is the team's own copy of the batch, so it is read tolerantly: columns are found by header
(sorted rows, added columns and moved columns are fine) and dates may be real dates or typed as text.
The KP report and the ESDH export go through the same reader, mapping and cleaning as the ESDH inputs.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import InputSpec
from ..errors import InputError
from ..extract import _cell_text, map_columns, ragged_rejections, read_input
from ..fields import normalise_header
from ..parsing import format_cpr, is_empty, parse_cpr, parse_dates
from ..validate import clean, split_duplicates, validate_and_type

SHEET = "Sager"
# the worksheet's headers (convert/worksheet.py) -> the names used here; None = optional
SHEET_COLUMNS: dict[str, tuple[str, bool]] = {
    "ESDH-sagsnr.": ("case_id", True),
    "CPR-nr.": ("cpr_text", True),
    "Navn": ("name", False),
    "Ansøgningsdato (KP)": ("application_raw", True),
    "Startdato (KP)": ("start_raw", True),
    "Oprettet i KP": ("created_raw", True),
    "KP-sagsnr.": ("kp_number", True),
    "Initialer": ("initials", False),
    "Dato": ("checked_date", False),
}
NOT_CONSIDERED = ["source", "source_file", "source_row", "key", "cpr", "reason_code", "reason", "problem"]
_HEADER_SCAN = 10


@dataclass
class Source:
    """What was read from one file, for the Oversigt: name, path, SHA-256, records."""

    label: str
    path: Path
    sha256: str
    records: int
    meta: dict[str, object] = field(default_factory=dict)


@dataclass
class WorksheetCases:
    frame: pd.DataFrame  # one row per usable case of the Sager sheet
    not_considered: pd.DataFrame  # NOT_CONSIDERED columns
    source: Source


@dataclass
class ReportRows:
    frame: pd.DataFrame  # mapped and cleaned text, one row per record
    mapping: dict[str, str]  # canonical field -> header in the file
    rejected: pd.DataFrame  # ledger rows of ragged lines
    source: Source


def not_considered(label: str, ledger: pd.DataFrame, cpr: pd.Series | str = "") -> pd.DataFrame:
    """Ledger-style rows (source_file, source_row, case_id, outcome, reason_code, reason) as 'not considered'."""
    return pd.DataFrame({
        "source": label, "source_file": ledger["source_file"], "source_row": ledger["source_row"],
        "key": ledger["case_id"], "cpr": cpr, "reason_code": ledger["reason_code"], "reason": ledger["reason"],
        "problem": ledger["outcome"] == "rejected"}, index=ledger.index, columns=NOT_CONSIDERED)


# ---- the worksheet -----------------------------------------------------------------------------------

def read_worksheet(path: Path, *, pad_nine_digit_cpr: bool) -> WorksheetCases:
    import openpyxl

    name = path.name
    if not path.is_file():
        raise InputError(f"Konverteringsarket findes ikke: {path}",
                         hint="kør 'kp-convert run' først, eller angiv arket med --worksheet")
    try:
        data = path.read_bytes()
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except OSError as exc:
        raise InputError(f"Konverteringsarket kan ikke læses: {path} ({exc.strerror})") from None
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{name} er ikke en gyldig .xlsx-fil: {exc}",
                         hint="angiv konverteringsarket fra 'kp-convert run' (konverteringsark.xlsx)") from None
    try:
        sheets = [s for s in wb.sheetnames if s == SHEET or (s.startswith(SHEET + " (") and s.endswith(")"))]
        if not sheets:
            raise InputError(f"{name} har intet ark '{SHEET}'", hint=f"arkene hedder: {', '.join(wb.sheetnames)}")
        rows: list[dict[str, object]] = []
        for sheet in sheets:  # a batch past Excel's row limit continues on "Sager (2)"
            rows += _sheet_rows(wb[sheet], name, sheet)
    finally:
        wb.close()
    frame = pd.DataFrame(rows, columns=[*dict(SHEET_COLUMNS.values()), "source_file", "source_row", "sheet"])
    for col in frame.columns.difference(["source_row"]):
        frame[col] = frame[col].astype("string")
    frame["source_row"] = frame["source_row"].astype("int64")
    usable, dropped = _usable_cases(frame, name, pad_nine_digit_cpr)
    source = Source("Konverteringsark", path, hashlib.sha256(data).hexdigest(), len(frame), {"sheets": sheets})
    return WorksheetCases(usable, dropped, source)


def _sheet_rows(ws, name: str, sheet: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    wanted = {normalise_header(h): (h, col) for h, (col, _) in SHEET_COLUMNS.items()}
    positions: dict[str, int] = {}
    header_row = 0
    out: list[dict[str, object]] = []
    for excel_row, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if header_row:  # only the columns used: a big batch has many cells
            cells = {i: _cell_text(values[i]).strip() if i < len(values) else "" for i in positions.values()}
            if any(cells.values()):
                rec: dict[str, object] = {col: cells[i] for col, i in positions.items()}
                rec.update(source_file=name, source_row=excel_row, sheet=sheet)
                out.append(rec)
            continue
        headers = [normalise_header(_cell_text(v)) for v in values]
        found = {wanted[n][1]: i for i, n in reversed(list(enumerate(headers))) if n in wanted}  # first one wins
        if "case_id" in found:
            header_row, positions = excel_row, found
            missing = [h for h, (col, required) in SHEET_COLUMNS.items() if required and col not in positions]
            if missing:
                raise InputError(f"{name}, ark '{sheet}': kolonnen {', '.join(repr(m) for m in missing)} mangler",
                                 hint="kolonnerne skrives af 'kp-convert run'; omdøb eller slet dem ikke")
        elif excel_row >= _HEADER_SCAN:
            raise InputError(f"{name}, ark '{sheet}': overskriften 'ESDH-sagsnr.' findes ikke i de første "
                             f"{_HEADER_SCAN} rækker", hint="brug konverteringsarket fra 'kp-convert run'")
    if not header_row:
        raise InputError(f"{name}, ark '{sheet}' er tomt")
    return out


def _usable_cases(frame: pd.DataFrame, name: str, pad: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse CPR, dates and the checklist; rows without a case number or a valid CPR cannot be matched."""
    f = frame.assign(**{c: frame[c].fillna("") for c in frame.columns if c != "source_row"})
    cpr = parse_cpr(f["cpr_text"], pad_nine_digits=pad)
    typed = f.assign(cpr=cpr["cpr"].astype("string"),
                     application_date=parse_dates(f["application_raw"]), start_date=parse_dates(f["start_raw"]),
                     created=f["created_raw"].str.strip().str.casefold().eq("ja").astype(bool),
                     checked_date=parse_dates(f["checked_date"]).dt.strftime("%d-%m-%Y").astype("string")
                     .fillna(f["checked_date"]),  # a date cell reads as ISO: shown the Danish way
                     kp_number=f["kp_number"].str.strip())
    no_id = is_empty(f["case_id"])
    bad_cpr = ~no_id & typed["cpr"].isna()
    repeat = ~no_id & ~bad_cpr & f["case_id"].duplicated(keep="first")
    first_row = f.groupby("case_id")["source_row"].transform("min").astype(str)
    reasons = pd.Series("", index=f.index, dtype="string")
    codes = pd.Series("", index=f.index, dtype="string")
    for mask, code, reason in (
        (no_id, "missing_value", pd.Series("ESDH-sagsnr. mangler", index=f.index)),
        (bad_cpr, "invalid_cpr", "CPR-nr. '" + _masked(f["cpr_text"]) + "' er ikke et gyldigt CPR-nummer ("
         + cpr["error"].fillna("mangler") + ")"),
        (repeat, "duplicate_case", "ESDH-sagsnr. står også i række " + first_row + " – kun den første bruges"),
    ):
        codes = codes.mask(mask, code)
        reasons = reasons.mask(mask, reason)
    dropped = f[codes.ne("")]
    ledger = pd.DataFrame({"source_file": dropped["source_file"], "source_row": dropped["source_row"],
                           "case_id": dropped["case_id"], "outcome": "rejected",
                           "reason_code": codes[codes.ne("")], "reason": reasons[codes.ne("")]})
    return typed[codes.eq("")], not_considered("Konverteringsark", ledger, dropped["cpr_text"])


def _masked(s: pd.Series) -> pd.Series:
    from ..parsing import mask_cpr_series
    return mask_cpr_series(s)


# ---- the KP report and the ESDH export: the ESDH inputs' own reader ------------------------------------

def read_report(spec: InputSpec, label: str, *, pad_nine_digit_cpr: bool) -> ReportRows:
    raw = read_input(spec)
    frame, mapping = map_columns(raw)
    frame = clean(spec.table, frame, pad_nine_digit_cpr=pad_nine_digit_cpr)
    source = Source(label, spec.path, str(raw.meta.get("sha256", "")), raw.records_read,
                    {k: raw.meta.get(k) for k in ("format", "encoding", "delimiter", "sheet", "header_row")})
    return ReportRows(frame, mapping, ragged_rejections(raw, mapping), source)


def validated(table: str, frame: pd.DataFrame, key: str = "case_id") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows that pass the table's schema, typed, and repeated ids split off; returns (rows, ledger rows)."""
    typed, rejected = validate_and_type(table, frame)  # type: ignore[arg-type]
    has_id = typed[key].notna()
    kept, dups = split_duplicates(table, typed[has_id], key)  # type: ignore[arg-type]
    rows = pd.concat([kept, typed[~has_id]]).sort_index()
    return rows, pd.concat([rejected, dups], ignore_index=True)


def formatted_cpr(s: pd.Series) -> pd.Series:
    return format_cpr(s).astype("string")
