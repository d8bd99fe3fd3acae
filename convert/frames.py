"""Small pandas helpers shared by the stages."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """`keys.map(table)` that keeps the table's dtype even when the table is empty (map would cast to float)."""
    if table.index.has_duplicates:
        table = table[~table.index.duplicated(keep="first")]
    found = table.reindex(keys.to_numpy())  # reindex keeps datetime/string dtypes, adding NA for missing keys
    return pd.Series(found.array, index=keys.index)


def single_row(frame: pd.DataFrame, label: str) -> pd.Series:
    """`frame.loc[label]` for a label the index holds once: that row, as a Series (typed so: pandas-stubs also
    allow the DataFrame a repeated label gives)."""
    found = frame.loc[label]
    if isinstance(found, pd.DataFrame):
        raise KeyError(f"{label!r} is not a single row of the index")
    return found


def to_arrow(values: object, type: pa.DataType | None = None) -> pa.Array:
    """One pyarrow array (a Series put together by concat comes as several chunks)."""
    array = pa.array(values, type=type)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def isin(keys: pd.Series, values: Iterable[object]) -> pd.Series:
    """`keys.isin(values)` for large sets of text: one pyarrow hash lookup (pandas converts every value of the
    set to a pyarrow scalar in Python, which dominated the document and asset stages). `values` may be a
    Series or Index (no Python object per value) or any collection."""
    try:
        if isinstance(values, pd.Series | pd.Index):
            value_set = to_arrow(values.astype("string").dropna(), pa.large_string())
        else:
            value_set = to_arrow(list(values), pa.large_string())
        hit = pc.is_in(to_arrow(keys.astype("string"), pa.large_string()), value_set=value_set)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: pandas' own isin
        return keys.isin(list(values))
    return pd.Series(hit.to_numpy(zero_copy_only=False), index=keys.index, dtype=bool)
