"""What goes into a cell: Excel day numbers, blanks, a column's values ready for the writer, text cut to fit.

Shared by the table writer (`xlsx`) and the fingerprints of the tool's cells (`convert.team_edits`), so a cell is
described the same way when it is written and when it is read back.

Two Excel facts live here. Excel counts days from 1900-01-00 and believes 1900 was a leap year: from 1 March 1900
a day number is the days since 1899-12-30; before that it is one less, and dates before 1900 have no number at all
(they are written as text, dd-mm-yyyy). A cell holds at most 32,767 characters: a longer text (only text the tool
makes can be that long – inputs are rejected first) is cut with a note saying so, never silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

Kind = Literal["text", "date", "int", "money", "percent", "number", "hours", "any"]  # any: cell by cell, as typed
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
FIRST_TRUE_DAY = pd.Timestamp("1900-03-01")  # from here Excel's day numbers count from EXCEL_EPOCH
FIRST_DAY = pd.Timestamp("1900-01-01")  # Excel has no day number before this
CELL_MAX = 32_767
CUT_NOTE = " … [afkortet: teksten er længere end en Excel-celle kan rumme (32.767 tegn)]"


def is_blank(v: object) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) or v == ""


def excel_serial(v: dt.date) -> float | int | None:
    """Excel's day number of a date (a time of day becomes the fraction); None before 1900 (no number exists)."""
    t = pd.Timestamp(v)
    if t < FIRST_DAY:
        return None
    delta = t - EXCEL_EPOCH
    days = delta.days - (1 if t < FIRST_TRUE_DAY else 0)  # Excel's 29-02-1900 that never was
    return days if not delta.seconds else days + delta.seconds / 86_400


def fit_text(text: str) -> str:
    """Text that fits a cell: a longer one is cut, and says so."""
    return text if len(text) <= CELL_MAX else text[:CELL_MAX - len(CUT_NOTE)] + CUT_NOTE


def date_cell(v: dt.date) -> float | int | str:
    """A date as Excel's day number, or as text dd-mm-yyyy when Excel has none (before 1900)."""
    serial = excel_serial(v)
    return serial if serial is not None else pd.Timestamp(v).strftime("%d-%m-%Y")


def cell_values(s: pd.Series, kind: Kind) -> Sequence[object]:
    """Column values as Python objects ready for the writer; None = empty cell. Vectorised, except the team's
    own entries (kind 'any', carried-over dates), which are cell by cell as typed."""
    if kind == "any":
        return [None if is_blank(v) else fit_text(v) if isinstance(v, str) else v for v in s.tolist()]
    if kind == "date" and s.dtype == object:  # entries carried over from the team's worksheet
        return [None if is_blank(v) else date_cell(v) if isinstance(v, dt.date) else fit_text(str(v))
                for v in s.tolist()]
    if kind == "text":
        text = s.astype("string")
        blank = text.eq("").fillna(False).astype(bool)
        long = text.str.len().gt(CELL_MAX).fillna(False).astype(bool)
        if long.any():
            text = text.mask(long, text[long].map(fit_text))
        return text.mask(blank).to_numpy(dtype=object, na_value=None).tolist()  # type: ignore[call-overload]  # stubs reject na_value=None
    if kind == "date":
        when = pd.to_datetime(s)
        numbers = (when - EXCEL_EPOCH).dt.days.astype("Float64")  # whole days: Excel serials
        early = when.lt(FIRST_TRUE_DAY).fillna(False).to_numpy(dtype=bool)
        if early.any():  # before 1 March 1900: one less, and text before 1900 (rare: a typo in an export)
            out_early: list[object] = list(_numbers(numbers))
            for i in np.flatnonzero(early).tolist():
                out_early[i] = date_cell(when.iloc[i])
            return out_early
    elif kind == "money":
        numbers = s.astype("Float64") / 100  # øre -> kr. for display; the exact value stays in the ledger/CSV
    else:
        numbers = s.astype("Float64")
    return _numbers(numbers)


def _numbers(numbers: pd.Series) -> list[float | None]:
    missing = numbers.isna().to_numpy(dtype=bool)
    out: list[float | None] = list(numbers.to_numpy(dtype="float64", na_value=0.0).tolist())
    for i in missing.nonzero()[0].tolist():
        out[i] = None
    return out


def write_any(ws: Worksheet, r: int, c: int, v: object, fmt: Format | None, formats: dict[str, Format | None]
              ) -> None:
    """A value of a report sheet (Oversigt): Ja/Nej, a number with decimals when it has some, a date, text."""
    if v is None or v is pd.NA:
        return
    if isinstance(v, bool):
        ws.write_string(r, c, "Ja" if v else "Nej", fmt or formats["text"])
    elif isinstance(v, int | float):
        fractional = isinstance(v, float) and not v.is_integer()  # e.g. hours: show the decimals
        ws.write_number(r, c, v, fmt or formats["hours" if fractional else "number"])
    elif isinstance(v, dt.date):
        cell = date_cell(v)
        if isinstance(cell, str):
            ws.write_string(r, c, cell, fmt or formats["text"])
        else:
            ws.write_number(r, c, cell, fmt or formats["date"])
    else:
        ws.write_string(r, c, fit_text(str(v)), fmt or formats["text"])


def write_as_typed(ws: Worksheet, r: int, c: int, v: object, formats: dict[str, Format | None]) -> None:
    """A value from a column the team added: dates stay dates, numbers numbers, text text (never a formula)."""
    if is_blank(v):
        ws.write_blank(r, c, None, formats["text"])
    elif isinstance(v, bool):
        ws.write_boolean(r, c, v, formats["general"])
    elif isinstance(v, dt.date):
        serial = date_cell(v)
        if isinstance(serial, str):
            ws.write_string(r, c, serial, formats["text"])
        else:
            ws.write_number(r, c, serial, formats["datetime" if isinstance(serial, float) else "date"])
    elif isinstance(v, int | float):
        ws.write_number(r, c, v, formats["general"])
    else:
        ws.write_string(r, c, fit_text(str(v)), formats["text"])
