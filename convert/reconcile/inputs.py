"""The edges of reconciliation: read the worksheet's Sager sheet, the KP report and the ESDH export.

The worksheet is the team's own copy of the batch, so it is read tolerantly: columns are found by header
(sorted rows, added columns and moved columns are fine) and dates may be real dates or typed as text.
The KP report and the ESDH export go through the same reader, mapping and cleaning as the ESDH inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from schemas import TableName
from schemas.worksheet import WorksheetRow as W

from ..danish.format import format_cpr
from ..danish.parse import is_empty, mask_cpr_series, parse_cpr, parse_dates
from ..errors import InputError
from ..read.mapping import map_columns
from ..read.table import ragged_rejections, read_input
from ..read.xlsx import cell_text
from ..settings.inputs import InputSpec
from ..stages.validate import clean, split_duplicates, validate_and_type
from ..write.worksheet.read import ROW, SHEET, read_worksheet

# the worksheet's columns reconciliation reads -> the names used here
SHEET_COLUMNS: dict[str, str] = {
    W.case_id: "case_id", W.cpr: "cpr_text", W.name: "name", W.application_date: "application_raw",
    W.start_date: "start_raw", W.created: "created_raw", W.kp_number: "kp_number", W.initials: "initials",
    W.checked_date: "checked_date", W.document_count: "document_count_raw",
}
_REQUIRED = [h for h, col in W.to_schema().columns.items() if col.required and h in SHEET_COLUMNS]
NOT_CONSIDERED = ["source", "source_file", "source_row", "key", "cpr", "reason_code", "reason", "problem"]


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

def read_sheet_cases(path: Path, *, pad_nine_digit_cpr: bool) -> WorksheetCases:
    """The Sager sheet(s) of the batch's worksheet, through the worksheet's one reader."""
    sheet = read_worksheet(path, hint="angiv konverteringsarket fra 'kp-convert run' med --worksheet")
    rows = sheet.rows
    for name in sheet.sheets:
        missing = [h for h in _REQUIRED if h not in sheet.columns[name]]
        if missing:
            raise InputError(f"{path.name}, ark '{name}': kolonnen {', '.join(repr(m) for m in missing)} mangler",
                             hint="kolonnerne skrives af 'kp-convert run'; omdøb eller slet dem ikke")
    text = {col: (rows[h].map(cell_text).str.strip() if h in rows else pd.Series("", index=rows.index, dtype=object))
            for h, col in SHEET_COLUMNS.items() if h != W.case_id}
    frame = pd.DataFrame({"case_id": rows[W.case_id], **text, "source_file": path.name, "source_row": rows[ROW],
                          "sheet": rows[SHEET]}, index=rows.index)
    used = (frame[list(SHEET_COLUMNS.values())].fillna("") != "").any(axis=1)  # a row with only the team's own notes
    frame = frame[used].reset_index(drop=True)
    for col in frame.columns.difference(["source_row"]):
        frame[col] = frame[col].astype("string")
    frame["source_row"] = frame["source_row"].astype("int64")
    usable, dropped = _usable_cases(frame, path.name, pad_nine_digit_cpr)
    source = Source("Konverteringsark", path, sheet.sha256, len(frame), {"sheets": sheet.sheets})
    return WorksheetCases(usable, dropped, source)


def _usable_cases(frame: pd.DataFrame, name: str, pad: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse CPR, dates and the checklist; rows without a case number or a valid CPR cannot be matched."""
    f = frame.assign(**{c: frame[c].fillna("") for c in frame.columns if c != "source_row"})
    cpr = parse_cpr(f["cpr_text"], pad_nine_digits=pad)
    typed = f.assign(cpr=cpr["cpr"].astype("string"),
                     application_date=parse_dates(f["application_raw"]), start_date=parse_dates(f["start_raw"]),
                     created=f["created_raw"].str.strip().str.casefold().eq("ja").astype(bool),
                     checked_date=parse_dates(f["checked_date"]).dt.strftime("%d-%m-%Y").astype("string")
                     .fillna(f["checked_date"]),  # a date cell reads as ISO: shown the Danish way
                     kp_number=f["kp_number"].str.strip(),
                     document_count=pd.to_numeric(f["document_count_raw"].str.strip(), errors="coerce").astype("Int64"))
    no_id = is_empty(f["case_id"])
    bad_cpr = ~no_id & typed["cpr"].isna()
    repeat = ~no_id & ~bad_cpr & f["case_id"].duplicated(keep="first")
    first_row = f.groupby("case_id")["source_row"].transform("min").astype(str)
    reasons = pd.Series("", index=f.index, dtype="string")
    codes = pd.Series("", index=f.index, dtype="string")
    for mask, code, reason in (
        (no_id, "missing_value", pd.Series("ESDH-sagsnr. mangler", index=f.index)),
        (bad_cpr, "invalid_cpr", "CPR-nr. '" + mask_cpr_series(f["cpr_text"]) + "' er ikke et gyldigt CPR-nummer ("
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


# ---- the order's extract: which cases were ordered, and which of them are the test conversion ----------

@dataclass
class OrderedCases:
    case_ids: list[str]  # the Sager sheet of bestilling_data.xlsx, in its order
    pilot_ids: list[str]  # those marked for the test conversion
    source: Source


def read_order_extract(path: Path) -> OrderedCases:
    """The ESDH case numbers of an order (`kp-convert spec`'s bestilling_data.xlsx, sheet Sager) and its test
    conversion (column Prøvekonvertering = Ja)."""
    import zipfile

    import openpyxl

    from ..order.extract import DATA_NAME, PILOT_HEADER
    from ..read.files import sha256_file

    hint = f"angiv udtrækket fra 'kp-convert spec' ({DATA_NAME}) med --order"
    if not path.is_file():
        raise InputError(f"Bestillingens udtræk findes ikke: {path}", hint=hint)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"Bestillingens udtræk kan ikke læses: {path} ({exc})", hint=hint) from None
    try:
        if "Sager" not in wb.sheetnames:
            raise InputError(f"{path.name} har intet ark 'Sager'", hint=hint)
        ws = wb["Sager"]
        if hasattr(ws, "reset_dimensions"):  # read-only (types-openpyxl types it as Worksheet)
            ws.reset_dimensions()  # a stated size of A1:XFD1048576 would pad every row to 16,384 cells: read what is there
        rows = ws.iter_rows(values_only=True)
        header: list[str] = []
        for _ in range(10):  # the header row, below a title block if the sheet has one
            header = [cell_text(h).strip() for h in next(rows, ())]
            if W.case_id in header:
                break
        else:
            raise InputError(f"{path.name}, ark 'Sager': kolonnen '{W.case_id}' mangler", hint=hint)
        at, pilot_at = header.index(W.case_id), header.index(PILOT_HEADER) if PILOT_HEADER in header else None
        ids, pilot = [], []
        for row in rows:
            case_id = cell_text(row[at]).strip() if at < len(row) else ""
            if not case_id:
                continue
            ids.append(case_id)
            if pilot_at is not None and pilot_at < len(row) and cell_text(row[pilot_at]).strip().casefold() == "ja":
                pilot.append(case_id)
    finally:
        wb.close()
    return OrderedCases(ids, pilot, Source("Bestilling", path, sha256_file(path), len(ids)))


# ---- the KP report and the ESDH export: the ESDH inputs' own reader ------------------------------------

def read_report(spec: InputSpec, label: str, *, pad_nine_digit_cpr: bool) -> ReportRows:
    raw = read_input(spec)
    mapped = map_columns(raw)
    frame = clean(spec.table, mapped.frame, pad_nine_digit_cpr=pad_nine_digit_cpr)
    source = Source(label, spec.path, str(raw.meta.get("sha256", "")), raw.records_read,
                    {k: raw.meta.get(k) for k in ("format", "encoding", "delimiter", "sheet", "header_row")})
    return ReportRows(frame, mapped.columns, ragged_rejections(raw, mapped.columns), source)


def validated(table: TableName, frame: pd.DataFrame, key: str = "case_id") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows that pass the table's schema, typed, and repeated ids split off; returns (rows, ledger rows)."""
    typed, rejected = validate_and_type(table, frame)
    has_id = typed[key].notna()
    kept, dups = split_duplicates(table, typed[has_id], key)
    rows = pd.concat([kept, typed[~has_id]]).sort_index()
    return rows, pd.concat([rejected, dups], ignore_index=True)


def formatted_cpr(s: pd.Series) -> pd.Series:
    return format_cpr(s).astype("string")
