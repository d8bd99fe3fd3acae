"""Select the running foot-care grants; everything else is excluded with the rule that excluded it."""

from __future__ import annotations

import pandas as pd

from .config import Config
from .ledger import first_rule_wins
from .parsing import format_dates
from .progress import stage


def _fmt(d: pd.Series) -> pd.Series:
    return format_dates(d)


@stage("select", "Udvælger sager")
def select_running_foot_care(cases: pd.DataFrame, config: Config) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (selected cases, ledger rows of the excluded). Rules apply in order; the first that fails wins."""
    pattern = config.foot_care_pattern
    foot_care = pd.Series(False, index=cases.index)
    for name in config.match_fields:
        foot_care |= cases[name].str.contains(pattern, na=False).astype(bool)
    active = {s.casefold() for s in config.active_statuses}
    is_active = cases["status"].str.strip().str.casefold().isin(active).astype(bool)
    cutover = pd.Timestamp(config.cutover_date)
    end = cases["end_date"]
    ended = end.notna() & (end <= cutover)
    time_limited = end.notna() & (end > cutover) & (not config.include_time_limited)

    where = ", ".join({"benefit": "ydelse", "title": "sagstitel"}[f] for f in config.match_fields)
    rules = [  # in the order they are applied
        (~foot_care, "excluded", "not_foot_care",
         pd.Series(f"Ikke fodbehandling ({where} matcher ikke '{pattern.pattern}')", index=cases.index)),
        (~is_active, "excluded", "status_not_active",
         "Sagsstatus '" + cases["status"].fillna("") + "' er ikke en løbende status (selection.active_statuses)"),
        (ended, "excluded", "grant_ended",
         "Bevillingen slutter " + _fmt(end).fillna("") + ", senest på startdatoen i KP"),
        (time_limited, "excluded", "time_limited",
         "Tidsbegrænset bevilling (slutter " + _fmt(end).fillna("")
         + "); medtages ikke (selection.include_time_limited = false)"),
    ]
    decided, excluded = first_rule_wins(cases, "cases", rules)
    return cases[~decided], excluded
