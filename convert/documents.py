"""Decide each document's fate from its case's fate: converted with its case, excluded with it, or orphan."""

from __future__ import annotations

import pandas as pd

from .frames import lookup
from .ledger import first_rule_wins


def document_fates(documents: pd.DataFrame, *, converted_ids: set[str], excluded: pd.DataFrame,
                   rejected_case_ids: set[str], all_case_ids: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (documents of converted cases, ledger rows for every other document)."""
    case = documents["case_id"]
    is_converted = case.isin(converted_ids)
    excluded_reason = excluded.drop_duplicates("case_id").set_index("case_id")["reason_code"]
    rules = [
        (case.isin(set(excluded_reason.index)) & ~is_converted, "excluded", "case_excluded",
         "Sagen konverteres ikke (" + lookup(case, excluded_reason).fillna("") + ")"),
        (case.isin(rejected_case_ids) & ~is_converted, "excluded", "case_rejected",
         pd.Series("Sagen er afvist – se arket Afviste", index=documents.index)),
        (case.isin(all_case_ids) & ~is_converted, "excluded", "case_excluded",
         pd.Series("Sagen konverteres ikke", index=documents.index)),
        (~is_converted, "excluded", "orphan_document",
         "Sagen " + case.fillna("") + " findes ikke i sagsudtrækket"),
    ]
    _, ledger = first_rule_wins(documents, "documents", rules)
    return documents[is_converted], ledger
