"""Write a frame of text and integer columns as CSV, column-wise in pyarrow: the bytes of `DataFrame.to_csv`.

The ledger has a line per input record (600,000 lines for 100,000 cases); pandas' writer goes through the csv
module row by row, which cost more than everything else the run adds to reading and the workbook. Quoting is
the csv module's QUOTE_MINIMAL: a field is quoted when it holds the separator, a quote or a line break (which
ones, the csv module of the running Python is asked), and its quotes are doubled. tests/test_csvout.py compares the bytes with `to_csv` on generated frames.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas.batch import LEDGER_COLUMNS
from schemas.batch import ConvertedCase as C
from schemas.batch import LedgerRow as L

from ..danish.format import format_dates
from ..frames import to_arrow
from ..progress import stage

LEDGER_NAME = "ledger.csv"
NOTES_NAME = "lukkenotater.csv"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, type=pa.large_string())


@functools.cache
def _special(sep: str, lineterminator: str) -> str:
    """The characters that make the csv module quote a field (which line breaks count varies by Python version)."""
    chars = sep + '"'
    for ch in "\r\n":
        out = io.StringIO()
        csv.writer(out, delimiter=sep, lineterminator=lineterminator).writerow([f"a{ch}b", "c"])
        if out.getvalue().startswith('"'):
            chars += ch
    return chars


def _field(values: pd.Series, sep: str, lineterminator: str) -> pa.Array:
    if not (pd.api.types.is_string_dtype(values.dtype) or pd.api.types.is_object_dtype(values.dtype)):
        raise TypeError(f"column {values.name!r} ({values.dtype}): only text and integers are written here")
    text = pc.fill_null(to_arrow(values.astype("string"), pa.large_string()), "")
    needs_quotes = pc.match_substring_regex(text, "[" + re.escape(_special(sep, lineterminator)) + "]")
    if not pc.any(needs_quotes).as_py():
        return text
    some = text.filter(needs_quotes)  # quote only the fields that need it
    quoted = pc.binary_join_element_wise(_text('"'), pc.replace_substring(some, '"', '""'), _text('"'), _text(""))
    return pc.replace_with_mask(text, needs_quotes, quoted)


def _numbers(values: pd.Series) -> pa.Array:
    return pc.fill_null(pc.cast(to_arrow(values.astype("Int64")), pa.large_string()), "")


def csv_bytes(frame: pd.DataFrame, *, sep: str = ",", lineterminator: str = "\n") -> bytes:
    """UTF-8 bytes of `frame.to_csv(index=False, sep=sep, lineterminator=lineterminator)` (text/integer columns)."""
    if len(frame.columns) < 2:
        raise ValueError("one column: the csv module quotes its empty fields, which is not done here")
    columns = [_numbers(frame[c]) if pd.api.types.is_integer_dtype(frame[c].dtype)
               else _field(frame[c], sep, lineterminator) for c in frame.columns]
    header = [_field(pd.Series([str(c)]), sep, lineterminator) for c in frame.columns]
    lines = pa.concat_arrays([pc.binary_join_element_wise(*header, _text(sep)),
                              pc.binary_join_element_wise(*columns, _text(sep))])
    lines = pc.binary_join_element_wise(lines, _text(""), _text(lineterminator))  # line + terminator
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return lines.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0])).to_pybytes()


def write_csv(frame: pd.DataFrame, path: Path, *, sep: str = ",", encoding: str = "utf-8",
              lineterminator: str = "\n") -> None:
    """`frame.to_csv(path, index=False, sep=sep, encoding=encoding, lineterminator=lineterminator)`, faster."""
    data = csv_bytes(frame, sep=sep, lineterminator=lineterminator)
    if encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    elif encoding != "utf-8":
        data = data.decode("utf-8").encode(encoding)
    Path(path).write_bytes(data)


def neutralise(value: object) -> object:
    """Text a spreadsheet could read as a formula gets a leading apostrophe (OWASP CSV-injection advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_series(s: pd.Series) -> pd.Series:
    s = s.astype("string").fillna("")
    risky = s.str.startswith(_FORMULA_START)
    return s.mask(risky, "'" + s)


@stage("ledger_csv", "Skriver ledger.csv")
def write_ledger(ledger: pd.DataFrame, path: Path) -> None:
    out = ledger[LEDGER_COLUMNS].copy()
    for col in (L.source_file, L.case_id, L.reason_code, L.reason):
        out[col] = neutralise_series(out[col])
    write_csv(out, path, encoding="utf-8", lineterminator="\n")  # = to_csv(quoting=QUOTE_MINIMAL), column-wise


@stage("notes_csv", "Skriver lukkenotater.csv")
def write_closing_notes(cases: pd.DataFrame, path: Path) -> None:
    """lukkenotater.csv: `;`-separated, UTF-8 with BOM, CRLF, so Excel opens it directly."""
    frame = pd.DataFrame({"ESDH-sagsnr.": neutralise_series(cases[C.case_id]),
                          "Startdato (KP)": format_dates(cases[C.start_date]),
                          "Lukkenotat": neutralise_series(cases[C.closing_note])})
    write_csv(frame, path, sep=";", encoding="utf-8-sig", lineterminator="\r\n")
