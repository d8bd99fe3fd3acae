"""A small table writer over xlsxwriter: real dates, Danish number formats, frozen header, filter, print set-up.

xlsxwriter writes every text as a string cell, so input text such as '=HYPERLINK(…)' is never a formula.
Sheets longer than Excel's row limit are continued on numbered sheets ("Dokumenter (2)"), never truncated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from ..progress import current_clock, stage_block

if TYPE_CHECKING:  # xlsxwriter has no py.typed: these are Any to mypy, but name what is passed
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

Kind = Literal["text", "date", "int", "money", "percent", "number", "hours", "any"]  # any: cell by cell, as typed
EXCEL_MAX_ROWS = 1_048_576
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_BLOCK = 65_536  # rows converted to cell values at a time
CellWriter = Callable[[int, int, object, "Format | None"], object]  # (row, column, value, format)
_NUM_FORMATS = {"date": "dd-mm-yyyy", "int": "0", "money": "#,##0.00", "percent": "0.0", "number": "#,##0",
                "hours": "#,##0.00", "datetime": "dd-mm-yyyy hh:mm", "general": "General"}


@dataclass
class Column:
    header: str
    kind: Kind = "text"
    width: float | None = None
    choices: tuple[str, ...] = ()  # drop-down list (data validation)
    date_entry: bool = False  # the team types a date here: validate it
    comment: str = ""


@dataclass
class Table:
    sheet: str
    columns: list[Column]
    frame: pd.DataFrame  # columns in the same order as `columns`


class Workbook:
    """Deterministic workbook: fixed document properties, stable sheet order."""

    def __init__(self, path: Path, *, created: dt.datetime, title: str, max_rows: int = EXCEL_MAX_ROWS) -> None:
        import xlsxwriter  # imported where used: keeps CLI start-up light

        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                                     "strings_to_urls": False, "strings_to_numbers": False})
        self.book.set_properties({"title": title, "author": "kp-convert", "created": created,
                                  "comments": "Lavet af kp-convert"})
        self.book.set_calc_mode("auto")
        self.max_rows = max_rows
        self.f_header = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                              "bg_color": "#DDEBF7", "border": 1})
        self.f_title = self.book.add_format({"bold": True, "font_size": 14})
        self.f_bold = self.book.add_format({"bold": True})
        self.formats = {k: self.book.add_format({"num_format": v, "valign": "top"}) for k, v in _NUM_FORMATS.items()}
        self.sheet_names: list[str] = []

    def close(self) -> None:
        self.book.close()

    def _new_sheet(self, name: str, *, landscape: bool = True) -> Worksheet:
        ws = self.book.add_worksheet(name)
        self.sheet_names.append(name)
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_footer("&L&A&R&P af &N")
        return ws

    def write_table(self, table: Table) -> list[str]:
        """Write a table; returns the sheet names used (more than one past Excel's row limit)."""
        per_sheet = self.max_rows - 1
        n = len(table.frame)
        chunks = max(1, -(-n // per_sheet))
        names = []
        for part in range(chunks):
            name = table.sheet if part == 0 else f"{table.sheet} ({part + 1})"
            with stage_block(f"sheet:{name}", f"ark {name}"):
                self._write_chunk(name, table, table.frame.iloc[part * per_sheet:(part + 1) * per_sheet])
            names.append(name)
        return names

    def _write_chunk(self, name: str, table: Table, frame: pd.DataFrame) -> None:
        ws = self._new_sheet(name)
        cols = table.columns
        for c, col in enumerate(cols):
            ws.write_string(0, c, col.header, self.f_header)
            if col.comment:
                ws.write_comment(0, c, col.comment)
            ws.set_column(c, c, col.width or _width(col, frame.iloc[:, c]))
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)
        n = len(frame)
        ws.autofilter(0, 0, max(n, 1), len(cols) - 1)
        for c, col in enumerate(cols):
            if col.choices and n:
                ws.data_validation(1, c, n, c, {"validate": "list", "source": list(col.choices),
                                                "error_title": col.header,
                                                "error_message": "Vælg " + " eller ".join(col.choices)})
            elif col.date_entry and n:
                ws.data_validation(1, c, n, c, {"validate": "date", "criteria": "between",
                                                "minimum": dt.date(2000, 1, 1), "maximum": dt.date(2100, 12, 31),
                                                "error_message": "Skriv en dato (dd-mm-åååå)"})
        writes = [self._writer(ws, col.kind, frame.iloc[:, c].dtype == object) for c, col in enumerate(cols)]
        fmts = [self.formats.get(col.kind) for col in cols]
        cells = [0] * len(cols)
        for first in range(0, n, _BLOCK):  # a block of rows at a time: memory stays flat on long sheets
            values = [_cell_values(frame.iloc[first:first + _BLOCK, c], col.kind) for c, col in enumerate(cols)]
            used = [c for c, v in enumerate(values) if v.count(None) < len(v)]  # empty columns cost nothing
            for c in used:
                cells[c] += len(values[c]) - values[c].count(None)
            block_writes, block_fmts = [writes[c] for c in used], [fmts[c] for c in used]
            for row, row_values in enumerate(zip(*(values[c] for c in used), strict=True), start=first + 1):
                for i, v in enumerate(row_values):  # one writer call per cell, nothing else
                    if v is not None:
                        block_writes[i](row, used[i], v, block_fmts[i])
        if (clock := current_clock()) is not None:  # what was written, for the benchmark's floor
            clock.note_sheet({"sheet": name, "rows": n, "columns": [
                {"header": col.header, "kind": col.kind, "cells": cells[c]} for c, col in enumerate(cols)]})

    def _writer(self, ws: Worksheet, kind: Kind, carried: bool) -> CellWriter:
        """The writer call for a column's cells: (row, column, value, format)."""
        if kind == "text":
            return ws.write_string
        if kind == "any":
            return lambda r, c, v, f: _write_as_typed(ws, r, c, v, self.formats)
        if kind == "date" and carried:  # a carried-over entry that is not a date stays the text the team typed
            return lambda r, c, v, f: ws.write_string(r, c, v) if isinstance(v, str) else ws.write_number(r, c, v, f)
        return ws.write_number

    def write_key_values(self, name: str, title: str, blocks: list[tuple[str, list[list[object]]]]) -> None:
        """A report sheet (Oversigt): a title, then blocks of rows; the first row of each block is its header."""
        ws = self._new_sheet(name, landscape=False)
        ws.write_string(0, 0, title, self.f_title)
        ws.set_column(0, 0, 42)
        ws.set_column(1, 8, 18)
        r = 2
        for heading, rows in blocks:
            ws.write_string(r, 0, heading, self.f_bold)
            r += 1
            for i, row in enumerate(rows):
                for c, v in enumerate(row):
                    fmt = self.f_header if i == 0 and len(rows) > 1 else None
                    _write_any(ws, r, c, v, fmt, self.formats)
                r += 1
            r += 1


def _write_any(ws: Worksheet, r: int, c: int, v: object, fmt: Format | None, formats: dict[str, Format]) -> None:
    if v is None or v is pd.NA:
        return
    if isinstance(v, bool):
        ws.write_string(r, c, "Ja" if v else "Nej", fmt)
    elif isinstance(v, int | float):
        fractional = isinstance(v, float) and not v.is_integer()  # e.g. hours: show the decimals
        ws.write_number(r, c, v, fmt or formats["hours" if fractional else "number"])
    elif isinstance(v, dt.date):
        ws.write_number(r, c, (pd.Timestamp(v) - EXCEL_EPOCH).days, fmt or formats["date"])
    else:
        ws.write_string(r, c, str(v), fmt)


def _is_blank(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) or v == ""


def _excel_serial(v: dt.date) -> float | int:
    """Excel's day number; a time of day becomes the fraction."""
    delta = pd.Timestamp(v) - EXCEL_EPOCH
    return delta.days if not delta.seconds else delta.days + delta.seconds / 86_400


def _write_as_typed(ws: Worksheet, r: int, c: int, v: object, formats: dict[str, Format]) -> None:
    """A value from a column the team added: dates stay dates, numbers numbers, text text (never a formula)."""
    if isinstance(v, bool):
        ws.write_boolean(r, c, v)
    elif isinstance(v, dt.date):
        serial = _excel_serial(v)
        ws.write_number(r, c, serial, formats["datetime" if isinstance(serial, float) else "date"])
    elif isinstance(v, int | float):
        ws.write_number(r, c, v, formats["general"])
    else:
        ws.write_string(r, c, str(v))


def _cell_values(s: pd.Series, kind: Kind) -> Sequence[object]:
    """Column values as Python objects ready for the writer; None = empty cell. Vectorised, except the team's
    own entries (kind 'any', carried-over dates), which are cell by cell as typed."""
    if kind == "any":
        return [None if _is_blank(v) else v for v in s.tolist()]
    if kind == "date" and s.dtype == object:  # entries carried over from the team's worksheet
        return [None if _is_blank(v) else _excel_serial(v) if isinstance(v, dt.date) else str(v) for v in s.tolist()]
    if kind == "text":
        text = s.astype("string")
        blank = text.eq("").fillna(False).astype(bool)
        return text.mask(blank).to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]  # stubs reject na_value=None
    if kind == "date":
        numbers = (pd.to_datetime(s) - EXCEL_EPOCH).dt.days.astype("Float64")  # whole days: Excel serials
    elif kind == "money":
        numbers = s.astype("Float64") / 100  # øre -> kr. for display; the exact value stays in the ledger/CSV
    else:
        numbers = s.astype("Float64")
    missing = numbers.isna().to_numpy(dtype=bool)
    out: list[float | None] = list(numbers.to_numpy(dtype="float64", na_value=0.0).tolist())
    for i in missing.nonzero()[0].tolist():
        out[i] = None
    return out


def _width(col: Column, s: pd.Series) -> float:
    if col.kind == "date":
        return max(12, min(len(col.header) + 2, 20))
    sample = s.head(500).astype("string").fillna("")
    longest = int(sample.str.len().max()) if len(sample) else 0
    return float(max(8, min(60, max(len(col.header) + 2, longest + 2))))
