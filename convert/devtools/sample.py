"""Deterministic synthetic ESDH export: cases (sager.csv), documents (dokumenter.csv), assets (formue.csv).

All people are fictitious. Same arguments give byte-identical files: every random number comes from
``numpy.random.default_rng(seed)`` (planted defects from a second stream, so the base data does not depend on
``defects``), drawn in a fixed order with sizes that depend only on the arguments. Columns are built as numpy
object arrays from small lookup tables and joined chunk by chunk, so 1,000,000 cases stay well inside memory.
Files are Windows-1252, ``;``-separated, CRLF, quoted only where a field holds ``;``, ``"`` or a line break.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .defects import CASE_DEFECTS, FORMULA, MIN_CASES_WITH_DEFECTS, editor_lines, plan_case_defects
from .rows import Data, Fields, case_fields, doc_fields, texts
from .vocabulary import (
    BASE,
    BORN_FROM,
    BORN_TO,
    CUTOVER,
    EXTENSIONS_P,
    FIRST,
    FOLKEPENSION_BORN_BY,
    FUTURE_END_FROM,
    FUTURE_END_TO,
    GRANT_FROM,
    GRANT_TO,
    LAST,
    MIDDLE,
    OVERSLAG_P,
    PCT_P,
    STATUS_P,
    WORKERS_P,
    Tables,
    amounts,
    objects,
    pick,
    quote,
    tables,
)

__all__ = ["PlantedDefect", "generate_sample", "generate_sample_with_report", "CASES_FILE", "DOCUMENTS_FILE",
           "ASSETS_FILE", "CASE_HEADER", "DOCUMENT_HEADER", "ASSET_HEADER", "MIN_CASES_WITH_DEFECTS"]

CASES_FILE, DOCUMENTS_FILE, ASSETS_FILE = "sager.csv", "dokumenter.csv", "formue.csv"
SAMPLE_FILES = (CASES_FILE, DOCUMENTS_FILE, ASSETS_FILE)
CASE_HEADER = ("Sagsnr.;CPR-nr.;Navn;Sagstitel;Ydelse;Sagsstatus;Bevilget dato;Slutdato;Tillægsprocent;"
               "Pensionstype;Formue;Sagsbehandler;Overslag")
DOCUMENT_HEADER = "Sagsnr.;Dokument-id;Dokumenttitel;Dokumenttype;Dokumentdato;Filnavn"
ASSET_HEADER = "CPR-nr.;Formue oplyst dato;Formue"

_CHUNK = 250_000


@dataclass(frozen=True)
class PlantedDefect:
    """A deliberate defect: where (text-editor lines, 1 = header), which case, what the tool should do."""

    kind: str
    file: str
    lines: tuple[int, ...]
    case_ids: tuple[str, ...]
    value: str
    expected: str


def _write(path: Path, header: str, n_rows: int, build: Callable[[np.ndarray], Fields],
           overrides: dict[int, str], inserts: dict[int, list[str]]) -> None:
    """Write header + rows chunk by chunk; overrides replace a row's line, inserts follow a row."""
    with path.open("wb") as f:
        f.write((header + "\r\n").encode("cp1252"))
        for start in range(0, n_rows, _CHUNK):
            idx = np.arange(start, min(start + _CHUNK, n_rows))
            flat: list = []
            for i, field in enumerate(build(idx)):
                flat += [";", *field] if i else field
            grid = np.empty((len(idx), len(flat) + 1), dtype=object)
            for j, piece in enumerate(flat):
                grid[:, j] = piece
            grid[:, -1] = "\r\n"
            for i in (k for k in overrides if start <= k < start + len(idx)):
                grid[i - start, :-1] = ""
                grid[i - start, 0] = overrides[i]
            for i in (k for k in inserts if start <= k < start + len(idx)):
                grid[i - start, -1] = "".join(["\r\n", *(x + "\r\n" for x in inserts[i])])
            f.write("".join(grid.ravel().tolist()).encode("latin-1"))  # = cp1252 here, see vocabulary.py


def _citizens(rng: np.random.Generator, count: int, t: Tables) -> tuple[np.ndarray, np.ndarray]:
    """Unique CPR strings and birth-day numbers; 7th digit consistent with a 19xx birth."""
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < count:  # top up after removing the rare duplicate CPR
        k = count - len(keys) + 16
        born = rng.integers(BORN_FROM, BORN_TO + 1, k)
        yy = t.year[born] % 100
        seventh = rng.integers(0, 4, k)
        late = (yy >= 37) & (rng.random(k) < 0.12)
        seventh = np.where(late, np.where(rng.random(k) < 0.5, 4, 9), seventh)
        new = born * 10000 + seventh * 1000 + rng.integers(0, 1000, k)
        both = np.concatenate([keys, new])
        _, first = np.unique(both, return_index=True)
        keys = both[np.sort(first)]
    keys = keys[:count]
    born = keys // 10000
    return t.ddmmyy[born] + "-" + t.n4[keys % 10000], born


def _assets(rng: np.random.Generator, n_people: int, n_case_people: int, t: Tables
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Asset declarations: (person, day, øre) rows in file order, plus per person group and latest amount.

    Group 0: 1-4 declarations in distinct years 2019-2026; 1: none ("Formue ikke oplyst");
    2: 0-2 such declarations plus one after the cut-over (must be ignored). Asset-only people are group 0.
    """
    group = pick(rng, n_people, (0.94, 0.04, 0.02))
    group[n_case_people:] = 0
    n_pre = np.select([group == 0, group == 2], [pick(rng, n_people, (0.3, 0.3, 0.25, 0.15)) + 1,
                                                 pick(rng, n_people, (0.5, 0.3, 0.2))], 0).astype(np.int64)
    n_post = (group == 2).astype(np.int64)
    big = rng.random(n_people) < 0.02
    whole = rng.exponential(30_000, n_people) % 90_000
    whole = np.where(big, rng.uniform(100_000, 450_000, n_people), whole).astype(np.int64)
    base = whole * 100 + np.where(rng.random(n_people) < 0.3, rng.integers(0, 100, n_people), 0)
    years = np.argsort(rng.random((n_people, 8), dtype=np.float32), axis=1).astype(np.int8)
    order_rank = np.argsort(rng.random(n_people))  # file lists people in random order

    counts = n_pre + n_post
    total = int(counts.sum())
    person = np.repeat(np.arange(n_people), counts)
    pos = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    post = pos >= n_pre[person]
    year = 2019 + years[person, np.minimum(pos, 7)].astype(np.int64)
    jan1 = ((year - 1970).astype("datetime64[Y]").astype("datetime64[D]") - BASE).astype(np.int64)
    span = np.where(year % 4 == 0, 366, 365)
    u = rng.random(total)
    day = np.where(post, CUTOVER + 1 + (u * 88).astype(np.int64), jan1 + (u * span).astype(np.int64))
    amount = (base[person] * rng.uniform(0.75, 1.25, total)).astype(np.int64) // 100 * 100

    order = np.lexsort((day, order_rank[person]))
    person, day, amount, post = person[order], day[order], amount[order], post[order]
    in_file_order = np.argsort(order_rank)
    last = np.cumsum(counts[in_file_order]) - 1  # each person's last row (the post-cut-over one if any)
    p = in_file_order[n_pre[in_file_order] > 0]
    amount[(last[n_pre[in_file_order] > 0] - n_post[p])] = base[p]  # latest valid declaration = case amount
    case_assets = np.where(n_pre > 0, base, -1)
    return person, day, amount, group, case_assets


def _build(rng: np.random.Generator, n: int, t: Tables) -> tuple[Data, np.ndarray, np.ndarray, tuple]:
    n_double = round(n * 0.03 / 1.03)  # ~3 % of citizens have two cases
    n_double_foot = min(n_double, max(2, round(n_double * 0.05)))  # a handful of these: both foot care
    m = n - n_double
    n_asset_only = max(2, m // 200)
    cpr, born = _citizens(rng, m + n_asset_only, t)
    first = np.array(FIRST, dtype=object)[rng.integers(0, len(FIRST), m)]
    middle = np.array(MIDDLE, dtype=object)[rng.integers(0, len(MIDDLE), m)] + " "
    last = np.array(LAST, dtype=object)[rng.integers(0, len(LAST), m)]
    name = first + " " + np.where(rng.random(m) < 0.25, middle, "") + last

    # logical order: primary case of citizen 0..m-1, then second cases of n_double distinct citizens
    second_of = rng.choice(m, n_double, replace=False) if n_double else np.empty(0, dtype=np.int64)
    citizen = np.concatenate([np.arange(m), second_of])
    p_foot = min(1.0, max(0.0, (0.75 * n - n_double - n_double_foot) / max(m - n_double, 1)))
    ydelse = np.where(rng.random(n) < p_foot, 0, 1 + pick(rng, n, (0.45, 0.35, 0.20))).astype(np.int8)
    ydelse[second_of] = 0                       # the pair: a foot-care case ...
    ydelse[m:] = 1 + pick(rng, n_double, (0.45, 0.35, 0.20))  # ... and a glasses/dentures/medicine case
    ydelse[m:m + n_double_foot] = 0             # a handful: two running foot-care cases (to flag)
    title = np.where(ydelse == 0, pick(rng, n, (0.6, 0.25, 0.15)), ydelse + 2).astype(np.int8)
    status = pick(rng, n, STATUS_P)
    grant = rng.integers(GRANT_FROM, GRANT_TO + 1, n)
    closed = (status == 2) | (status == 3)
    u = rng.random(n)
    past = np.where(closed, u < 0.55, u < 0.005)
    future = ~closed & (u >= 0.005) & (u < 0.039)
    u = rng.random(n)
    end = np.where(past, grant + 30 + (u * (CUTOVER - 31 - grant)).astype(np.int64), -1)
    end = np.where(future, FUTURE_END_FROM + (u * (FUTURE_END_TO - FUTURE_END_FROM)).astype(np.int64), end)
    both_foot = np.concatenate([second_of[:n_double_foot], np.arange(m, m + n_double_foot)])
    status[both_foot], end[both_foot] = 0, -1
    pct = pick(rng, n, PCT_P)
    late_born = born[citizen] > FOLKEPENSION_BORN_BY
    pension = np.where(late_born, np.where(rng.random(n) < 0.9, 1, 2), 0).astype(np.int8)
    worker = pick(rng, n, WORKERS_P)
    overslag = np.where(ydelse == 0, pick(rng, n, OVERSLAG_P), 0).astype(np.int8)
    assets = _assets(rng, m + n_asset_only, m, t)

    row = np.argsort(grant, kind="stable")  # export sorted by grant date; serial follows
    serial = objects(str(i) for i in range(1, n + 1))
    case_id = "32.03.12-G01-" + serial + "-" + t.n2[t.year[grant[row]] % 100]
    data = Data(case_id=case_id, citizen=citizen[row], cpr=cpr, name=name, ydelse=ydelse[row],
                 title=title[row], status=status[row], grant=grant[row], end=end[row], pct=pct[row],
                 pension=pension[row], worker=worker[row], overslag=overslag[row], case_assets=assets[4])
    return data, born, assets[3], assets[:3]


def _documents(rng: np.random.Generator, d: Data, per_case: float) -> dict[str, np.ndarray]:
    n = len(d.case_id)
    counts = rng.poisson(per_case, n)
    total = int(counts.sum())
    case = np.repeat(np.arange(n, dtype=np.int32), counts)
    slot = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    u = rng.random(total, dtype=np.float32)
    kind = np.select(
        [slot == 0, slot == 1, slot == 2],
        [np.where(u < 0.85, 0, 1), np.select([u < 0.45, u < 0.80], [2, 3], 4), np.where(u < 0.6, 5, 6)],
        np.select([u < 0.60, u < 0.72, u < 0.90, u < 0.95], [7, 8, 9, 4], 3)).astype(np.int8)
    u = rng.random(total, dtype=np.float32)
    kind = np.where(u < 0.03, 10 + (u * 100).astype(np.int8) % 3, kind).astype(np.int8)
    grant = d.grant[case]
    end = d.end[case]
    limit = np.where((end >= 0) & (end < CUTOVER), end, CUTOVER - 1)
    w = rng.random(total)  # float64, unlike the float32 draws above
    day = np.select([slot == 0, slot == 1, slot == 2],
                    [grant - 7 - (w * 54).astype(np.int64), grant - (w * 7).astype(np.int64), grant],
                    grant + 1 + (w * np.maximum(limit - grant - 1, 1)).astype(np.int64))
    with_time = rng.random(total, dtype=np.float32) < 0.25
    minute = np.where(with_time, rng.integers(7 * 60, 16 * 60, total), -1).astype(np.int16)
    ext = pick(rng, total, EXTENSIONS_P)
    order = np.lexsort((day, case))  # per case, by date
    return {"case": case[order], "kind": kind[order], "day": day[order], "minute": minute[order],
            "ext": ext[order]}


def generate_sample_with_report(out_dir: Path, cases: int = 300, seed: int = 1,
                                documents_per_case: float = 5.0, defects: bool = True
                                ) -> tuple[dict[str, Path], list[PlantedDefect]]:
    """`generate_sample`, also returning every planted defect with its file, lines and case ids."""
    if cases < 1:
        raise ValueError("cases must be at least 1")
    if documents_per_case < 0:
        raise ValueError("documents_per_case must not be negative")
    if defects and cases < MIN_CASES_WITH_DEFECTS:
        raise ValueError(f"defects need at least {MIN_CASES_WITH_DEFECTS} cases")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t = tables()
    rng = np.random.default_rng(seed)
    drng = np.random.default_rng([seed, 1])  # defects: own stream, so the base data does not depend on them
    d, born, group, (a_person, a_day, a_amount) = _build(rng, cases, t)
    docs = _documents(rng, d, documents_per_case)
    n_docs = len(docs["case"])
    width = max(6, len(str(n_docs)))
    head = objects(f"{i:0{width - 4}d}" for i in range(n_docs // 10000 + 1))

    overrides: dict[int, str] = {}
    inserts: dict[int, list[str]] = {}
    planted: list[PlantedDefect] = []
    doc_overrides: dict[int, str] = {}
    if defects:
        overrides, inserts, plan = plan_case_defects(drng, d, born, group, t)
        expected = dict(CASE_DEFECTS)
        for kind, rows, value in plan:
            planted.append(PlantedDefect(kind, CASES_FILE, tuple(editor_lines(rows, overrides, inserts)),
                                         (str(d.case_id[rows[0]]),), value, expected[kind]))
        defect_rows = {rows[0] for _, rows, _ in plan}
        clean_docs = np.flatnonzero(~np.isin(docs["case"], np.array(sorted(defect_rows))))
        if len(clean_docs) >= 2:
            orphan, formula = (int(i) for i in drng.choice(clean_docs, 2, replace=False))
            f = texts(doc_fields(d, docs, np.array([orphan]), head, t))
            f[0] = f"32.03.12-G01-{cases + int(drng.integers(100, 900))}-{f[0][-2:]}"
            doc_overrides[orphan] = ";".join(f)
            planted.append(PlantedDefect("orphan_document", DOCUMENTS_FILE, (orphan + 2,), (f[0],), f[1],
                                         "orphan: no such case in sager.csv; reported, not carried"))
            f = texts(doc_fields(d, docs, np.array([formula]), head, t))
            f[2] = quote(FORMULA)
            doc_overrides[formula] = ";".join(f)
            planted.append(PlantedDefect("document_title_formula", DOCUMENTS_FILE, (formula + 2,), (f[0],),
                                         FORMULA, "carried; written as text in the worksheet, no formula"))

    paths = {"cases": out_dir / CASES_FILE, "documents": out_dir / DOCUMENTS_FILE,
             "assets": out_dir / ASSETS_FILE}
    _write(paths["cases"], CASE_HEADER, cases, lambda r: case_fields(d, r, t), overrides, inserts)
    _write(paths["documents"], DOCUMENT_HEADER, n_docs, lambda r: doc_fields(d, docs, r, head, t),
           doc_overrides, {})
    _write(paths["assets"], ASSET_HEADER, len(a_person),
           lambda r: [[d.cpr[a_person[r]]], [t.dot[a_day[r]]], amounts(a_amount[r], t)], {}, {})
    return paths, planted


def generate_sample(out_dir: Path, cases: int = 300, seed: int = 1, documents_per_case: float = 5.0,
                    defects: bool = True) -> dict[str, Path]:
    """Write a synthetic ESDH export (sager.csv, dokumenter.csv, formue.csv) into `out_dir`.

    Same arguments give byte-identical files. Returns {"cases", "documents", "assets"} -> path.
    With `defects`, deliberate defects are planted (see `generate_sample_with_report`).
    """
    return generate_sample_with_report(out_dir, cases, seed, documents_per_case, defects)[0]
