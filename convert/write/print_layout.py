"""How a sheet fits on A4 and on screen: text and column widths in pixels, lines of wrapped text, row heights, and
whether a sheet prints one page wide with its text at 8 pt or more on paper.

Excel and LibreOffice do not size a row for wrapped text in a file they open (LibreOffice keeps it one line high,
so the lines overlap), so the writer sets the height of every row that wraps. Text is measured with Calibri's
advance widths (LibreOffice's Carlito has the same) against Excel's columns, 7 px per unit of width (a digit, as
Excel rounds it) + 5 px: Excel wraps sooner than LibreOffice, whose columns are 7.45 px per unit (measured), so
LibreOffice may show a row a line higher than it needs, never one too low. The page width is reckoned with
LibreOffice's wider columns.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

MARGIN_INCHES = 0.25  # left and right: more of the A4 width for text than Excel's 0.7"; printers manage 0.2"
PAGE_WIDTH_PX = (297 / 25.4 - 2 * MARGIN_INCHES) * 96  # A4 landscape between the margins, at 100 % (96 px/inch)
MIN_SCALE = 78  # %: 11 pt printed at 78 % is 8.6 pt, a margin above 8 pt for the applications' own rounding
LINE_PT = 15.0  # one line of Calibri 11: Excel's default row height
_PX_PER_EM = 11 * 96 / 72  # Calibri 11 at 100 % (96 px per inch)
_EXCEL_UNIT_PX, _LIBREOFFICE_UNIT_PX, _PADDING_PX = 7.0, 7.45, 5.0  # a column: per unit of width, and once
_INSIDE = 3 / _EXCEL_UNIT_PX  # the text keeps 2 px from the cell's left edge and 1 px from its right
_BOLD = 1.04  # bold letters are this much wider on average
KEY_VALUE_WIDTHS = (24, 50, 10, 40)  # Oversigt: least and most width of the first column, then of the others
# Calibri's (and Carlito's) advance widths in em, by character; anything else counts as 0.55
_EM: dict[str, float] = {ch: em for em, chars in {
    0.22: "'", 0.23: " il", 0.24: "j", 0.25: ",.I", 0.27: ":;", 0.29: "`", 0.30: "()", 0.31: "-[]f{}", 0.32: "J",
    0.33: "!t", 0.35: "r", 0.39: "/\\s", 0.40: '"z', 0.42: "Lc", 0.43: "x", 0.45: "kvy", 0.46: "?FS|", 0.47: "Zg",
    0.48: "aåä", 0.49: "ETYÉ", 0.50: "#*+<=>^_e~é–", 0.51: "$0123456789", 0.52: "KPX", 0.53: "Cbdhnopquøüö",
    0.54: "BR", 0.57: "V", 0.58: "AÅ", 0.62: "DH", 0.63: "G", 0.64: "U", 0.65: "N", 0.66: "OØ", 0.67: "Q",
    0.68: "&", 0.71: "%w", 0.76: "Æ", 0.77: "æ", 0.80: "m", 0.85: "M", 0.89: "@W",
}.items() for ch in chars}


def text_units(text: str, *, bold: bool = False) -> float:
    """The width of a line of Calibri 11 in Excel's unit of column width."""
    return sum(_EM.get(ch, 0.55) for ch in text) * _PX_PER_EM / _EXCEL_UNIT_PX * (_BOLD if bold else 1.0)


@lru_cache(maxsize=65_536)
def _word_units(word: str, bold: bool) -> float:  # words repeat (remarks, notes): measured once
    return text_units(word, bold=bold)


def text_width(text: str, *, bold: bool = False) -> float:
    """The column width that shows `text` on one line."""
    return text_units(text, bold=bold) + _INSIDE - _PADDING_PX / _EXCEL_UNIT_PX


def header_width(header: str) -> float:
    """The narrowest width at which a bold header wraps between its words, never inside one."""
    words = header.split()
    return math.ceil(max(text_width(w, bold=True) for w in words) * 2) / 2 if words else 4.0


def fitting_width(values: pd.Series, header: str, most: float = 40) -> float:
    """A width that shows every value of a column with few distinct values (a pension type, a status) whole."""
    longest = max((text_width(v) for v in values.dropna().astype(str).unique()), default=0.0)
    return float(min(most, max(8.0, header_width(header), math.ceil(longest * 2) / 2)))


def fits_on_one_page_width(widths: Sequence[float]) -> bool:
    """Do these columns print one A4 landscape page wide at MIN_SCALE or more, in either application?"""
    pixels = sum(w * _LIBREOFFICE_UNIT_PX + _PADDING_PX for w in widths)
    return pixels * MIN_SCALE / 100 <= PAGE_WIDTH_PX


def characters_at_min_scale(columns: int) -> float:
    """The total column width (Excel's unit) of `columns` columns that fits one page width at MIN_SCALE."""
    return (PAGE_WIDTH_PX * 100 / MIN_SCALE - _PADDING_PX * columns) / _LIBREOFFICE_UNIT_PX


def wrapped_lines(text: str, width: float, *, bold: bool = False) -> int:
    """Lines a text takes in a wrapped cell `width` wide in Excel: its own line breaks, then word by word; a word
    longer than a line is broken (as Excel and LibreOffice do)."""
    room = width + _PADDING_PX / _EXCEL_UNIT_PX - _INSIDE
    space = _word_units(" ", bold)
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0.0
        for word in paragraph.split(" "):
            w = _word_units(word, bold)
            if used and used + space + w > room:
                lines += 1
                used = 0.0
            while w > room:  # broken inside the word, a line at a time
                lines += 1
                w -= room
            used = used + space + w if used else w
    return lines


def line_counts(values: pd.Series, width: float) -> np.ndarray:
    """Lines per cell of a wrapped text column (1 for an empty cell), by position; only the texts long enough to
    wrap, or with a line break, are measured one by one."""
    text = values.astype("string").fillna("")
    shortest_wrapping = int(width * _EXCEL_UNIT_PX / (0.89 * _PX_PER_EM))  # so many of the widest letter fill a line
    may_wrap = (text.str.len() > shortest_wrapping) | text.str.contains("\n", regex=False)
    counts = np.ones(len(text), dtype=np.int64)
    candidates = np.flatnonzero(may_wrap.to_numpy(dtype=bool, na_value=False))
    if len(candidates):
        counts[candidates] = [wrapped_lines(t, width) for t in text.iloc[candidates].tolist()]
    return counts


def row_height(lines: int) -> float:
    return LINE_PT * lines


def shown_text(v: object) -> str:
    """A value as it shows in a cell, near enough to measure it."""
    if isinstance(v, bool):
        return "Ja" if v else "Nej"
    if isinstance(v, dt.date):
        return "00-00-0000"
    if isinstance(v, float):
        return f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def key_value_widths(rows: list[list[object]]) -> list[float]:
    """Widths for a key-value sheet: each column as wide as its text, within limits. A row's last cell may run on
    over the empty cells after it, so it widens its column only when even those are too narrow (it then wraps in
    its own). Then the widest columns are narrowed until one page wide holds them at the smallest legible scale
    (their text wraps)."""
    first_min, first_max, other_min, other_max = KEY_VALUE_WIDTHS
    n = max((len(r) for r in rows), default=1)
    widths = [float(first_min if c == 0 else other_min) for c in range(n)]
    last_cells = []
    for row in rows:
        filled_at = [c for c, v in enumerate(row) if not _blank(v)]
        for c in filled_at[:-1]:
            widths[c] = max(widths[c], math.ceil(text_width(shown_text(row[c])) + 1))
        if len(filled_at) > 1:  # a single cell (a heading, a notice) runs on over the whole row
            last_cells.append((filled_at[-1], text_width(shown_text(row[filled_at[-1]]))))
    widths = [min(w, first_max if c == 0 else other_max) for c, w in enumerate(widths)]
    for c, need in last_cells:
        if need > sum(widths[c:]):
            widths[c] = min(max(widths[c], math.ceil(need + 1)), first_max if c == 0 else other_max)
    budget = characters_at_min_scale(n)
    while sum(widths) > budget:
        c = max(range(n), key=lambda i: (widths[i] - (first_min if i == 0 else other_min), -i))
        floor = first_min if c == 0 else other_min
        if widths[c] <= floor:
            break
        widths[c] -= 1
    return widths


def _blank(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) or v == ""
