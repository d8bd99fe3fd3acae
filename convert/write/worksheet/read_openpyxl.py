"""The worksheet read with openpyxl (read-only mode): the reference reader.

`read_calamine` is the one used (several times faster); this one reads the same rows, is kept as the reference
the tests compare it with, and is used when `KP_CONVERT_WORKSHEET_READER=openpyxl` is set (a way round should a
file ever read differently with calamine).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ...errors import InputError
from ...read.headers import normalise_header
from ...read.xlsx import cell_text
from .layout import CASE_ID, CASE_SHEET
from .rows import (
    HEADER_SCAN_ROWS,
    ROW,
    SHEET,
    OpenedWorksheet,
    case_key,
    column_names,
    filled,
    open_with,
)

if TYPE_CHECKING:  # openpyxl is imported where used
    from openpyxl.worksheet.worksheet import Worksheet


def open_worksheet_openpyxl(path: Path, *, sheets: tuple[str, ...] = (CASE_SHEET,), hint: str | None = None
                            ) -> OpenedWorksheet:
    """The worksheet opened (read-only mode: the sheets are parsed when `.read()` reads them)."""
    return open_with(_OpenpyxlBook, path, sheets, hint)


class _OpenpyxlBook:
    def __init__(self, data: bytes) -> None:
        import openpyxl  # heavy: only when a worksheet is read

        self.book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        self.names = list(self.book.sheetnames)

    def prepare(self, sheet: str, name: str, hint: str | None) -> None:
        """Nothing to do ahead: the read-only mode parses a sheet as its rows are read."""

    def rows(self, sheet: str, name: str, hint: str | None) -> tuple[pd.DataFrame, dict[str, int]]:
        return _read_sheet(self.book[sheet], name, hint)

    def close(self) -> None:
        self.book.close()


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
    names = column_names(header + [""] * (width - len(header)))
    data: dict[str, list[object]] = {n: [] for n in names}
    for _, values in records:
        for n, v in zip(names, values + [None] * (width - len(values)), strict=True):
            data[n].append(v)
    frame = pd.DataFrame(data, dtype=object)
    key = frame[CASE_ID].map(case_key) if len(frame) else pd.Series(dtype=object)
    out = pd.concat([pd.DataFrame({SHEET: ws.title, ROW: [r for r, _ in records], CASE_ID: key}, dtype=object),
                     frame.drop(columns=CASE_ID)], axis=1).astype({ROW: "int64"})
    return out, {n: i for i, n in enumerate(names, start=1)}
