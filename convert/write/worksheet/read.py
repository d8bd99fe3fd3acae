"""The one reader of the worksheet, for re-runs (the team's entries), reconciliation and `--update-worksheet`.

The worksheet is the team's own record, edited in Excel or LibreOffice: sheets are found by name (`Sager` and
its numbered continuations, `Udgåede sager`), columns by their header (normalised: a sorted sheet, moved or added
columns and hidden rows read the same), and every cell as it was typed. Each row keeps where it was (sheet,
Excel row), so an update can write back into the same cell.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ...errors import InputError, OutputError
from ...read.headers import normalise_header
from ...read.xlsx import cell_text
from .layout import CASE_ID, CASE_SHEET, CHECKLIST_HEADERS, CONTEXT, REASON, W, is_part_of

if TYPE_CHECKING:  # openpyxl is imported where used
    from openpyxl.worksheet.worksheet import Worksheet

SHEET, ROW = "_sheet", "_row"  # where a row was read
HEADER_SCAN_ROWS = 10
# the tool's own headers: a header typed differently ('esdh sagsnr') is read under its canonical text
_KNOWN = {normalise_header(h): h for h in (*W.to_schema().columns, *CHECKLIST_HEADERS, *CONTEXT, REASON)}


@dataclass
class WorksheetRows:
    """What a worksheet holds, every column by its header."""

    path: Path
    sha256: str
    sheets: list[str]  # the sheets read, in workbook order
    rows: pd.DataFrame  # SHEET, ROW, CASE_ID (text, "" when blank), then one column per header (values as typed)
    columns: dict[str, dict[str, int]] = field(default_factory=dict)  # sheet -> header -> column (1-based)


def filled(v: object) -> bool:
    """A cell that holds something (not empty, not only spaces)."""
    if isinstance(v, str):
        return bool(v.strip())
    try:
        # NaN, NaT, <NA>; a cell may hold any object, but pandas-stubs type pd.isna for pandas' scalars only
        return v is not None and not bool(pd.isna(v))  # type: ignore[call-overload]  # stubs: no pd.isna(object)
    except (TypeError, ValueError):
        return True


def case_key(v: object) -> str:
    """A case number as text, however the cell holds it (Excel may have turned it into a number)."""
    return cell_text(v).strip() if filled(v) else ""


def read_worksheet(path: Path, *, sheets: tuple[str, ...] = (CASE_SHEET,), hint: str | None = None
                   ) -> WorksheetRows:
    """Read `sheets` (each with its continuations) of the worksheet at `path`. Raises InputError when the file is
    not a readable workbook, has no `Sager` sheet, or a sheet has no 'ESDH-sagsnr.' header; OutputError when
    another program holds it locked. `hint` tells the user what to do (it differs between commands)."""
    import openpyxl  # heavy: only when a worksheet is read

    name = path.name
    try:
        data = Path(path).read_bytes()
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except PermissionError:
        raise OutputError(f"{name} er låst af et andet program (er det åbent i Excel?) – luk det og kør igen"
                          ) from None
    except FileNotFoundError:
        raise InputError(f"Konverteringsarket findes ikke: {path}", hint=hint) from None
    except Exception as exc:  # noqa: BLE001 – openpyxl raises many kinds on a damaged file
        raise InputError(f"Konverteringsarket {path} kan ikke læses – filen er beskadiget eller ikke et regneark "
                         f"({type(exc).__name__})", hint=hint) from None
    try:
        names = list(wb.sheetnames)
        if not any(is_part_of(n, CASE_SHEET) for n in names):
            raise InputError(f"{name} har intet ark '{CASE_SHEET}' (arkene hedder: {', '.join(names)})", hint=hint)
        wanted = [n for n in names if any(is_part_of(n, s) for s in sheets)]
        parts, columns = [], {}
        for sheet in wanted:
            frame, columns[sheet] = _read_sheet(wb[sheet], name, hint)
            parts.append(frame)
    finally:
        wb.close()
    rows = pd.concat(parts, ignore_index=True) if parts else empty_rows()
    return WorksheetRows(Path(path), hashlib.sha256(data).hexdigest(), wanted, rows, columns)


def empty_rows() -> pd.DataFrame:
    return pd.DataFrame({SHEET: pd.Series(dtype=object), ROW: pd.Series(dtype="int64"),
                         CASE_ID: pd.Series(dtype=object)})


def _read_sheet(ws: Worksheet, name: str, hint: str | None) -> tuple[pd.DataFrame, dict[str, int]]:
    # a ReadOnlyWorksheet in fact; types-openpyxl type a workbook's sheets as Worksheet (same reading methods)
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # a sheet saved by another program may state a wrong size: read what is there
    header: list[str] | None = None
    records: list[tuple[int, list[object]]] = []
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if header is None:
            cells = [cell_text(v).strip() for v in row]
            if any(normalise_header(c) == normalise_header(CASE_ID) for c in cells):
                header = cells
            elif r >= HEADER_SCAN_ROWS:
                break
            continue
        if any(filled(v) for v in row):
            records.append((r, list(row)))
    if header is None:
        raise InputError(f"{name}, ark '{ws.title}': overskriften '{CASE_ID}' findes ikke i de første "
                         f"{HEADER_SCAN_ROWS} rækker, så rækkerne kan ikke kobles til sagerne", hint=hint)
    width = max([len(header), *(len(v) for _, v in records)])
    names = _column_names(header + [""] * (width - len(header)))
    data: dict[str, list[object]] = {n: [] for n in names}
    for _, values in records:
        for n, v in zip(names, values + [None] * (width - len(values)), strict=True):
            data[n].append(v)
    frame = pd.DataFrame(data, dtype=object)
    key = frame[CASE_ID].map(case_key) if len(frame) else pd.Series(dtype=object)
    out = pd.concat([pd.DataFrame({SHEET: ws.title, ROW: [r for r, _ in records], CASE_ID: key}, dtype=object),
                     frame.drop(columns=CASE_ID)], axis=1).astype({ROW: "int64"})
    return out, {n: i for i, n in enumerate(names, start=1)}


def _column_names(header: list[str]) -> list[str]:
    """The sheet's headers: the tool's own by their canonical text, blank ones by letter, repeats numbered."""
    from openpyxl.utils import get_column_letter

    names: list[str] = []
    for i, h in enumerate(header, start=1):
        n = _KNOWN.get(normalise_header(h), h) if h else f"Kolonne {get_column_letter(i)}"
        base, k = n, 2
        while n in names:
            n, k = f"{base} ({k})", k + 1
        names.append(n)
    return names
