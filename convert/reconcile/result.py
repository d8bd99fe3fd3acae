"""The result of a reconciliation: every batch case and every KP row with its status and differences."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..settings.batch import Config
from ..settings.reconcile import ReconcileSettings
from .inputs import Source
from .match import AMBIGUOUS, DIFFERENCES, EXTRA, MATCHED, MISSING

AFSTEMNING_NAME = "afstemning.xlsx"


@dataclass
class Reconciliation:
    config: Config
    settings: ReconcileSettings
    cases: pd.DataFrame  # batch cases considered: sheet values, `status`, one bool column per difference
    kp: pd.DataFrame  # KP foot-care rows considered: typed values and `status`
    links: pd.DataFrame  # sheet_index, kp_index, kind (matched | ambiguous)
    pairs: pd.DataFrame  # matched pairs, both sides side by side, with the KP difference columns
    not_considered: pd.DataFrame  # rows of any input that were not reconciled, with the reason
    sources: list[Source]
    kp_fields_used: tuple[str, ...]  # the KP report's fields the foot-care rule looked in
    kp_mapping: dict[str, str]  # KP report: canonical field -> header in the file
    kp_counts: dict[str, int]  # KP report rows by fate before pairing
    esdh_checked: bool
    esdh_counts: dict[str, int] = field(default_factory=dict)
    ordered_cases: int | None = None  # with --order: the cases expected (the order's, or its test conversion's)
    updates: pd.DataFrame | None = None  # with --update-worksheet: what happened per matched case
    backup: Path | None = None

    def difference_counts(self) -> dict[str, int]:
        counts = {code: int(self.cases[code].sum()) for code in DIFFERENCES if code in self.cases}
        counts["extra_in_kp"] = int((self.kp["status"] == EXTRA).sum())
        return {code: counts[code] for code in DIFFERENCES if code in counts}

    def status_counts(self) -> dict[str, int]:
        s = self.cases["status"].value_counts()
        k = self.kp["status"].value_counts()
        return {"cases_matched": int(s.get(MATCHED, 0)), "cases_missing": int(s.get(MISSING, 0)),
                "cases_ambiguous": int(s.get(AMBIGUOUS, 0)), "kp_matched": int(k.get(MATCHED, 0)),
                "kp_extra": int(k.get(EXTRA, 0)), "kp_ambiguous": int(k.get(AMBIGUOUS, 0)),
                "cases_correct": int(self.cases["correct"].sum())}

    @property
    def problem_rows(self) -> int:
        return int(self.not_considered["problem"].sum())

    @property
    def reconciled(self) -> bool:
        """True when every case is matched and correct and no row had to be left out for a problem."""
        return not any(self.difference_counts().values()) and self.problem_rows == 0
