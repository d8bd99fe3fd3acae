"""The worksheet read with python-calamine (Rust): the reader re-runs, reconcile and `--update-worksheet` use.

The same contract as the reference reader `read_openpyxl` (`WorksheetRows`: SHEET, ROW, CASE_ID, then one column per header; sheets by
name, columns by normalised header, each row with its Excel row number) and every value as openpyxl's read-only
mode gives it: a date cell as a `datetime`, a whole number as an `int`, other numbers as `float`, text as typed,
an empty cell as None. calamine reads the sheet XML in Rust and hands over one list per row, so a re-run, a
reconciliation and `--update-worksheet` no longer spend seconds in openpyxl's per-cell Python.

One difference, by design: a column right of the headers that holds no value in any row (only a formatted empty
cell, which openpyxl reports as a cell and calamine does not) is not read; it holds nothing to carry over.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

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

if TYPE_CHECKING:  # python-calamine is imported where used
    from python_calamine import CalamineSheet

_CASE_ID_KEY = normalise_header(CASE_ID)
_EXACT_INT = 2**53  # openpyxl reads a number written without a decimal point as int; calamine gives a float


def open_worksheet_calamine(path: Path, *, sheets: tuple[str, ...] = (CASE_SHEET,), hint: str | None = None
                            ) -> OpenedWorksheet:
    """The worksheet opened and its sheets parsed (in Rust, without holding the interpreter): `.read()` turns them
    into rows – the same sheets, rows, columns, values and errors as `read_openpyxl.open_worksheet_openpyxl`."""
    return open_with(_CalamineBook, path, sheets, hint)


class _CalamineBook:
    def __init__(self, data: bytes) -> None:
        from python_calamine import CalamineWorkbook  # heavy: only when a worksheet is read

        zipfile.ZipFile(io.BytesIO(data)).close()  # not a zip at all: said as openpyxl says it (BadZipFile)
        self.book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        self.names = list(self.book.sheet_names)
        self.parsed: dict[str, CalamineSheet] = {}

    def prepare(self, sheet: str, name: str, hint: str | None) -> None:
        """The sheet's XML parsed (calamine releases the interpreter while it parses)."""
        try:
            self.parsed[sheet] = self.book.get_sheet_by_name(sheet)
        except Exception as exc:  # noqa: BLE001 – a damaged sheet inside a readable zip
            raise InputError(f"Konverteringsarket {name}, ark '{sheet}', kan ikke læses – filen er beskadiget "
                             f"({type(exc).__name__})", hint=hint) from None

    def rows(self, sheet: str, name: str, hint: str | None) -> tuple[pd.DataFrame, dict[str, int]]:
        if sheet not in self.parsed:
            self.prepare(sheet, name, hint)
        values = self.parsed.pop(sheet).to_python(skip_empty_area=False)  # row 0 is Excel's row 1
        return _sheet_rows(values, sheet, name, hint)

    def close(self) -> None:
        self.parsed.clear()
        self.book.close()


def _sheet_rows(values: Sequence[Sequence[object]], title: str, name: str, hint: str | None
                ) -> tuple[pd.DataFrame, dict[str, int]]:
    header_at = next((r for r, row in enumerate(values[:HEADER_SCAN_ROWS])
                      if any(normalise_header(cell_text(_as_openpyxl(v)).strip()) == _CASE_ID_KEY for v in row)),
                     None)
    if header_at is None:
        raise InputError(f"{name}, ark '{title}': overskriften '{CASE_ID}' findes ikke i de første "
                         f"{HEADER_SCAN_ROWS} rækker, så rækkerne kan ikke kobles til sagerne", hint=hint)
    header = [cell_text(_as_openpyxl(v)).strip() for v in values[header_at]]
    numbers = [r + 1 for r in range(header_at + 1, len(values))  # rows that hold something (`filled`, text inline)
               if any(v.strip() != "" if type(v) is str else filled(v) for v in values[r])]
    # column by column: a column of text only (most of them) needs no conversion beyond '' -> None
    columns = [_as_openpyxl_column(col) for col in zip(*(values[r - 1] for r in numbers), strict=True)]
    # openpyxl's width: the header and every row with a value, to its last cell (an empty formatted cell has none)
    width = max([_last_filled(header), *(i + 1 for i, col in enumerate(columns) if any(v is not None for v in col))])
    names = column_names(header[:width] + [""] * (width - len(header)))
    data = {n: columns[i] if i < len(columns) else [None] * len(numbers) for i, n in enumerate(names)}
    frame = pd.DataFrame(data, dtype=object)
    key = pd.Series([v.strip() if type(v) is str else case_key(v) for v in frame[CASE_ID]], index=frame.index,
                    dtype=object)  # case_key, text inline
    out = pd.concat([pd.DataFrame({SHEET: title, ROW: numbers, CASE_ID: key}, dtype=object),
                     frame.drop(columns=CASE_ID)], axis=1).astype({ROW: "int64"})
    return out, {n: i for i, n in enumerate(names, start=1)}


def _as_openpyxl_column(column: tuple[object, ...]) -> list[object]:
    """`_as_openpyxl` for a column, with the common kinds converted inline: text only, text and numbers."""
    kinds = set(map(type, column))
    if kinds <= {str}:
        return [v if v != "" else None for v in column]
    if kinds <= {str, float}:  # `_whole` inline
        return [(None if v == "" else v) if isinstance(v, str)
                else int(v) if v.is_integer() and -_EXACT_INT < v < _EXACT_INT else v
                for v in cast("tuple[str | float, ...]", column)]
    return [_as_openpyxl(v) for v in column]


def _as_openpyxl(v: object) -> object:
    """A calamine value as openpyxl's read-only mode gives it."""
    if v == "":
        return None  # calamine's empty cell (and an empty text cell, which openpyxl also reads as nothing to use)
    if isinstance(v, float):
        return int(v) if v.is_integer() and -_EXACT_INT < v < _EXACT_INT else v
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return dt.datetime(v.year, v.month, v.day)  # a date cell: openpyxl gives midnight of that day
    return v


def _last_filled(row: Sequence[object]) -> int:
    """1 + the index of the last cell that holds a value (0 for none)."""
    for i in range(len(row) - 1, -1, -1):
        if row[i] is not None and row[i] != "":
            return i + 1
    return 0
