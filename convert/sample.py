"""Deterministic synthetic ESDH export: cases (sager.csv), documents (dokumenter.csv), assets (formue.csv).

All people are fictitious. Same arguments give byte-identical files: every random number comes from
``numpy.random.default_rng(seed)`` (planted defects from a second stream, so the base data does not depend on
``defects``), drawn in a fixed order with sizes that depend only on the arguments. Columns are built as numpy
object arrays from small lookup tables and joined chunk by chunk, so 1,000,000 cases stay well inside memory.
Files are Windows-1252, ``;``-separated, CRLF, quoted only where a field holds ``;``, ``"`` or a line break.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

__all__ = ["PlantedDefect", "generate_sample", "generate_sample_with_report",
           "CASES_FILE", "DOCUMENTS_FILE", "ASSETS_FILE", "CASE_HEADER", "DOCUMENT_HEADER", "ASSET_HEADER"]

CASES_FILE, DOCUMENTS_FILE, ASSETS_FILE = "sager.csv", "dokumenter.csv", "formue.csv"
CASE_HEADER = ("Sagsnr.;CPR-nr.;Navn;Sagstitel;Ydelse;Sagsstatus;Bevilget dato;Slutdato;Tillægsprocent;"
               "Pensionstype;Formue;Sagsbehandler;Overslag")
DOCUMENT_HEADER = "Sagsnr.;Dokument-id;Dokumenttitel;Dokumenttype;Dokumentdato;Filnavn"
ASSET_HEADER = "CPR-nr.;Formue oplyst dato;Formue"
MIN_CASES_WITH_DEFECTS = 50

_BASE = np.datetime64("1920-01-01", "D")  # day numbers below count from here
_CHUNK = 250_000


def _dn(iso: str) -> int:
    return int((np.datetime64(iso, "D") - _BASE).astype(np.int64))


_BORN_FROM, _BORN_TO = _dn("1930-01-01"), _dn("1962-12-31")
_FOLKEPENSION_BORN_BY = _dn("1959-06-30")  # born later: not yet at folkepension age in 2026
_GRANT_FROM, _GRANT_TO = _dn("2015-01-01"), _dn("2026-06-30")
_CUTOVER = _dn("2027-01-01")
_FUTURE_END_FROM, _FUTURE_END_TO = _dn("2027-03-31"), _dn("2029-12-31")

_FIRST = tuple((
    "Søren Åse Bjørn Jørgen Kirsten Mette Hanne Birthe Jens Niels Ole Poul Knud Bent Inger Grethe Lise "
    "Karen Else Ebbe Aase Bodil Gunnar Henning Preben Erik Ulla Jytte Tove Merete Ib Finn Svend Gitte "
    "Lone Åge Øjvind Bjørg Jørn René Mogens Kjeld Dorthe Vagn Torben"
).split())
_LAST = tuple((
    "Jørgensen Mølgaard Østergård Nielsen Jensen Hansen Pedersen Andersen Christensen Larsen Sørensen "
    "Rasmussen Petersen Madsen Kristensen Olsen Thomsen Poulsen Johansen Møller Mortensen Knudsen "
    "Jakobsen Lauridsen Frederiksen Nørgaard Søndergaard Kjær Dalgaard Bøgh Holm Lund Frølund Bækgaard "
    "Skøtt Højgaard Åberg Vestergård Kragh Vinther Dahl Brøndum"
).split())
_MIDDLE = tuple("Ærø Kjær Holm Bech Due Krogh Hvid Bøgh Lund Dam Friis Skov".split())

# Case columns from codes
_YDELSE = ("Fodbehandling", "Briller", "Tandproteser", "Medicin")
_CASE_TITLES = ("Udvidet helbredstillæg - fodbehandling", "Fodbehandling, udvidet helbredstillæg",
                "Ansøgning om tilskud til fodbehandling", "Udvidet helbredstillæg - briller",
                "Udvidet helbredstillæg - tandprotese", "Helbredstillæg - medicin")
_STATUS = ("Aktiv", "Åben", "Afsluttet", "Arkiveret", "Hvilende")
_STATUS_P = (0.70, 0.18, 0.08, 0.03, 0.01)
_PCT = ("100", "75,5", "52", "88", "31,5", "64", "0")
_PCT_P = (0.72, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02)
_PENSION = ("Folkepension", "Førtidspension (før 2003)", "Førtidspension (efter 2003)")
_WORKERS = ("ABJ", "MKO", "SØL", "TRH", "LNI")
_WORKERS_P = (0.30, 0.25, 0.20, 0.15, 0.10)
_OVERSLAG = ("", "435,00", "500,00", "350,00")
_OVERSLAG_P = (0.30, 0.35, 0.20, 0.15)

# Document kinds: title per benefit (rows follow _YDELSE), type, and whether a "<month> <year>" is appended
_KINDS = ("appl", "appl2", "doctor", "statement", "estimate", "grant", "decision", "invoice", "bill", "note",
          "odd1", "odd2", "odd3")
_DOC_TITLES = (
    ("Ansøgning om udvidet helbredstillæg", "Ansøgning om tilskud til fodbehandling", "Lægeerklæring",
     "Erklæring fra fodterapeut", "Overslag fodbehandling", "Bevilling af udvidet helbredstillæg",
     "Afgørelse", "Faktura fra fodterapeut", "Regning", "Notat vedr. telefonsamtale"),
    ("Ansøgning om udvidet helbredstillæg", "Ansøgning om tilskud til briller", "Lægeerklæring",
     "Erklæring fra optiker", "Overslag briller", "Bevilling af udvidet helbredstillæg", "Afgørelse",
     "Faktura fra optiker", "Regning", "Notat vedr. telefonsamtale"),
    ("Ansøgning om udvidet helbredstillæg", "Ansøgning om tilskud til tandprotese", "Lægeerklæring",
     "Erklæring fra klinisk tandtekniker", "Overslag tandprotese", "Bevilling af udvidet helbredstillæg",
     "Afgørelse", "Faktura fra klinisk tandtekniker", "Regning", "Notat vedr. telefonsamtale"),
    ("Ansøgning om helbredstillæg", "Ansøgning om tilskud til medicin", "Lægeerklæring",
     "Udskrift fra apotek", "Medicinudskrift", "Bevilling af helbredstillæg", "Afgørelse",
     "Kvittering fra apotek", "Regning", "Notat vedr. telefonsamtale"),
)
_ODD_TITLES = ("Diverse", "Scannet post", "Til sagen")  # match no document-category rule
_DOC_TYPES = ("Indgående", "Indgående", "Indgående", "Indgående", "Indgående", "Udgående", "Udgående",
              "Indgående", "Indgående", "Notat", "Indgående", "Indgående", "Indgående")
_INVOICE = _KINDS.index("invoice")
_EXTENSIONS = (".pdf", ".docx", ".msg", ".tif")
_EXTENSIONS_P = (0.85, 0.07, 0.05, 0.03)
_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
           "november", "december")

_FORMULA = '=HYPERLINK("http://x","klik")'


@dataclass(frozen=True)
class PlantedDefect:
    """A deliberate defect: where (text-editor lines, 1 = header), which case, what the tool should do."""

    kind: str
    file: str
    lines: tuple[int, ...]
    case_ids: tuple[str, ...]
    value: str
    expected: str


def _objects(values: Iterable[str]) -> np.ndarray:
    items = list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _check_cp1252_safe(*groups: tuple[str, ...]) -> None:
    # latin-1 and cp1252 agree outside U+0080..U+009F; the fast latin-1 codec is used only if this holds
    for s in (s for g in groups for s in g):
        s.encode("cp1252")
        if any(0x80 <= ord(c) <= 0x9F or c in ';"\r\n' for c in s):
            raise AssertionError(f"unsafe table text {s!r}")


_check_cp1252_safe(_FIRST, _LAST, _MIDDLE, _YDELSE, _CASE_TITLES, _STATUS, _PCT, _PENSION, _WORKERS,
                   _OVERSLAG, _ODD_TITLES, _DOC_TYPES, _MONTHS, *_DOC_TITLES)


@dataclass(frozen=True)
class _Tables:
    dash: np.ndarray     # day number -> "dd-mm-yyyy"
    dot: np.ndarray      # day number -> "dd.mm.yyyy"
    ddmmyy: np.ndarray   # day number -> "ddmmyy"
    year: np.ndarray
    day: np.ndarray
    month_year: np.ndarray  # (year - 1920) * 12 + month - 1 -> " marts 2024"; last entry ""
    n2: np.ndarray       # "00".."99"
    n4: np.ndarray       # "0000".."9999"
    plain: np.ndarray    # "0".."999"
    plain_dot: np.ndarray  # "0.".."999."
    n3: np.ndarray       # "000".."999"
    n3_dot: np.ndarray   # "000.".."999."
    comma_n2: np.ndarray  # ",00"..",99"
    hhmm: np.ndarray     # minute of day -> " HH:MM"; last entry ""


@cache
def _tables() -> _Tables:
    days = np.arange(_BASE, np.datetime64("2032-01-01", "D"))
    y = days.astype("datetime64[Y]").astype(np.int64) + 1970
    m = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    ymd = list(zip(y.tolist(), m.tolist(), d.tolist(), strict=True))
    return _Tables(
        dash=_objects(f"{dd:02d}-{mm:02d}-{yy}" for yy, mm, dd in ymd),
        dot=_objects(f"{dd:02d}.{mm:02d}.{yy}" for yy, mm, dd in ymd),
        ddmmyy=_objects(f"{dd:02d}{mm:02d}{yy % 100:02d}" for yy, mm, dd in ymd),
        year=y.astype(np.int32), day=d.astype(np.int8),
        month_year=_objects([f" {_MONTHS[i % 12]} {1920 + i // 12}" for i in range(12 * 112)] + [""]),
        n2=_objects(f"{i:02d}" for i in range(100)), n4=_objects(f"{i:04d}" for i in range(10000)),
        plain=_objects(str(i) for i in range(1000)), plain_dot=_objects(f"{i}." for i in range(1000)),
        n3=_objects(f"{i:03d}" for i in range(1000)), n3_dot=_objects(f"{i:03d}." for i in range(1000)),
        comma_n2=_objects(f",{i:02d}" for i in range(100)),
        hhmm=_objects([f" {i // 60:02d}:{i % 60:02d}" for i in range(1440)] + [""]),
    )


def _pick(rng: np.random.Generator, n: int, p: tuple[float, ...]) -> np.ndarray:
    """Codes 0..len(p)-1 with probabilities p (inverse CDF on one uniform draw per row)."""
    cdf = np.cumsum(p)
    return np.minimum(np.searchsorted(cdf / cdf[-1], rng.random(n), side="right"), len(p) - 1).astype(np.int8)


def _amounts(ore: np.ndarray, t: _Tables) -> list:
    """Danish amount "45.230,00" from øre (< 1.000.000.000 kr.) as pieces; negative means empty."""
    v = np.maximum(ore, 0)
    kr = v // 100
    lo, mid, hi = kr % 1000, (kr // 1000) % 1000, kr // 1_000_000
    empty = ore < 0
    return [np.where(empty | (kr < 1_000_000), "", t.plain_dot[hi]),
            np.where(empty | (kr < 1000), "", np.where(kr >= 1_000_000, t.n3_dot[mid], t.plain_dot[mid])),
            np.where(empty, "", np.where(kr >= 1000, t.n3[lo], t.plain[lo])),
            np.where(empty, "", t.comma_n2[v % 100])]


def _quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ';"\r\n') else s


# A row builder returns its fields, each a list of pieces: an object array (one string per row) or a constant.
# Rows are never concatenated piece by piece: a 2-D grid of pieces is joined once per chunk (fast, flat memory).
Fields = list[list]


def _texts(fields: Fields, i: int = 0) -> list[str]:
    """The field texts of row i (for planting defects into single rows)."""
    return ["".join(p if isinstance(p, str) else str(p[i]) for p in f) for f in fields]


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
            f.write("".join(grid.ravel().tolist()).encode("latin-1"))  # = cp1252 here, see _check_cp1252_safe


@dataclass
class _Data:
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


def _citizens(rng: np.random.Generator, count: int, t: _Tables) -> tuple[np.ndarray, np.ndarray]:
    """Unique CPR strings and birth-day numbers; 7th digit consistent with a 19xx birth."""
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < count:  # top up after removing the rare duplicate CPR
        k = count - len(keys) + 16
        born = rng.integers(_BORN_FROM, _BORN_TO + 1, k)
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


def _assets(rng: np.random.Generator, n_people: int, n_case_people: int, t: _Tables
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Asset declarations: (person, day, øre) rows in file order, plus per person group and latest amount.

    Group 0: 1-4 declarations in distinct years 2019-2026; 1: none ("Formue ikke oplyst");
    2: 0-2 such declarations plus one after the cut-over (must be ignored). Asset-only people are group 0.
    """
    group = _pick(rng, n_people, (0.94, 0.04, 0.02))
    group[n_case_people:] = 0
    n_pre = np.select([group == 0, group == 2], [_pick(rng, n_people, (0.3, 0.3, 0.25, 0.15)) + 1,
                                                 _pick(rng, n_people, (0.5, 0.3, 0.2))], 0).astype(np.int64)
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
    jan1 = ((year - 1970).astype("datetime64[Y]").astype("datetime64[D]") - _BASE).astype(np.int64)
    span = np.where(year % 4 == 0, 366, 365)
    u = rng.random(total)
    day = np.where(post, _CUTOVER + 1 + (u * 88).astype(np.int64), jan1 + (u * span).astype(np.int64))
    amount = (base[person] * rng.uniform(0.75, 1.25, total)).astype(np.int64) // 100 * 100

    order = np.lexsort((day, order_rank[person]))
    person, day, amount, post = person[order], day[order], amount[order], post[order]
    in_file_order = np.argsort(order_rank)
    last = np.cumsum(counts[in_file_order]) - 1  # each person's last row (the post-cut-over one if any)
    p = in_file_order[n_pre[in_file_order] > 0]
    amount[(last[n_pre[in_file_order] > 0] - n_post[p])] = base[p]  # latest valid declaration = case amount
    case_assets = np.where(n_pre > 0, base, -1)
    return person, day, amount, group, case_assets


def _build(rng: np.random.Generator, n: int, t: _Tables) -> tuple[_Data, np.ndarray, np.ndarray, tuple]:
    n_double = round(n * 0.03 / 1.03)  # ~3 % of citizens have two cases
    n_double_foot = min(n_double, max(2, round(n_double * 0.05)))  # a handful of these: both foot care
    m = n - n_double
    n_asset_only = max(2, m // 200)
    cpr, born = _citizens(rng, m + n_asset_only, t)
    first = np.array(_FIRST, dtype=object)[rng.integers(0, len(_FIRST), m)]
    middle = np.array(_MIDDLE, dtype=object)[rng.integers(0, len(_MIDDLE), m)] + " "
    last = np.array(_LAST, dtype=object)[rng.integers(0, len(_LAST), m)]
    name = first + " " + np.where(rng.random(m) < 0.25, middle, "") + last

    # logical order: primary case of citizen 0..m-1, then second cases of n_double distinct citizens
    second_of = rng.choice(m, n_double, replace=False) if n_double else np.empty(0, dtype=np.int64)
    citizen = np.concatenate([np.arange(m), second_of])
    p_foot = min(1.0, max(0.0, (0.75 * n - n_double - n_double_foot) / max(m - n_double, 1)))
    ydelse = np.where(rng.random(n) < p_foot, 0, 1 + _pick(rng, n, (0.45, 0.35, 0.20))).astype(np.int8)
    ydelse[second_of] = 0                       # the pair: a foot-care case ...
    ydelse[m:] = 1 + _pick(rng, n_double, (0.45, 0.35, 0.20))  # ... and a glasses/dentures/medicine case
    ydelse[m:m + n_double_foot] = 0             # a handful: two running foot-care cases (to flag)
    title = np.where(ydelse == 0, _pick(rng, n, (0.6, 0.25, 0.15)), ydelse + 2).astype(np.int8)
    status = _pick(rng, n, _STATUS_P)
    grant = rng.integers(_GRANT_FROM, _GRANT_TO + 1, n)
    closed = (status == 2) | (status == 3)
    u = rng.random(n)
    past = np.where(closed, u < 0.55, u < 0.005)
    future = ~closed & (u >= 0.005) & (u < 0.039)
    u = rng.random(n)
    end = np.where(past, grant + 30 + (u * (_CUTOVER - 31 - grant)).astype(np.int64), -1)
    end = np.where(future, _FUTURE_END_FROM + (u * (_FUTURE_END_TO - _FUTURE_END_FROM)).astype(np.int64), end)
    both_foot = np.concatenate([second_of[:n_double_foot], np.arange(m, m + n_double_foot)])
    status[both_foot], end[both_foot] = 0, -1
    pct = _pick(rng, n, _PCT_P)
    late_born = born[citizen] > _FOLKEPENSION_BORN_BY
    pension = np.where(late_born, np.where(rng.random(n) < 0.9, 1, 2), 0).astype(np.int8)
    worker = _pick(rng, n, _WORKERS_P)
    overslag = np.where(ydelse == 0, _pick(rng, n, _OVERSLAG_P), 0).astype(np.int8)
    assets = _assets(rng, m + n_asset_only, m, t)

    row = np.argsort(grant, kind="stable")  # export sorted by grant date; serial follows
    serial = _objects(str(i) for i in range(1, n + 1))
    case_id = "32.03.12-G01-" + serial + "-" + t.n2[t.year[grant[row]] % 100]
    data = _Data(case_id=case_id, citizen=citizen[row], cpr=cpr, name=name, ydelse=ydelse[row],
                 title=title[row], status=status[row], grant=grant[row], end=end[row], pct=pct[row],
                 pension=pension[row], worker=worker[row], overslag=overslag[row], case_assets=assets[4])
    return data, born, assets[3], assets[:3]


def _case_fields(d: _Data, r: np.ndarray, t: _Tables) -> Fields:
    ci = d.citizen[r]
    end = d.end[r]
    return [[d.case_id[r]], [d.cpr[ci]], [d.name[ci]], [np.array(_CASE_TITLES, dtype=object)[d.title[r]]],
            [np.array(_YDELSE, dtype=object)[d.ydelse[r]]], [np.array(_STATUS, dtype=object)[d.status[r]]],
            [t.dash[d.grant[r]]], [np.where(end >= 0, t.dash[np.maximum(end, 0)], "")],
            [np.array(_PCT, dtype=object)[d.pct[r]]], [np.array(_PENSION, dtype=object)[d.pension[r]]],
            _amounts(d.case_assets[ci], t), [np.array(_WORKERS, dtype=object)[d.worker[r]]],
            [np.array(_OVERSLAG, dtype=object)[d.overslag[r]]]]


def _documents(rng: np.random.Generator, d: _Data, per_case: float) -> dict[str, np.ndarray]:
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
    limit = np.where((end >= 0) & (end < _CUTOVER), end, _CUTOVER - 1)
    u = rng.random(total)
    day = np.select([slot == 0, slot == 1, slot == 2],
                    [grant - 7 - (u * 54).astype(np.int64), grant - (u * 7).astype(np.int64), grant],
                    grant + 1 + (u * np.maximum(limit - grant - 1, 1)).astype(np.int64))
    with_time = rng.random(total, dtype=np.float32) < 0.25
    minute = np.where(with_time, rng.integers(7 * 60, 16 * 60, total), -1).astype(np.int16)
    ext = _pick(rng, total, _EXTENSIONS_P)
    order = np.lexsort((day, case))  # per case, by date
    return {"case": case[order], "kind": kind[order], "day": day[order], "minute": minute[order],
            "ext": ext[order]}


def _doc_fields(d: _Data, docs: dict[str, np.ndarray], r: np.ndarray, head: np.ndarray, t: _Tables
                ) -> Fields:
    """Document rows; Dokument-id is "D" + the 1-based row number, zero-padded (head = leading digits)."""
    case, kind, day, minute = docs["case"][r], docs["kind"][r], docs["day"][r], docs["minute"][r]
    titles = np.array([list(row) + list(_ODD_TITLES) for row in _DOC_TITLES], dtype=object)
    months = (_BASE + day.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64) + 600  # from 1920
    doc_id = ["D", head[(r + 1) // 10000], t.n4[(r + 1) % 10000]]
    return [[d.case_id[case]], doc_id,
            [titles[d.ydelse[case], kind], t.month_year[np.where(kind == _INVOICE, months, -1)]],
            [np.array(_DOC_TYPES, dtype=object)[kind]], [t.dash[day], t.hhmm[minute]],
            [*doc_id, np.array(_EXTENSIONS, dtype=object)[docs["ext"][r]]]]


_CASE_DEFECTS = (  # kind, expected outcome in kp-convert
    ("ragged_extra_field", "rejected: 14 fields instead of 13 (unquoted ';' in Sagstitel)"),
    ("ragged_missing_field", "rejected: 12 fields instead of 13 (Overslag missing)"),
    ("cpr_too_short", "rejected: invalid CPR"),
    ("cpr_impossible_date", "rejected: invalid CPR (no 32 January)"),
    ("cpr_letters", "rejected: invalid CPR"),
    ("impossible_grant_date", "rejected: invalid Bevilget dato (30 days in November)"),
    ("invalid_amount", "rejected: invalid Formue amount"),
    ("percentage_over_100", "rejected: Tillægsprocent outside 0-100"),
    ("duplicate_identical", "the repeat is excluded, the first row is kept"),
    ("duplicate_conflicting", "rejected: both rows (same Sagsnr., other Tillægsprocent and Sagsbehandler)"),
    ("title_line_break", "parsed as one record (quoted line break); converted, title kept"),
    ("title_semicolon", "parsed as one record (quoted ';'); converted, title kept"),
    ("name_at_sign", "converted; written as text in the worksheet, never as a formula"),
    ("name_plus_sign", "converted; written as text in the worksheet, never as a formula"),
    ("cpr_nine_digits", "converted after padding the lost leading zero; matches formue.csv"),
    ("cpr_replacement", "converted; flagged as a replacement CPR (day + 60, no birth date)"),
)


def _case_pool(d: _Data, group: np.ndarray) -> np.ndarray:
    """Rows that would convert cleanly: one case per citizen, running foot care, valid and low assets."""
    single = np.bincount(d.citizen, minlength=len(d.name))[d.citizen] == 1
    assets = d.case_assets[d.citizen]
    ok = (single & (d.ydelse == 0) & (d.status <= 1) & (d.end < 0) & (d.pct != _PCT.index("0"))
          & (d.pension < 2) & (group[d.citizen] == 0) & (assets >= 0) & (assets < 90_000_00))
    return np.flatnonzero(ok)


def _plan_case_defects(drng: np.random.Generator, d: _Data, born: np.ndarray, group: np.ndarray, t: _Tables
                       ) -> tuple[dict[int, str], dict[int, list[str]], list[tuple[str, list[int], str]]]:
    pool = drng.permutation(_case_pool(d, group))
    if len(pool) < len(_CASE_DEFECTS):
        raise ValueError(f"too few clean cases to plant every defect; try more cases (>= {MIN_CASES_WITH_DEFECTS})")
    nine = int(pool[np.argmax(t.day[born[d.citizen[pool]]] <= 9)])  # needs a birthday on the 1st-9th
    rest = pool[pool != nine]
    impossible = int(rest[np.argmax(t.year[d.grant[rest]] == 2024)])  # "31-11-2024": prefer a 2024 case
    rest = rest[rest != impossible]
    kinds = [k for k, _ in _CASE_DEFECTS]
    rows = dict(zip([k for k in kinds if k not in ("cpr_nine_digits", "impossible_grant_date")],
                    rest.tolist(), strict=False))
    rows["cpr_nine_digits"], rows["impossible_grant_date"] = nine, impossible

    ci = d.citizen[nine]
    for day in range(1, 10):  # rare: nobody in the pool born on the 1st-9th, so move this birthday
        if d.cpr[ci][0] == "0":
            break
        candidate = f"0{day}{d.cpr[ci][2:]}"
        if not (d.cpr == candidate).any():
            d.cpr[ci] = candidate
    ci = d.citizen[rows["cpr_replacement"]]  # a replacement CPR is the person's identifier in every file
    d.cpr[ci] = f"{int(d.cpr[ci][:2]) + 60:02d}{d.cpr[ci][2:]}"

    overrides: dict[int, str] = {}
    inserts: dict[int, list[str]] = {}
    planted = []
    n = len(d.case_id)
    for kind in kinds:
        r = rows[kind]
        f = _texts(_case_fields(d, np.array([r]), t))
        value = ""
        if kind == "ragged_extra_field":
            f[3] = value = "Fodbehandling; udvidet helbredstillæg"  # unquoted on purpose
        elif kind == "ragged_missing_field":
            f, value = f[:-1], "(no Overslag field)"
        elif kind in ("cpr_too_short", "cpr_impossible_date", "cpr_letters"):
            f[1] = value = {"cpr_too_short": "12345", "cpr_impossible_date": "320190-1234",
                            "cpr_letters": "abcdef-ghij"}[kind]
        elif kind == "impossible_grant_date":
            f[6] = value = "31-11-2024"
        elif kind == "invalid_amount":
            f[10] = value = "12,34,5"
        elif kind == "percentage_over_100":
            f[8] = value = "150"
        elif kind == "title_line_break":
            value = "Udvidet helbredstillæg - fodbehandling\nGenoptaget efter klage"
            f[3] = _quote(value)
        elif kind == "title_semicolon":
            value = "Udvidet helbredstillæg; fodbehandling"
            f[3] = _quote(value)
        elif kind in ("name_at_sign", "name_plus_sign"):
            f[2] = value = ("@" if kind == "name_at_sign" else "+") + f[2]
        elif kind == "cpr_nine_digits":
            f[1] = value = f[1].replace("-", "")[1:]  # Excel number: leading zero of day 01-09 lost
        elif kind == "cpr_replacement":
            value = f[1]
        line = ";".join(f)
        if kind == "duplicate_identical":
            value = "exact copy of the first line"
        if kind.startswith("duplicate"):
            after = min(n - 1, r + int(drng.integers(1, 40)))
            if kind == "duplicate_conflicting":
                f[8] = "75,5" if f[8] != "75,5" else "52"
                f[11] = _WORKERS[(_WORKERS.index(f[11]) + 1) % len(_WORKERS)]
                value = f"Tillægsprocent {f[8]}, Sagsbehandler {f[11]}"
            inserts.setdefault(after, []).append(";".join(f))
            planted.append((kind, [r, -1 - after], value))
        else:
            overrides[r] = line
            planted.append((kind, [r], value))
    return overrides, inserts, planted


def _editor_lines(rows: list[int], overrides: dict[int, str], inserts: dict[int, list[str]]) -> list[int]:
    """Text-editor line of data rows (r >= 0) or of the insert after row a (-1 - a); header is line 1."""
    def start(row: int) -> int:
        before = sum(len(v) for k, v in inserts.items() if k < row)
        breaks = sum(v.count("\n") for k, v in overrides.items() if k < row)
        breaks += sum(x.count("\n") for k, v in inserts.items() if k < row for x in v)
        return 2 + row + before + breaks
    out = []
    for r in rows:
        if r >= 0:
            out.append(start(r))
        else:
            a = -1 - r
            out.append(start(a) + 1 + overrides.get(a, "").count("\n"))
    return out


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
    t = _tables()
    rng = np.random.default_rng(seed)
    drng = np.random.default_rng([seed, 1])  # defects: own stream, so the base data does not depend on them
    d, born, group, (a_person, a_day, a_amount) = _build(rng, cases, t)
    docs = _documents(rng, d, documents_per_case)
    n_docs = len(docs["case"])
    width = max(6, len(str(n_docs)))
    head = _objects(f"{i:0{width - 4}d}" for i in range(n_docs // 10000 + 1))

    overrides: dict[int, str] = {}
    inserts: dict[int, list[str]] = {}
    planted: list[PlantedDefect] = []
    doc_overrides: dict[int, str] = {}
    if defects:
        overrides, inserts, plan = _plan_case_defects(drng, d, born, group, t)
        expected = dict(_CASE_DEFECTS)
        for kind, rows, value in plan:
            planted.append(PlantedDefect(kind, CASES_FILE, tuple(_editor_lines(rows, overrides, inserts)),
                                         (str(d.case_id[rows[0]]),), value, expected[kind]))
        defect_rows = {rows[0] for _, rows, _ in plan}
        clean_docs = np.flatnonzero(~np.isin(docs["case"], np.array(sorted(defect_rows))))
        if len(clean_docs) >= 2:
            orphan, formula = (int(i) for i in drng.choice(clean_docs, 2, replace=False))
            f = _texts(_doc_fields(d, docs, np.array([orphan]), head, t))
            f[0] = f"32.03.12-G01-{cases + int(drng.integers(100, 900))}-{f[0][-2:]}"
            doc_overrides[orphan] = ";".join(f)
            planted.append(PlantedDefect("orphan_document", DOCUMENTS_FILE, (orphan + 2,), (f[0],), f[1],
                                         "orphan: no such case in sager.csv; reported, not carried"))
            f = _texts(_doc_fields(d, docs, np.array([formula]), head, t))
            f[2] = _quote(_FORMULA)
            doc_overrides[formula] = ";".join(f)
            planted.append(PlantedDefect("document_title_formula", DOCUMENTS_FILE, (formula + 2,), (f[0],),
                                         _FORMULA, "carried; written as text in the worksheet, no formula"))

    paths = {"cases": out_dir / CASES_FILE, "documents": out_dir / DOCUMENTS_FILE,
             "assets": out_dir / ASSETS_FILE}
    _write(paths["cases"], CASE_HEADER, cases, lambda r: _case_fields(d, r, t), overrides, inserts)
    _write(paths["documents"], DOCUMENT_HEADER, n_docs, lambda r: _doc_fields(d, docs, r, head, t),
           doc_overrides, {})
    _write(paths["assets"], ASSET_HEADER, len(a_person),
           lambda r: [[d.cpr[a_person[r]]], [t.dot[a_day[r]]], _amounts(a_amount[r], t)], {}, {})
    return paths, planted


def generate_sample(out_dir: Path, cases: int = 300, seed: int = 1, documents_per_case: float = 5.0,
                    defects: bool = True) -> dict[str, Path]:
    """Write a synthetic ESDH export (sager.csv, dokumenter.csv, formue.csv) into `out_dir`.

    Same arguments give byte-identical files. Returns {"cases", "documents", "assets"} -> path.
    With `defects`, deliberate defects are planted (see `generate_sample_with_report`).
    """
    return generate_sample_with_report(out_dir, cases, seed, documents_per_case, defects)[0]
