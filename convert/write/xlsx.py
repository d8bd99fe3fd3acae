"""A small table writer over xlsxwriter: real dates, Danish number formats, frozen header, filter, print set-up.

xlsxwriter writes every text as a string cell, so input text such as '=HYPERLINK(…)' is never a formula.
Sheets longer than Excel's row limit are continued on numbered sheets ("Dokumenter (2)"), never truncated.
Every cell is top-aligned; wrapped text gets the row height it needs; a sheet prints on A4 landscape at 8 pt or
more (`print_layout`): one page wide when that is possible, else at the smallest legible scale, page by page
across with its first column repeated. A table may print only its first columns (`Table.print_columns`) and
may carry a row of group headings over its header (`Column.group`), coloured for the team's columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..progress import current_clock, stage_block
from .cells import Kind, cell_values, is_blank, write_any, write_as_typed
from .print_layout import (
    MARGIN_INCHES,
    MIN_SCALE,
    fits_on_one_page_width,
    header_width,
    key_value_widths,
    line_counts,
    row_height,
    shown_text,
    text_width,
    wrapped_lines,
)

if TYPE_CHECKING:  # xlsxwriter has no py.typed: these are Any to mypy, but name what is passed
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

EXCEL_MAX_ROWS = 1_048_576
_BLOCK = 65_536  # rows converted to cell values at a time
CellWriter = Callable[[int, int, object, "Format | None"], object]  # (row, column, value, format)
_NUM_FORMATS = {"date": "dd-mm-yyyy", "int": "0", "money": "#,##0.00", "percent": "0.0", "number": "#,##0",
                "hours": "#,##0.00", "datetime": "dd-mm-yyyy hh:mm", "general": "General"}
TOOL_HEADER_FILL, TOOL_GROUP_FILL = "#DDEBF7", "#BDD7EE"  # blue: written by the tool
TEAM_FILL, TEAM_HEADER_FILL = "#FFF2CC", "#FFD966"  # yellow: the team's own columns, empty cells included
KEPT_FILL = "#F8CBAD"  # orange: a tool cell the team changed, kept (sheet 'Teamets rettelser')


@dataclass
class Column:
    header: str
    kind: Kind = "text"
    width: float | None = None
    choices: tuple[str, ...] = ()  # drop-down list (data validation)
    date_entry: bool = False  # the team types a date here: validate it
    comment: str = ""
    wrap: bool = False  # long text wraps (and its own line breaks show); the row is as high as it needs
    team: bool = False  # the team fills it in: coloured, empty cells too
    group: str = ""  # a heading over this column and its neighbours of the same group, in a row above the header


@dataclass
class Table:
    sheet: str
    columns: list[Column]
    frame: pd.DataFrame  # columns in the same order as `columns`
    print_columns: int | None = None  # only the first N columns are printed; the others are for the screen
    page_header: str = ""  # printed at the top of every page (Excel's codes: &L left, &C centre, &R right)
    protected: bool = False  # a copy to print: nothing is typed here
    filters: bool = True
    freeze_columns: int = 0  # columns kept in view when scrolling right (and repeated on a page printed across)
    hidden: bool = False  # a sheet only the tool reads (very hidden: not listed under Excel's Unhide)
    # cells the team changed in the tool's columns, kept as typed: frame row position -> [(column, value, note)]
    overrides: dict[int, list[tuple[int, object, str]]] | None = None
    # the cells already converted (`cell_values`), one list per column, when the caller has them: many small sheets
    # cut from one big frame (the batch sheets) are converted once, not per sheet
    values: list[list[object]] | None = None

    @property
    def header_row(self) -> int:
        """The header's row (0-based): 1 under a row of group headings."""
        return 1 if any(c.group for c in self.columns) else 0


class Workbook:
    """Deterministic workbook: fixed document properties, stable sheet order."""

    def __init__(self, path: Path, *, created: dt.datetime, title: str, max_rows: int = EXCEL_MAX_ROWS) -> None:
        import xlsxwriter  # imported where used: keeps CLI start-up light

        from .ownership import private_temp_folder

        # the writer's temporary sheet data holds CPR numbers: kept in the output folder's private temp folder
        # (owner-only, removed when the output set commits or aborts, and by the next run after a kill)
        self.tmpdir = private_temp_folder(Path(path).parent)
        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                                     "tmpdir": str(self.tmpdir),
                                                     "strings_to_urls": False, "strings_to_numbers": False,
                                                     # every cell top-aligned, also one written without a format
                                                     # (most text: no style per cell to write) or typed later
                                                     "default_format_properties": {"font_name": "Calibri",
                                                                                   "font_size": 11, "valign": "top"}})
        self.book.set_properties({"title": title, "author": "kp-convert", "created": created,
                                  "comments": "Lavet af kp-convert"})
        self.book.set_calc_mode("auto")
        self.max_rows = max_rows
        header = {"bold": True, "text_wrap": True, "border": 1}
        self.f_header = self.book.add_format(header | {"bg_color": TOOL_HEADER_FILL})
        self.f_header_team = self.book.add_format(header | {"bg_color": TEAM_HEADER_FILL})
        self.f_group = self.book.add_format({"bold": True, "bg_color": TOOL_GROUP_FILL})
        self.f_group_team = self.book.add_format({"bold": True, "bg_color": TEAM_HEADER_FILL})
        self.f_title = self.book.add_format({"bold": True, "font_size": 14})
        self.f_bold = self.book.add_format({"bold": True})
        self.f_bold_wrap = self.book.add_format({"bold": True, "text_wrap": True})
        self._cell_formats: dict[tuple[str, bool, bool], Format | None] = {("text", False, False): None}
        self.formats = self.formats_for(team=False)
        self.sheet_names: list[str] = []
        self.f_kept: dict[str, Format | None] | None = None

    def cell_format(self, key: str, *, team: bool = False, wrap: bool = False) -> Format | None:
        """The format of a data cell: number format `key` (or 'text'), the team's fill, wrapped; None for plain
        text (the workbook's default format, top-aligned like every format)."""
        if (key, team, wrap) not in self._cell_formats:
            props: dict[str, object] = {}
            if key != "text":
                props["num_format"] = _NUM_FORMATS[key]
            if team:
                props["bg_color"] = TEAM_FILL
            if wrap:
                props["text_wrap"] = True
            self._cell_formats[(key, team, wrap)] = self.book.add_format(props)
        return self._cell_formats[(key, team, wrap)]

    def formats_for(self, *, team: bool, wrap: bool = False) -> dict[str, Format | None]:
        return {k: self.cell_format(k, team=team, wrap=wrap) for k in (*_NUM_FORMATS, "text")}

    def close(self) -> None:
        try:
            self.book.close()
        finally:
            try:
                self.tmpdir.rmdir()  # empty after a clean close; the output set removes what a failure left
            except OSError:
                pass

    def _new_sheet(self, name: str) -> Worksheet:
        ws = self.book.add_worksheet(name)
        self.sheet_names.append(name)
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.set_margins(left=MARGIN_INCHES, right=MARGIN_INCHES)
        ws.set_footer("&L&A&R&P af &N")
        return ws

    @staticmethod
    def _fit_print(ws: Worksheet, widths: list[float], repeat_columns: int) -> None:
        """One page wide when the text stays legible (≥ 8 pt), else the smallest legible scale, across then down."""
        if fits_on_one_page_width(widths):
            ws.fit_to_pages(1, 0)
        else:
            ws.set_print_scale(MIN_SCALE)
            ws.print_across()
            ws.repeat_columns(0, max(repeat_columns, 1) - 1)

    def write_table(self, table: Table) -> list[str]:
        """Write a table; returns the sheet names used (more than one past Excel's row limit)."""
        per_sheet = self.max_rows - 1
        n = len(table.frame)
        chunks = max(1, -(-n // per_sheet))
        names = []
        for part in range(chunks):
            name = table.sheet if part == 0 else f"{table.sheet} ({part + 1})"
            with stage_block(f"sheet:{name}", f"ark {name}"):
                self._write_chunk(name, table, table.frame.iloc[part * per_sheet:(part + 1) * per_sheet],
                                  offset=part * per_sheet)
            names.append(name)
        return names

    def _write_chunk(self, name: str, table: Table, frame: pd.DataFrame, *, offset: int = 0) -> None:
        ws = self._new_sheet(name)
        if table.hidden:
            ws.very_hidden()
        cols = table.columns
        top = table.header_row
        widths = [max(col.width, header_width(col.header)) if col.width else column_width(col, frame.iloc[:, c])
                  for c, col in enumerate(cols)]  # a header wraps between its words, never inside one
        if top:
            self._write_groups(ws, cols)
        ws.set_row(top, row_height(max(wrapped_lines(col.header, w, bold=True) for col, w in zip(cols, widths,
                                                                                              strict=True))))
        for c, col in enumerate(cols):
            ws.write_string(top, c, col.header, self.f_header_team if col.team else self.f_header)
            if col.comment:
                ws.write_comment(top, c, col.comment, {"x_scale": 2, "y_scale": 1.5})
            ws.set_column(c, c, widths[c], self.cell_format("text", team=True) if col.team else None)
        ws.freeze_panes(top + 1, table.freeze_columns)
        ws.repeat_rows(0, top)
        n = len(frame)
        printed = table.print_columns or len(cols)
        if table.print_columns:  # not whole columns ($A:$M): openpyxl (--update-worksheet) cannot read those
            ws.print_area(0, 0, top + max(n, 1), printed - 1)
        self._fit_print(ws, widths[:printed], table.freeze_columns)
        if table.page_header:
            ws.set_header(table.page_header)
        if table.protected:  # widths and heights may change (to print), the cells not
            ws.protect("", {"format_columns": True, "format_rows": True})
        if table.filters:
            ws.autofilter(top, 0, top + max(n, 1), len(cols) - 1)
        for c, col in enumerate(cols):
            if col.choices and n:
                ws.data_validation(top + 1, c, top + n, c, {"validate": "list", "source": list(col.choices),
                                                            "error_title": col.header,
                                                            "error_message": "Vælg " + " eller ".join(col.choices)})
            elif col.date_entry and n:
                ws.data_validation(top + 1, c, top + n, c, {"validate": "date", "criteria": "between",
                                                            "minimum": dt.date(2000, 1, 1),
                                                            "maximum": dt.date(2100, 12, 31),
                                                            "error_message": "Skriv en dato (dd-mm-åååå)"})
        overrides = table.overrides
        writes = [self._writer(ws, col) for col in cols]
        fmts = [self.cell_format("text" if col.kind in ("text", "any") else col.kind, team=col.team, wrap=col.wrap)
                for col in cols]
        wrapped = [c for c, col in enumerate(cols) if col.wrap]
        cells = [0] * len(cols)
        for first in range(0, n, _BLOCK):  # a block of rows at a time: memory stays flat on long sheets
            block = frame.iloc[first:first + _BLOCK]
            values = ([v[first:first + _BLOCK] for v in table.values] if table.values is not None else
                      [cell_values(block.iloc[:, c], col.kind) for c, col in enumerate(cols)])
            used = [c for c, v in enumerate(values) if v.count(None) < len(v)]  # empty columns cost nothing
            for c in used:
                cells[c] += len(values[c]) - values[c].count(None)
            tall = _tall_rows(block, wrapped, widths, start=first + top + 1)
            block_writes, block_fmts = [writes[c] for c in used], [fmts[c] for c in used]
            for row, row_values in enumerate(zip(*(values[c] for c in used), strict=True), start=first + top + 1):
                if row in tall:  # before the row's cells: constant_memory writes a row once it is left
                    ws.set_row(row, tall[row])
                for i, v in enumerate(row_values):  # one writer call per cell, nothing else
                    if v is not None:
                        block_writes[i](row, used[i], v, block_fmts[i])
                if overrides and (kept := overrides.get(row - top - 1 + offset)):
                    self._write_kept(ws, row, kept)
        if (clock := current_clock()) is not None:  # what was written, for the benchmark's floor
            clock.note_sheet({"sheet": name, "rows": n, "columns": [
                {"header": col.header, "kind": col.kind, "cells": cells[c]} for c, col in enumerate(cols)]})

    def _write_kept(self, ws: Worksheet, row: int, kept: list[tuple[int, object, str]]) -> None:
        """The team's own value in a tool column, as typed, marked (orange) with a comment saying what the tool
        would write; in the same row, after its other cells (constant_memory writes a row once it is left)."""
        if self.f_kept is None:
            self.f_kept = {k: self.book.add_format(({"num_format": v} if k != "text" else {}) | {"bg_color": KEPT_FILL})
                           for k, v in {**_NUM_FORMATS, "text": ""}.items()}
        for c, value, note in kept:
            write_as_typed(ws, row, c, value, self.f_kept)
            ws.write_comment(row, c, note, {"x_scale": 2})

    def _write_groups(self, ws: Worksheet, cols: list[Column]) -> None:
        """The row of group headings: each group's text over its first column, its fill over all of them
        (no merged cells: a merge above the header trips up sorting and filtering)."""
        for c, col in enumerate(cols):
            fmt = self.f_group_team if col.team else self.f_group
            if col.group and (c == 0 or cols[c - 1].group != col.group or cols[c - 1].team != col.team):
                ws.write_string(0, c, col.group, fmt)
            elif col.group:
                ws.write_blank(0, c, None, fmt)

    def _writer(self, ws: Worksheet, col: Column) -> CellWriter:
        """The writer call for a column's cells: (row, column, value, format)."""
        if col.kind == "text":
            return ws.write_string
        if col.kind == "any":
            formats = self.formats_for(team=col.team)
            return lambda r, c, v, f: write_as_typed(ws, r, c, v, formats)
        if col.kind == "date":  # a carried-over entry that is not a date, or a date before 1900, is text
            text = self.cell_format("text", team=col.team)
            return lambda r, c, v, f: ws.write_string(r, c, v, text) if isinstance(v, str) else \
                ws.write_number(r, c, v, f)
        return ws.write_number

    def write_key_values(self, name: str, title: str, blocks: list[tuple[str, list[list[object]]]]) -> None:
        """A report sheet (Oversigt): a title, then blocks of rows; the first row of each block is its header.
        Column widths follow the text, narrowed (long text wrapping) until the sheet prints one page wide."""
        ws = self._new_sheet(name)
        rows: list[tuple[list[object], str]] = [([title], "title"), ([], "")]
        for heading, block in blocks:
            rows.append(([heading], "heading"))
            rows += [(row, "header" if i == 0 and len(block) > 1 else "") for i, row in enumerate(block)]
            rows.append(([], ""))
        widths = key_value_widths([row for row, _ in rows])
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        for r, (row, role) in enumerate(rows):
            last = max((c for c, v in enumerate(row) if not is_blank(v)), default=-1)
            lines = 1
            for c, v in enumerate(row):
                if is_blank(v):
                    continue
                room = widths[c] if c < last else sum(widths[c:])  # the last cell may run on over empty ones
                text = shown_text(v)
                wrap = role != "title" and text_width(text, bold=role == "heading") > room
                if role == "title":
                    fmt = self.f_title
                elif role == "heading":
                    fmt = self.f_bold
                elif role == "header":
                    fmt = self.f_header
                    lines = max(lines, wrapped_lines(text, widths[c], bold=True))
                    wrap = False
                else:
                    fmt = self.cell_format(_key_value_kind(v), wrap=wrap)
                if wrap:
                    lines = max(lines, wrapped_lines(text, widths[c], bold=role == "heading"))
                    if role == "heading":
                        fmt = self.f_bold_wrap
                write_any(ws, r, c, v, fmt, self.formats)
            if role == "title" or lines > 1:
                ws.set_row(r, 21 if role == "title" else row_height(lines))  # the title is 14 pt
        self._fit_print(ws, widths, 1)


def _key_value_kind(v: object) -> str:
    if isinstance(v, bool) or not isinstance(v, int | float | dt.date):
        return "text"
    if isinstance(v, dt.date):
        return "date"
    return "hours" if isinstance(v, float) and not v.is_integer() else "number"


def _tall_rows(block: pd.DataFrame, wrapped: list[int], widths: list[float], *, start: int) -> dict[int, float]:
    """{row: height} for the rows of a block whose wrapped text needs more than one line."""
    if not wrapped:
        return {}
    lines = line_counts(block.iloc[:, wrapped[0]], widths[wrapped[0]])
    for c in wrapped[1:]:
        lines = np.maximum(lines, line_counts(block.iloc[:, c], widths[c]))
    return {start + int(i): row_height(int(lines[i])) for i in np.flatnonzero(lines > 1)}


def column_width(col: Column, s: pd.Series) -> float:
    """A width from the text (the first rows'): the header may wrap between its words, a value shows whole up to
    60 characters."""
    least = header_width(col.header)
    if col.kind == "date":
        return float(max(12, least))
    sample = s.head(2000).astype("string").fillna("")
    longest = int(sample.str.len().max()) if len(sample) else 0
    return float(max(8, least, min(60, longest + 2)))  # + 2: letters wider than a digit
