"""Row builders of the synthetic ESDH export: the generated data (`Data`) and its case and document fields.

Shared by the writer (`convert.devtools.sample`) and the defect planting (`convert.devtools.defects`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .vocabulary import (
    BASE,
    CASE_TITLES,
    DOC_TITLES,
    DOC_TYPES,
    EXTENSIONS,
    INVOICE,
    ODD_TITLES,
    OVERSLAG,
    PCT,
    PENSION,
    STATUS,
    WORKERS,
    YDELSE,
    Tables,
    amounts,
)

__all__ = ["Fields", "Data", "texts", "case_fields", "doc_fields"]

# A row builder returns its fields, each a list of pieces: an object array (one string per row) or a constant.
# Rows are never concatenated piece by piece: a 2-D grid of pieces is joined once per chunk (fast, flat memory).
Fields = list[list]


def texts(fields: Fields, i: int = 0) -> list[str]:
    """The field texts of row i (for planting defects into single rows)."""
    return ["".join(p if isinstance(p, str) else str(p[i]) for p in f) for f in fields]


@dataclass
class Data:
    case_id: np.ndarray   # per case row (object)
    citizen: np.ndarray   # case row -> citizen index
    cpr: np.ndarray       # per citizen (object), then the extra asset-only CPRs
    name: np.ndarray      # per citizen (object)
    ydelse: np.ndarray
    title: np.ndarray
    status: np.ndarray
    grant: np.ndarray
    end: np.ndarray       # -1: no end date
    pct: np.ndarray
    pension: np.ndarray
    worker: np.ndarray
    overslag: np.ndarray
    case_assets: np.ndarray  # per citizen: øre of latest declaration before cut-over, -1 if none


def case_fields(d: Data, r: np.ndarray, t: Tables) -> Fields:
    ci = d.citizen[r]
    end = d.end[r]
    return [[d.case_id[r]], [d.cpr[ci]], [d.name[ci]], [np.array(CASE_TITLES, dtype=object)[d.title[r]]],
            [np.array(YDELSE, dtype=object)[d.ydelse[r]]], [np.array(STATUS, dtype=object)[d.status[r]]],
            [t.dash[d.grant[r]]], [np.where(end >= 0, t.dash[np.maximum(end, 0)], "")],
            [np.array(PCT, dtype=object)[d.pct[r]]], [np.array(PENSION, dtype=object)[d.pension[r]]],
            amounts(d.case_assets[ci], t), [np.array(WORKERS, dtype=object)[d.worker[r]]],
            [np.array(OVERSLAG, dtype=object)[d.overslag[r]]]]


def doc_fields(d: Data, docs: dict[str, np.ndarray], r: np.ndarray, head: np.ndarray, t: Tables) -> Fields:
    """Document rows; Dokument-id is "D" + the 1-based row number, zero-padded (head = leading digits)."""
    case, kind, day, minute = docs["case"][r], docs["kind"][r], docs["day"][r], docs["minute"][r]
    titles = np.array([list(row) + list(ODD_TITLES) for row in DOC_TITLES], dtype=object)
    months = (BASE + day.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64) + 600  # from 1920
    doc_id = ["D", head[(r + 1) // 10000], t.n4[(r + 1) % 10000]]
    return [[d.case_id[case]], doc_id,
            [titles[d.ydelse[case], kind], t.month_year[np.where(kind == INVOICE, months, -1)]],
            [np.array(DOC_TYPES, dtype=object)[kind]], [t.dash[day], t.hhmm[minute]],
            [*doc_id, np.array(EXTENSIONS, dtype=object)[docs["ext"][r]]]]

