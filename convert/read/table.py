"""An export as a table of text: header found, ragged lines set aside, each record keeping its origin.

Everything is read as text; typing happens in validation, so a bad value becomes a row-level rejection
with its file, row and column, not a crash. `source_row` is the row a person would see: the text-editor
line where a CSV record starts, or the Excel row number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas.batch import LEDGER_COLUMNS, LedgerRow

from ..progress import stage
from ..settings.inputs import InputSpec
from .files import is_xlsx, read_export_bytes, sha256_bytes
from .header_row import find_header
from .records import Records
from .text import csv_records
from .xlsx import check_formula_results, xlsx_records

SOURCE_FILE, SOURCE_ROW = LedgerRow.source_file, LedgerRow.source_row


@dataclass
class RawTable:
    """One input file as read: its header cells and its records (text), plus ragged-line rejections."""

    spec: InputSpec
    headers: list[str]
    # one column per header position ("c0", "c1", …) that has a header or data, + source_file, source_row; a blank
    # position without data has none (a stray header cell in column 16,000 would otherwise make 16,000 columns)
    frame: pd.DataFrame
    rejected: pd.DataFrame  # ledger rows for records that could not be split into the header's columns
    meta: dict[str, object] = field(default_factory=dict)
    ragged_fields: list[list[str]] = field(default_factory=list)  # the fields of each rejected record

    @property
    def records_read(self) -> int:
        return len(self.frame) + len(self.rejected)

    def column(self, position: int) -> pd.Series:
        """The text at a header position: blank for a position without a header or data (the frame has no column)."""
        name = f"c{position}"
        if name in self.frame:
            return self.frame[name]
        return pd.Series("", index=self.frame.index, dtype="string")


@stage("read", "Læser", detail=lambda spec: spec.name)
def read_input(spec: InputSpec) -> RawTable:
    """Read one configured export (CSV or XLSX) into a table of text."""
    data = read_export_bytes(spec)
    if is_xlsx(spec.path, data):
        records, meta = xlsx_records(spec, data)
        # Excel rows are padded to the sheet's width: trailing empty cells are not ragged lines
        table = build_table(spec, records, meta, pad_short_rows=True)
        check_formula_results(spec, table.headers, table.meta)
    else:
        records, meta = csv_records(spec, data)
        table = build_table(spec, records, meta)
    table.meta["sha256"] = sha256_bytes(data)
    table.meta["size_bytes"] = len(data)
    return table


def build_table(spec: InputSpec, records: Records, meta: dict[str, object], *, pad_short_rows: bool = False
                ) -> RawTable:
    """Header, ragged lines and the frame of text columns, column-wise (no per-row Python)."""
    h = find_header(spec, records)
    header_cells = records.fields[h].as_py()
    headers = [c.strip() for c in header_cells]
    full_width = len(headers)  # with blank header cells at the end (trailing separators, empty Excel columns)
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    meta.update({"header_row": int(records.starts[h]), "title_rows_skipped": h})
    data, starts = records.fields.slice(h + 1), records.starts[h + 1:]
    n = pc.list_value_length(data).to_numpy(zero_copy_only=False).astype(np.int64)
    unnamed_data = _data_under_blank_headers(data, header_cells)
    # not an extra field: data under blank header cells only, and blank fields past the header's width
    cut = (n > width) & (n <= full_width)
    beyond = np.flatnonzero(n > full_width)
    if len(beyond):
        extra = pc.list_slice(data.take(pa.array(beyond)), full_width)
        text = pc.not_equal(pc.utf8_trim_whitespace(pc.list_flatten(extra)), "").to_numpy(zero_copy_only=False)
        has_text = np.bincount(pc.list_parent_indices(extra).to_numpy()[text], minlength=len(beyond)) > 0
        cut[beyond[~has_text]] = True
    n[cut] = width
    fits = (n <= width) if pad_short_rows else (n == width)
    bad = np.flatnonzero(~fits)
    name = spec.name
    rejected = pd.DataFrame({SOURCE_FILE: name, SOURCE_ROW: starts[bad], "table": spec.table, "case_id": "",
                             "outcome": "rejected", "reason_code": "ragged_line",
                             "reason": [f"Linje {s} har {k} felter, men overskriften har {width}"
                                        for s, k in zip(starts[bad].tolist(), n[bad].tolist(), strict=True)]},
                            columns=LEDGER_COLUMNS)
    good = data if fits.all() else data.filter(pa.array(fits))
    if width and not (n[fits] == width).all():  # shorter rows (XLSX) padded: nulls, then ""
        good = pc.list_slice(good, 0, width, return_fixed_size_list=True)
    frame = pd.DataFrame({f"c{i}": pd.array(pc.fill_null(pc.list_element(good, i), ""), dtype="string")
                          for i in range(width) if headers[i] or i in unnamed_data}, index=pd.RangeIndex(len(good)))
    frame[SOURCE_FILE] = name
    frame[SOURCE_ROW] = pd.array(starts[fits], dtype="int64")
    earlier = meta.get("warnings")  # the reader's own: a mixed encoding, a hidden sheet not read, …
    warnings = list(earlier) if isinstance(earlier, list) else []
    warnings += [f"{name}: kolonne {i + 1} har ingen overskrift, men {k} række(r) har data i den – kolonnen bruges "
                 "ikke" for i, k in sorted(unnamed_data.items())]
    if len(records) == h + 1:
        warnings.append(f"{name} indeholder kun overskriften – ingen poster")
    if meta.get("nul_characters_removed"):
        warnings.append(f"{name}: {meta['nul_characters_removed']} NUL-tegn (\\0) er fjernet")
    meta.update({"unnamed_columns_with_data": {str(i + 1): k for i, k in sorted(unnamed_data.items())},
                 "warnings": warnings})
    return RawTable(spec=spec, headers=headers, frame=frame, rejected=rejected, meta=meta,
                    ragged_fields=data.take(pa.array(bad)).to_pylist())


def _data_under_blank_headers(data: pa.ListArray, header_cells: list[str]) -> dict[int, int]:
    """Column position -> number of rows with text there, for the positions whose header cell is blank. Looks only
    at the cells there are (a stray cell in column 16,000 is one cell, not 16,000 columns)."""
    blank = np.array([not c.strip() for c in header_cells], dtype=bool)
    if not blank.any() or not len(data):
        return {}
    flat = pc.list_flatten(data)
    offsets = data.offsets.to_numpy(zero_copy_only=False)
    rows = pc.list_parent_indices(data).to_numpy(zero_copy_only=False)
    position = np.arange(len(flat), dtype=np.int64) - (offsets[rows] - offsets[0])
    has_text = pc.not_equal(pc.utf8_trim_whitespace(flat), "").to_numpy(zero_copy_only=False).astype(bool)
    hit = position[has_text & (position < len(blank))]
    hit = hit[blank[hit]]
    counts = np.bincount(hit, minlength=len(blank))
    return {int(i): int(counts[i]) for i in np.flatnonzero(counts)}


def ragged_rejections(raw: RawTable, mapping: dict[str, str]) -> pd.DataFrame:
    """The ragged-line rejections, with the case number where the line has one in the case-number position."""
    if not len(raw.rejected) or "case_id" not in mapping:
        return raw.rejected
    pos = raw.headers.index(mapping["case_id"])
    ids = [f[pos].strip() if pos < len(f) else "" for f in raw.ragged_fields]
    return raw.rejected.assign(case_id=ids)




def raw_table(spec: InputSpec, frame: pd.DataFrame, *, first_row: int = 2) -> RawTable:
    """An export made in memory (tests, the notebook): `frame`'s columns are the file's headers, its cells text.
    Rows are numbered as in a file whose header is on the line before `first_row`."""
    headers = [str(c) for c in frame.columns]
    text = pd.DataFrame({f"c{i}": frame.iloc[:, i].astype("string").fillna("") for i in range(len(headers))})
    text.index = pd.RangeIndex(len(text))
    text[SOURCE_FILE] = spec.name
    text[SOURCE_ROW] = pd.array(range(first_row, first_row + len(text)), dtype="int64")
    empty = pd.DataFrame(columns=LEDGER_COLUMNS)
    return RawTable(spec=spec, headers=headers, frame=text, rejected=empty,
                    meta={"format": "memory", "header_row": first_row - 1, "warnings": []})
