"""Select the running foot-care grants; everything else is excluded with the rule that excluded it."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from schemas.batch import TypedCase as C

from ..danish.format import format_dates
from ..progress import stage
from ..settings.batch import Selection
from .ledger import Rule, first_rule_wins


@stage("select", "Udvælger sager")
def select_running_foot_care(cases: pd.DataFrame, selection: Selection, cutover_date: dt.date
                             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (selected cases, ledger rows of the excluded). Rules apply in order; the first that fails wins."""
    pattern = selection.foot_care_pattern
    foot_care = pd.Series(False, index=cases.index)
    for name in selection.match_fields:
        foot_care |= cases[name].str.contains(pattern, na=False).astype(bool)
    active = {s.casefold() for s in selection.active_statuses}
    is_active = cases[C.status].str.strip().str.casefold().isin(active).astype(bool)
    cutover = pd.Timestamp(cutover_date)
    end = cases[C.end_date]
    ended = end.notna() & (end <= cutover)
    time_limited = end.notna() & (end > cutover) & (not selection.include_time_limited)

    where = ", ".join({"benefit": "ydelse", "title": "sagstitel"}[f] for f in selection.match_fields)
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
