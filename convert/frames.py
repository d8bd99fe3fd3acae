"""Small pandas helpers shared by the stages."""

from __future__ import annotations

import pandas as pd


def lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """`keys.map(table)` that keeps the table's dtype even when the table is empty (map would cast to float)."""
    if table.index.has_duplicates:
        table = table[~table.index.duplicated(keep="first")]
    found = table.reindex(keys.to_numpy())  # reindex keeps datetime/string dtypes, adding NA for missing keys
    return pd.Series(found.array, index=keys.index)
