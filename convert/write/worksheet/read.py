"""The one reader of the worksheet, for re-runs (the team's entries), reconciliation and `--update-worksheet`.

The worksheet is the team's own record, edited in Excel or LibreOffice: sheets are found by name (`Sager` and
its numbered continuations, `Udgåede sager`), columns by their header (normalised: a sorted sheet, moved or added
columns and hidden rows read the same), and every cell as it was typed. Each row keeps where it was (sheet,
Excel row), so an update can write back into the same cell.

Read with python-calamine (`read_calamine`, four to six times faster than openpyxl's read-only mode on a big
worksheet); `read_openpyxl` gives the same rows (tests/test_worksheet_roundtrip.py) and is used instead when the
environment sets `KP_CONVERT_WORKSHEET_READER=openpyxl`.
"""

from __future__ import annotations

import os
from pathlib import Path

from .layout import CASE_SHEET
from .read_calamine import open_worksheet_calamine
from .read_openpyxl import open_worksheet_openpyxl
from .rows import ROW, SHEET, OpenedWorksheet, WorksheetRows, case_key, empty_rows, filled

__all__ = ["ROW", "SHEET", "OpenedWorksheet", "WorksheetRows", "case_key", "empty_rows", "filled", "open_worksheet",
           "read_worksheet"]
READER_VARIABLE = "KP_CONVERT_WORKSHEET_READER"


def read_worksheet(path: Path, *, sheets: tuple[str, ...] = (CASE_SHEET,), hint: str | None = None
                   ) -> WorksheetRows:
    """Read `sheets` (each with its continuations) of the worksheet at `path`. Raises InputError when the file is
    not a readable workbook, has no `Sager` sheet, or a sheet has no 'ESDH-sagsnr.' header; OutputError when
    another program holds it locked. `hint` tells the user what to do (it differs between commands)."""
    return open_worksheet(path, sheets=sheets, hint=hint).read()


def open_worksheet(path: Path, *, sheets: tuple[str, ...] = (CASE_SHEET,), hint: str | None = None
                   ) -> OpenedWorksheet:
    """`read_worksheet` in two steps: this one (the file, unzipping and parsing – what a background thread can do
    without holding the interpreter) raises what opening raises; `.read()` turns the cells into rows (and raises a
    sheet without an 'ESDH-sagsnr.' header)."""
    if os.environ.get(READER_VARIABLE, "").strip().lower() == "openpyxl":
        return open_worksheet_openpyxl(path, sheets=sheets, hint=hint)
    return open_worksheet_calamine(path, sheets=sheets, hint=hint)
