"""Give every document of a converted case its KP document category (dokumentkategori).

Without a category a document stays on the original KP case and is not carried to the new case KP creates
at the year-end re-assessment (KOMBIT guidance), so an unmatched document is flagged, never guessed.
"""

from __future__ import annotations

import pandas as pd

from schemas.batch import CategorisedDocument as D

from ..progress import stage
from ..settings.batch import UNCATEGORISED, CategoryRule


@stage("categorise", "Kategoriserer dokumenter")
def assign_document_categories(documents: pd.DataFrame, rules: tuple[CategoryRule, ...]) -> pd.DataFrame:
    """Ordered rules: the first rule whose patterns all match wins; no match -> 'Skal vurderes'."""
    category = pd.Series(pd.NA, index=documents.index, dtype="string")
    title = documents[D.title].fillna("")
    doc_type = documents[D.doc_type].fillna("")
    for rule in rules:
        hit = category.isna()
        if rule.title_pattern is not None:
            hit &= rule.title_pattern.contains(title)
        if rule.type_pattern is not None:
            hit &= rule.type_pattern.contains(doc_type)
        category = category.mask(hit, rule.category)
    return documents.assign(**{D.category: category.fillna(UNCATEGORISED)})
