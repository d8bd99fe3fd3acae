"""Planting the documented defects into the synthetic ESDH export (`convert.devtools.sample`).

Every defect goes into a row that would otherwise convert cleanly, and each comes with the outcome kp-convert
is expected to give. Random choices come from the defect stream only, so the base data does not depend on them.
"""

from __future__ import annotations

import numpy as np

from .rows import Data, case_fields, texts
from .vocabulary import PCT, WORKERS, Tables, quote

__all__ = ["MIN_CASES_WITH_DEFECTS", "FORMULA", "CASE_DEFECTS", "plan_case_defects", "editor_lines"]

MIN_CASES_WITH_DEFECTS = 50
FORMULA = '=HYPERLINK("http://x","klik")'  # planted as a document title

CASE_DEFECTS = (  # kind, expected outcome in kp-convert
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
    ("cpr_nine_digits", "converted after padding the lost leading zero, flagged cpr_padded; matches formue.csv"),
    ("cpr_replacement", "converted; flagged as a replacement CPR (day + 60, no birth date)"),
)


def _case_pool(d: Data, group: np.ndarray) -> np.ndarray:
    """Rows that would convert cleanly: one case per citizen, running foot care, valid and low assets."""
    single = np.bincount(d.citizen, minlength=len(d.name))[d.citizen] == 1
    assets = d.case_assets[d.citizen]
    ok = (single & (d.ydelse == 0) & (d.status <= 1) & (d.end < 0) & (d.pct != PCT.index("0"))
          & (d.pension < 2) & (group[d.citizen] == 0) & (assets >= 0) & (assets < 90_000_00))
    return np.flatnonzero(ok)


def plan_case_defects(drng: np.random.Generator, d: Data, born: np.ndarray, group: np.ndarray, t: Tables
                      ) -> tuple[dict[int, str], dict[int, list[str]], list[tuple[str, list[int], str]]]:
    pool = drng.permutation(_case_pool(d, group))
    if len(pool) < len(CASE_DEFECTS):
        raise ValueError(f"too few clean cases to plant every defect; try more cases (>= {MIN_CASES_WITH_DEFECTS})")
    nine = int(pool[np.argmax(t.day[born[d.citizen[pool]]] <= 9)])  # needs a birthday on the 1st-9th
    rest = pool[pool != nine]
    impossible = int(rest[np.argmax(t.year[d.grant[rest]] == 2024)])  # "31-11-2024": prefer a 2024 case
    rest = rest[rest != impossible]
    kinds = [k for k, _ in CASE_DEFECTS]
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
        f = texts(case_fields(d, np.array([r]), t))
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
            f[3] = quote(value)
        elif kind == "title_semicolon":
            value = "Udvidet helbredstillæg; fodbehandling"
            f[3] = quote(value)
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
                f[11] = WORKERS[(WORKERS.index(f[11]) + 1) % len(WORKERS)]
                value = f"Tillægsprocent {f[8]}, Sagsbehandler {f[11]}"
            inserts.setdefault(after, []).append(";".join(f))
            planted.append((kind, [r, -1 - after], value))
        else:
            overrides[r] = line
            planted.append((kind, [r], value))
    return overrides, inserts, planted


def editor_lines(rows: list[int], overrides: dict[int, str], inserts: dict[int, list[str]]) -> list[int]:
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


