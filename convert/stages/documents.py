"""Decide each document's fate from its case's fate: converted with its case, excluded with it, or orphan."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from schemas.batch import TypedDocument as D

from ..codes import reason_label
from ..frames import isin, lookup
from ..progress import stage
from .ledger import Rule, first_rule_wins


@stage("document_fates", "Dokumenternes udfald")
def document_fates(documents: pd.DataFrame, *, converted_ids: Iterable[str], excluded: pd.DataFrame,
                   rejected_case_ids: Iterable[str], all_case_ids: Iterable[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (documents of converted cases, ledger rows for every other document)."""
    case = documents[D.case_id]
    is_converted = isin(case, converted_ids)
    excluded_reason = excluded.drop_duplicates("case_id").set_index("case_id")["reason_code"]
    rules: list[Rule] = [
        (isin(case, excluded_reason.index) & ~is_converted, "excluded", "case_excluded",
         lambda hit: "Sagen konverteres ikke (" + lookup(case[hit], excluded_reason).fillna("").map(reason_label)
         + ")"),
        (isin(case, rejected_case_ids) & ~is_converted, "excluded", "case_rejected",
         "Sagen er afvist – se arket Afviste"),
        (isin(case, all_case_ids) & ~is_converted, "excluded", "case_excluded", "Sagen konverteres ikke"),
        (~is_converted, "excluded", "orphan_document",
         lambda hit: "Sagen " + case[hit].fillna("") + " findes ikke i sagsudtrækket"),
    ]
    _, ledger = first_rule_wins(documents, "documents", rules)
    return documents[is_converted], ledger
