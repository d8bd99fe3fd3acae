"""The citizens' asset declarations: which one gives each case its application date, and every declaration's fate.

KOMBIT: the application date in KP is "seneste dato for oplyst formue" – the latest declaration on or before the
cut-over date. Declarations from the assets export and the cases' own column both count.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from schemas.batch import TypedAsset as A
from schemas.batch import TypedCase as C

from ..danish.format import format_dates
from ..frames import isin, lookup
from ..progress import stage
from .ledger import SOURCE_ROW, Rule, first_rule_wins


def asset_declarations(cases: pd.DataFrame, assets: pd.DataFrame | None) -> pd.DataFrame:
    """All declarations known for the selected citizens: the assets export plus the case's own column.
    Columns: cpr, date, amount (øre), asset_index (row of the assets frame; -1 = the case's own), asset_row."""
    parts = []
    if assets is not None and len(assets):
        parts.append(pd.DataFrame({"cpr": assets[A.cpr], "date": assets[A.declaration_date],
                                   "amount": assets[A.assets], "asset_index": assets.index,
                                   "asset_row": assets[SOURCE_ROW]}))
    if C.asset_date in cases and cases[C.asset_date].notna().any():
        on_case = cases[cases[C.asset_date].notna()]
        parts.append(pd.DataFrame({"cpr": on_case[C.cpr], "date": on_case[C.asset_date],
                                   "amount": on_case[C.assets], "asset_index": -1, "asset_row": -1}))
    if not parts:
        return pd.DataFrame({"cpr": pd.Series(dtype="string"), "date": pd.Series(dtype="datetime64[ns]"),
                             "amount": pd.Series(dtype="Int64"), "asset_index": pd.Series(dtype="int64"),
                             "asset_row": pd.Series(dtype="int64")})
    return pd.concat(parts, ignore_index=True)


def latest_asset_dates(declarations: pd.DataFrame, cutover: pd.Timestamp) -> pd.DataFrame:
    """Per CPR: the latest declaration on or before the cut-over (ties: the later row)."""
    usable = declarations[declarations["date"] <= cutover]
    return (usable.sort_values(["cpr", "date", "asset_index"], kind="stable")
            .drop_duplicates("cpr", keep="last").set_index("cpr"))


@stage("asset_fates", "Formueoplysningernes udfald")
def asset_fates(assets: pd.DataFrame, latest: pd.DataFrame, converted_cprs: Iterable[str], known_cprs: Iterable[str],
                cutover: pd.Timestamp) -> pd.DataFrame:
    """A ledger line for every valid asset declaration: used, or excluded with why."""
    used_index = set(latest["asset_index"])
    cpr, declared = assets[A.cpr], assets[A.declaration_date]
    rules: list[Rule] = [  # messages are made for the rows each rule decides only
        (~isin(cpr, known_cprs), "excluded", "unknown_citizen", "Ingen gyldig sag i sagsudtrækket for dette CPR-nummer"),
        (~isin(cpr, converted_cprs), "excluded", "citizen_not_converted", "Borgerens sag konverteres ikke"),
        (declared > cutover, "excluded", "asset_after_cutover",
         lambda hit: "Dateret " + format_dates(declared[hit]) + ", efter startdatoen i KP – ikke brugt"),
        (assets.index.to_series(index=assets.index).isin(used_index), "converted", "application_date",
         lambda hit: "Brugt som ansøgningsdato i KP (" + format_dates(declared[hit]) + ")"),
        (pd.Series(True, index=assets.index), "excluded", "superseded",
         lambda hit: "Erstattet af formueoplysningen fra "
         + format_dates(lookup(cpr[hit], latest["date"]).astype("datetime64[ns]")).fillna("")),
    ]
    _, ledger = first_rule_wins(assets, "assets", rules, case_id="")
    return ledger
