"""The tool's memory of what it wrote: a very hidden sheet `kp-convert` with, per case, a fingerprint of every cell
of the tool's own columns in *Sager* (a 32-bit SipHash of the cell as written, described by `cell_key` the same way
whether taken from what the writer wrote or from what a reader reads back after Excel or LibreOffice saved it).
`convert.team_edits` compares them on the next run to find the cells the team changed; the cells it keeps are
written back as the team typed them (`keep_team_values`), marked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..cells import cell_values, excel_serial
from ..xlsx import Column, Table
from .layout import CASE_ID, CHECKLIST_HEADERS

FINGERPRINT_SHEET = "kp-convert"
FINGERPRINT_HEADER = "Fingeraftryk"  # + the JSON list of the columns it covers, in its header cell
_HASH_KEY = "kp-convert.v1.fp"  # SipHash key (16 characters): fixed, so a fingerprint means the same on every run
_BLANK = ""


def cell_key(v: object) -> str:
    """A cell's content as one text, the same whether taken from what the writer wrote or from what a reader reads
    back after Excel or LibreOffice saved the workbook: dates as Excel day numbers, numbers to 6 decimals, text
    without surrounding spaces; empty is ''."""
    if v is None or v is pd.NA or v is pd.NaT:
        return _BLANK
    if isinstance(v, str):
        text = v.replace("\r\n", "\n").strip()
        return f"s:{text}" if text else _BLANK
    if isinstance(v, bool | np.bool_):
        return f"b:{int(v)}"
    if isinstance(v, dt.datetime | dt.date):  # read back as a date: compared as the day number it was written as
        serial = excel_serial(v)
        if serial is None:
            return "s:" + pd.Timestamp(v).strftime("%d-%m-%Y")
        v = serial
    if isinstance(v, int | float | np.integer | np.floating):
        x = float(v)
        if x != x:
            return _BLANK
        text = f"{x:.6f}".rstrip("0").rstrip(".")
        return "n:0" if text == "-0" else "n:" + text  # -0.0 (or -1e-9) is the 0 a spreadsheet saves
    return f"s:{str(v).strip()}"


def column_hashes(values: Sequence[object]) -> np.ndarray:
    """32-bit fingerprints of cells (uint32), vectorised: the column is factorised (in C), each distinct value
    described once by `cell_key` and hashed once. Values that compare equal but are described differently (True
    and 1) never share a description: such a column is described value by value (`_hashes_each`)."""
    if not len(values):
        return np.zeros(0, dtype=np.uint32)
    kinds = set(map(type, values))
    if not kinds <= _FACTORISABLE or (kinds & _BOOLS and kinds & _NUMBERS):
        return _hashes_each(values)
    column = np.empty(len(values), dtype=object)
    column[:] = values
    codes, distinct = pd.factorize(column)  # None, NaN, NaT -> -1: described as empty, as cell_key does
    keys = np.array([*((("s:" + t) if (t := v.replace("\r\n", "\n").strip()) else _BLANK) if type(v) is str
                       else cell_key(v) for v in distinct.tolist()), _BLANK], dtype=object)  # text inline
    return _hashed(keys, distinct=True)[codes]  # code -1 takes the last: the empty cell


_NUMBERS = {int, float, np.int64, np.float64}
_BOOLS = {bool, np.bool_}
_FACTORISABLE = {str, type(None), dt.datetime, dt.date, pd.Timestamp, *_NUMBERS, *_BOOLS}


def _hashed(keys: np.ndarray, *, distinct: bool = False) -> np.ndarray:
    """SipHash of each described cell, cut to 32 bits (`distinct`: the keys are known to be different)."""
    hashed = pd.util.hash_array(keys, encoding="utf8", hash_key=_HASH_KEY, categorize=not distinct)
    return (hashed & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def _hashes_each(values: Sequence[object]) -> np.ndarray:
    """`column_hashes` value by value: each distinct value looked up by type and value (1, 1.0 and True apart)."""
    memo: dict[tuple[type, object], str] = {}

    def described(v: object) -> str:
        try:
            return memo[type(v), v]
        except KeyError:
            key = memo[type(v), v] = cell_key(v)
            return key
        except TypeError:  # an unhashable value (never written by the tool): described as it is
            return cell_key(v)

    return _hashed(np.array([described(v) for v in values], dtype=object))


def tool_columns(table: Table) -> list[int]:
    """The Sager columns the tool regenerates (not the case number, the checklist or the team's own columns)."""
    team = set(CHECKLIST_HEADERS)
    return [i for i, col in enumerate(table.columns) if col.header != CASE_ID and col.header not in team
            and col.kind != "any"]


def fingerprint_table(cases: Table) -> Table:
    """The hidden sheet: per case, the fingerprints of its tool cells as one hexadecimal text."""
    cols = tool_columns(cases)
    headers = [cases.columns[i].header for i in cols]
    matrix = np.column_stack([column_hashes(cell_values(cases.frame.iloc[:, i], cases.columns[i].kind))
                              for i in cols]) if cols else np.zeros((len(cases.frame), 0), dtype=np.uint32)
    big_endian = matrix.astype(">u4")
    prints = [row.tobytes().hex() for row in big_endian]
    frame = pd.DataFrame({0: cases.frame.iloc[:, 0].to_numpy(), 1: prints})
    header = f"{FINGERPRINT_HEADER} {json.dumps(headers, ensure_ascii=False)}"
    return Table(FINGERPRINT_SHEET, [Column(CASE_ID, width=20), Column(header, width=40)], frame, hidden=True,
                 filters=False)


def read_fingerprints(rows: pd.DataFrame) -> tuple[list[str], pd.Index, np.ndarray] | None:
    """(columns covered, case ids, their fingerprints: one row of uint32 per case id, one column per covered
    column) from the hidden sheet's rows as the worksheet reader read them; None when the worksheet has none
    (made by an older version). A row that is not a whole fingerprint is left out; a case id twice: the last."""
    column = next((c for c in rows.columns if isinstance(c, str) and c.startswith(FINGERPRINT_HEADER + " ")), None)
    if column is None:
        return None
    try:
        headers = [str(h) for h in json.loads(column[len(FINGERPRINT_HEADER) + 1:])]
    except ValueError:
        return None
    width = 8 * len(headers)
    ids, texts = [], []
    for case_id, text in zip(rows[CASE_ID], rows[column], strict=True):
        if isinstance(text, str) and len(text) == width and case_id:
            ids.append(case_id)
            texts.append(text)
    try:
        raw = bytes.fromhex("".join(texts))  # every row at once
    except ValueError:  # a damaged row: each row on its own, the damaged ones left out
        whole = [(i, b) for i, t in zip(ids, texts, strict=True) if (b := _from_hex(t)) is not None]
        ids, raw = [i for i, _ in whole], b"".join(b for _, b in whole)
    matrix = np.frombuffer(raw, dtype=">u4").astype(np.uint32).reshape(len(ids), len(headers))
    last = ~pd.Index(ids).duplicated(keep="last")
    return headers, pd.Index(ids)[last], matrix[last]


def _from_hex(text: str) -> bytes | None:
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def keep_team_values(cases: Table, edits: pd.DataFrame | None) -> Table:
    """The Sager table with the team's values kept where they changed a tool cell (`convert.team_edits`): written
    as the team typed them, marked, with a comment saying what kp-convert would write."""
    if edits is None or not len(edits):
        return cases
    position = pd.Series(np.arange(len(cases.frame)), index=cases.frame.iloc[:, 0].astype(str).to_numpy())
    kept: dict[int, list[tuple[int, object, str]]] = {}
    for case_id, col, team, now in zip(edits[CASE_ID], edits["_col"], edits["_team"],
                                       edits["kp-convert skriver nu"], strict=True):
        if case_id not in position.index or col < 0:
            continue
        shown = "(tom)" if now is None else now.strftime("%d-%m-%Y") if isinstance(now, dt.date) else str(now)
        note = f"Rettet af teamet – beholdt. kp-convert skriver: {shown[:200]}"
        kept.setdefault(int(position[case_id]), []).append((int(col), team, note))
    return dataclasses.replace(cases, overrides=kept)
