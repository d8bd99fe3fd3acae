"""Select the running foot-care grants; everything else is excluded with the rule that excluded it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import pandas as pd

from schemas.batch import TypedCase as C

from ..danish.format import format_dates, pattern_in_words
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
        foot_care |= pattern.contains(cases[name])
    active = {s.casefold() for s in selection.active_statuses}
    is_active = (cases[C.status].str.strip().str.casefold().isin(active).astype(bool) if C.status in present
                 else pd.Series(True, index=cases.index))
    cutover = pd.Timestamp(cutover_date)
    end = cases[C.end_date]
    ended = end.notna() & (end <= cutover)
    time_limited = end.notna() & (end > cutover) & (not selection.include_time_limited)

    running = ", ".join(selection.active_statuses)
    rules: list[Rule] = [  # in the order they are applied
        (~foot_care, "excluded", "not_foot_care",
         pd.Series(f"Ikke fodbehandling ({_not_foot_care(fields, pattern.pattern)})", index=cases.index)),
        (~is_active, "excluded", "status_not_active",
         "Sagsstatus '" + cases[C.status].fillna("") + f"' er ikke en løbende status (løbende er: {running})"),
        (ended, "excluded", "grant_ended",
         "Bevillingen slutter " + format_dates(end).fillna("") + ", senest på startdatoen i KP"),
        (time_limited, "excluded", "time_limited",
         "Tidsbegrænset bevilling (slutter " + format_dates(end).fillna("")
         + ") – tidsbegrænsede bevillinger konverteres ikke i denne batch"),
    ]
    decided, excluded = first_rule_wins(cases, "cases", rules)
    return cases[~decided], excluded


def _not_foot_care(fields: list[str], pattern: str) -> str:
    """Why a case is not foot care, in words a caseworker reads (never the regular expression itself)."""
    names = [{"benefit": "ydelsen", "title": "sagstitlen"}[f] for f in fields]
    words = pattern_in_words(pattern)
    if words is None:
        return " og ".join(names) + " passer ikke med kommunens mønster for fodbehandling (se Oversigt)"
    verb, rest = words.split(" ", 1)  # 'indeholder »a« eller »b«' / 'er »a«'
    if len(names) > 1:
        return f"hverken {' eller '.join(names)} {verb} {rest}"
    return f"{names[0]} {verb} ikke {rest}"
