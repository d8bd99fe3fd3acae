"""Select the running foot-care grants; everything else is excluded with the rule that excluded it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import pandas as pd

from schemas.batch import TypedCase as C

from ..danish.format import format_dates
from ..progress import stage
from ..settings.batch import Selection
from .ledger import Rule, first_rule_wins


@stage("select", "Udvælger sager")
def select_running_foot_care(cases: pd.DataFrame, selection: Selection, cutover_date: dt.date,
                             present: Collection[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (selected cases, ledger rows of the excluded). Rules apply in order; the first that fails wins.

    `present`: the fields the export has. A decision field is always there unless the configuration says the export
    has no such column (`not_in_export`): no status column then means every case counts as running, no end-date
    column that every grant is open-ended – as the configuration says, and the Oversigt repeats."""
    pattern = selection.foot_care_pattern
    fields = [f for f in selection.match_fields if f in present]
    foot_care = pd.Series(False, index=cases.index)
    for name in fields:
        foot_care |= cases[name].str.contains(pattern, na=False).astype(bool)
    active = {s.casefold() for s in selection.active_statuses}
    is_active = (cases[C.status].str.strip().str.casefold().isin(active).astype(bool) if C.status in present
                 else pd.Series(True, index=cases.index))
    cutover = pd.Timestamp(cutover_date)
    end = cases[C.end_date]
    ended = end.notna() & (end <= cutover)
    time_limited = end.notna() & (end > cutover) & (not selection.include_time_limited)

    where = ", ".join({"benefit": "ydelse", "title": "sagstitel"}[f] for f in fields)
    rules: list[Rule] = [  # in the order they are applied
        (~foot_care, "excluded", "not_foot_care",
         pd.Series(f"Ikke fodbehandling ({where} matcher ikke '{pattern.pattern}')", index=cases.index)),
        (~is_active, "excluded", "status_not_active",
         "Sagsstatus '" + cases[C.status].fillna("") + "' er ikke en løbende status (selection.active_statuses)"),
        (ended, "excluded", "grant_ended",
         "Bevillingen slutter " + format_dates(end).fillna("") + ", senest på startdatoen i KP"),
        (time_limited, "excluded", "time_limited",
         "Tidsbegrænset bevilling (slutter " + format_dates(end).fillna("")
         + "); medtages ikke (selection.include_time_limited = false)"),
    ]
    decided, excluded = first_rule_wins(cases, "cases", rules)
    return cases[~decided], excluded
