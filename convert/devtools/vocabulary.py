"""Word lists, probabilities, dates and lookup tables of the synthetic ESDH export (`convert.devtools.sample`).

All names are fictitious. Dates are day numbers counted from `BASE`; `tables()` turns day numbers and small
integers into their texts once, so columns are built by indexing instead of formatting row by row. Every table
text is checked at import to be safe for the fast latin-1 codec (see `_check_cp1252_safe`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np

__all__ = ["BASE", "BORN_FROM", "BORN_TO", "FOLKEPENSION_BORN_BY", "GRANT_FROM", "GRANT_TO", "CUTOVER",
           "FUTURE_END_FROM", "FUTURE_END_TO", "FIRST", "LAST", "MIDDLE", "YDELSE", "CASE_TITLES", "STATUS",
           "STATUS_P", "PCT", "PCT_P", "PENSION", "WORKERS", "WORKERS_P", "OVERSLAG", "OVERSLAG_P", "DOC_TITLES",
           "ODD_TITLES", "DOC_TYPES", "INVOICE", "EXTENSIONS", "EXTENSIONS_P", "Tables", "tables", "objects", "pick",
           "amounts", "quote"]

BASE = np.datetime64("1920-01-01", "D")  # day numbers below count from here


def _dn(iso: str) -> int:
    return int((np.datetime64(iso, "D") - BASE).astype(np.int64))


BORN_FROM, BORN_TO = _dn("1930-01-01"), _dn("1962-12-31")
FOLKEPENSION_BORN_BY = _dn("1959-06-30")  # born later: not yet at folkepension age in 2026
GRANT_FROM, GRANT_TO = _dn("2015-01-01"), _dn("2026-06-30")
CUTOVER = _dn("2027-01-01")
FUTURE_END_FROM, FUTURE_END_TO = _dn("2027-03-31"), _dn("2029-12-31")

FIRST = tuple((
    "Søren Åse Bjørn Jørgen Kirsten Mette Hanne Birthe Jens Niels Ole Poul Knud Bent Inger Grethe Lise "
    "Karen Else Ebbe Aase Bodil Gunnar Henning Preben Erik Ulla Jytte Tove Merete Ib Finn Svend Gitte "
    "Lone Åge Øjvind Bjørg Jørn René Mogens Kjeld Dorthe Vagn Torben"
).split())
LAST = tuple((
    "Jørgensen Mølgaard Østergård Nielsen Jensen Hansen Pedersen Andersen Christensen Larsen Sørensen "
    "Rasmussen Petersen Madsen Kristensen Olsen Thomsen Poulsen Johansen Møller Mortensen Knudsen "
    "Jakobsen Lauridsen Frederiksen Nørgaard Søndergaard Kjær Dalgaard Bøgh Holm Lund Frølund Bækgaard "
    "Skøtt Højgaard Åberg Vestergård Kragh Vinther Dahl Brøndum"
).split())
MIDDLE = tuple("Ærø Kjær Holm Bech Due Krogh Hvid Bøgh Lund Dam Friis Skov".split())

# Case columns from codes
YDELSE = ("Fodbehandling", "Briller", "Tandproteser", "Medicin")
CASE_TITLES = ("Udvidet helbredstillæg - fodbehandling", "Fodbehandling, udvidet helbredstillæg",
                "Ansøgning om tilskud til fodbehandling", "Udvidet helbredstillæg - briller",
                "Udvidet helbredstillæg - tandprotese", "Helbredstillæg - medicin")
STATUS = ("Aktiv", "Åben", "Afsluttet", "Arkiveret", "Hvilende")
STATUS_P = (0.70, 0.18, 0.08, 0.03, 0.01)
PCT = ("100", "75,5", "52", "88", "31,5", "64", "0")
PCT_P = (0.72, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02)
PENSION = ("Folkepension", "Førtidspension (før 2003)", "Førtidspension (efter 2003)")
WORKERS = ("ABJ", "MKO", "SØL", "TRH", "LNI")
WORKERS_P = (0.30, 0.25, 0.20, 0.15, 0.10)
OVERSLAG = ("", "435,00", "500,00", "350,00")
OVERSLAG_P = (0.30, 0.35, 0.20, 0.15)

# Document kinds: title per benefit (rows follow YDELSE), type, and whether a "<month> <year>" is appended
_KINDS = ("appl", "appl2", "doctor", "statement", "estimate", "grant", "decision", "invoice", "bill", "note",
          "odd1", "odd2", "odd3")
DOC_TITLES = (
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
ODD_TITLES = ("Diverse", "Scannet post", "Til sagen")  # match no document-category rule
DOC_TYPES = ("Indgående", "Indgående", "Indgående", "Indgående", "Indgående", "Udgående", "Udgående",
              "Indgående", "Indgående", "Notat", "Indgående", "Indgående", "Indgående")
INVOICE = _KINDS.index("invoice")
EXTENSIONS = (".pdf", ".docx", ".msg", ".tif")
EXTENSIONS_P = (0.85, 0.07, 0.05, 0.03)
_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
           "november", "december")

def objects(values: Iterable[str]) -> np.ndarray:
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


_check_cp1252_safe(FIRST, LAST, MIDDLE, YDELSE, CASE_TITLES, STATUS, PCT, PENSION, WORKERS,
                   OVERSLAG, ODD_TITLES, DOC_TYPES, _MONTHS, *DOC_TITLES)


@dataclass(frozen=True)
class Tables:
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
def tables() -> Tables:
    days = np.arange(BASE, np.datetime64("2032-01-01", "D"))
    y = days.astype("datetime64[Y]").astype(np.int64) + 1970
    m = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    ymd = list(zip(y.tolist(), m.tolist(), d.tolist(), strict=True))
    return Tables(
        dash=objects(f"{dd:02d}-{mm:02d}-{yy}" for yy, mm, dd in ymd),
        dot=objects(f"{dd:02d}.{mm:02d}.{yy}" for yy, mm, dd in ymd),
        ddmmyy=objects(f"{dd:02d}{mm:02d}{yy % 100:02d}" for yy, mm, dd in ymd),
        year=y.astype(np.int32), day=d.astype(np.int8),
        month_year=objects([f" {_MONTHS[i % 12]} {1920 + i // 12}" for i in range(12 * 112)] + [""]),
        n2=objects(f"{i:02d}" for i in range(100)), n4=objects(f"{i:04d}" for i in range(10000)),
        plain=objects(str(i) for i in range(1000)), plain_dot=objects(f"{i}." for i in range(1000)),
        n3=objects(f"{i:03d}" for i in range(1000)), n3_dot=objects(f"{i:03d}." for i in range(1000)),
        comma_n2=objects(f",{i:02d}" for i in range(100)),
        hhmm=objects([f" {i // 60:02d}:{i % 60:02d}" for i in range(1440)] + [""]),
    )


def pick(rng: np.random.Generator, n: int, p: tuple[float, ...]) -> np.ndarray:
    """Codes 0..len(p)-1 with probabilities p (inverse CDF on one uniform draw per row)."""
    cdf = np.cumsum(p)
    return np.minimum(np.searchsorted(cdf / cdf[-1], rng.random(n), side="right"), len(p) - 1).astype(np.int8)


def amounts(ore: np.ndarray, t: Tables) -> list:
    """Danish amount "45.230,00" from øre (< 1.000.000.000 kr.) as pieces; negative means empty."""
    v = np.maximum(ore, 0)
    kr = v // 100
    lo, mid, hi = kr % 1000, (kr // 1000) % 1000, kr // 1_000_000
    empty = ore < 0
    return [np.where(empty | (kr < 1_000_000), "", t.plain_dot[hi]),
            np.where(empty | (kr < 1000), "", np.where(kr >= 1_000_000, t.n3_dot[mid], t.plain_dot[mid])),
            np.where(empty, "", np.where(kr >= 1000, t.n3[lo], t.plain[lo])),
            np.where(empty, "", t.comma_n2[v % 100])]


def quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ';"\r\n') else s

