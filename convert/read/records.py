"""Split decoded CSV text into records, each with the text-editor line it starts on.

`split_records` returns the records as a pyarrow list<string> array (compact, and the frame's columns are cut
from it without per-row Python). Lines without a quote character are split on the delimiter in one vectorised
pass; a line with a quote is read by the csv module, which also takes the following lines when a quoted field
runs over a line break. That is exactly what `csv.reader` over the whole text gives; where the two could
differ (line separators that `str.splitlines` knows and the csv module does not, or mostly quoted files) the
whole text goes through the csv module (`split_records_csv`), the reference tests/test_records.py compares with.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from _csv import Reader  # the type `csv.reader` returns (typeshed names it here only)

LISTS = pa.list_(pa.large_string())
# str.splitlines also breaks at these; the csv module (newline="") only at \r, \n and \r\n
_OTHER_LINE_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_QUOTED_SHARE = 0.05  # above this share of quoted lines the csv module reads the whole text faster


class BrokenCsv(Exception):
    """The csv module gave up at `line` (the record's start line)."""

    def __init__(self, line: int, error: csv.Error) -> None:
        super().__init__(str(error))
        self.line = line


@dataclass
class Records:
    fields: pa.ListArray  # the fields of each non-blank record, in file order
    starts: np.ndarray  # int64: the line each record starts on, counting from 1

    def __len__(self) -> int:
        return len(self.fields)


def _reader(lines: Iterable[str], delimiter: str) -> Reader:
    return csv.reader(lines, delimiter=delimiter, quotechar='"', strict=True)


def _blank(row: list[str]) -> bool:
    return not "".join(row).strip()


def split_records_csv(text: str, delimiter: str) -> Records:
    """The csv module over the whole text: the reference behaviour, and the path for unusual files."""
    reader = _reader(io.StringIO(text, newline=""), delimiter)
    records: list[list[str]] = []
    starts: list[int] = []
    last = 0
    try:
        for row in reader:
            if not _blank(row):
                records.append(row)
                starts.append(last + 1)
            last = reader.line_num
    except csv.Error as exc:
        raise BrokenCsv(last + 1, exc) from None
    return Records(pa.array(records, type=LISTS), np.array(starts, dtype=np.int64))


def split_records(text: str, delimiter: str, *, lone_cr: bool | None = None) -> Records:
    """`lone_cr`: whether the text has a CR that is not part of a CRLF (counted here when not given)."""
    if lone_cr is None:
        lone_cr = text.count("\r") != text.count("\r\n")
    if lone_cr or any(ch in text for ch in _OTHER_LINE_BREAKS):
        return split_records_csv(text, delimiter)  # unusual line breaks, or lone CRs (old Mac files)
    # physical lines, split at \n in pyarrow (no Python string per line); a CRLF line keeps its \r here
    whole = pa.array([text.encode("utf-8")], type=pa.large_binary()).cast(pa.large_string())
    lines = pc.list_flatten(pc.split_pattern(whole, "\n"))
    del whole  # each copy of the text is let go once the next is made (a large export is several times its size)
    if text.endswith("\n"):
        lines = lines.slice(0, len(lines) - 1)  # the empty piece after the last line break
    quoted = (np.flatnonzero(pc.match_substring(lines, '"').to_numpy(zero_copy_only=False))
              if '"' in text else np.empty(0, dtype=np.int64))
    if len(quoted) > _QUOTED_SHARE * len(lines) + 10:
        return split_records_csv(text, delimiter)
    plain, q_rows, q_starts = _quoted_records(lines, quoted, delimiter, "\n" if text.endswith("\n") else "")
    body = pc.utf8_rtrim(lines, characters="\r")
    del lines
    blank = pc.match_substring_regex(body, _blank_pattern(delimiter)).to_numpy(zero_copy_only=False)
    split = pc.split_pattern(body, delimiter)
    del body
    return _assemble(split, plain & ~blank, q_rows, q_starts)


def _quoted_records(lines: pa.Array, quoted: np.ndarray, delimiter: str, ends: str
                    ) -> tuple[np.ndarray, list[list[str]], list[int]]:
    """The records that start on a line with a quote, read by the csv module: (lines left to the vectorised split,
    those records, their start lines)."""
    def with_ending(k: int) -> str:  # line k as the csv module reads it, line break included
        return lines[k].as_py() + ("\n" if k < len(lines) - 1 else ends)

    plain = np.ones(len(lines), dtype=bool)
    q_rows: list[list[str]] = []
    q_starts: list[int] = []
    consumed = 0
    for i in quoted.tolist():  # a record starting on a line with a quote: the csv module reads it
        if i < consumed:
            continue  # a line inside the previous quoted record
        reader = _reader((with_ending(k) for k in range(i, len(lines))), delimiter)
        try:
            row = next(reader)
        except csv.Error as exc:
            raise BrokenCsv(i + 1, exc) from None
        consumed = i + reader.line_num
        plain[i:consumed] = False
        if not _blank(row):
            q_rows.append(row)
            q_starts.append(i + 1)
    return plain, q_rows, q_starts


@functools.cache
def _blank_pattern(delimiter: str) -> str:
    """A line of only whitespace (as str.strip sees it) and delimiters: RE2, no per-line copy."""
    chars = [ch for ch in map(chr, range(0x3001)) if ch.isspace()] + [delimiter]
    return "^[" + "".join(f"\\x{{{ord(ch):x}}}" for ch in chars) + "]*$"


def _assemble(split: pa.ListArray, keep: np.ndarray, q_rows: list[list[str]], q_starts: list[int]) -> Records:
    """The kept lines' fields with the quoted records put in at their lines, by slices (no copy per row)."""
    lines = np.flatnonzero(keep)
    starts = np.sort(np.concatenate([lines + 1, np.array(q_starts, dtype=np.int64)]).astype(np.int64))
    if len(lines) == len(keep) and not q_rows:
        return Records(split, starts)
    # runs of kept lines [first, end), and the quoted records that start before each run
    breaks = np.flatnonzero(np.diff(lines) != 1) + 1
    pieces: list[pa.Array] = []
    q = 0
    for run in (np.split(lines, breaks) if len(lines) else []):
        first, end = int(run[0]), int(run[-1]) + 1
        q_first = q
        while q < len(q_rows) and q_starts[q] - 1 < first:
            q += 1
        if q > q_first:
            pieces.append(pa.array(q_rows[q_first:q], type=LISTS))
        pieces.append(split.slice(first, end - first))
    if q < len(q_rows):
        pieces.append(pa.array(q_rows[q:], type=LISTS))
    fields = pa.concat_arrays(pieces) if pieces else pa.array([], type=LISTS)
    return Records(fields, starts)
