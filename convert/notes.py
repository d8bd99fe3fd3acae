"""Closing notes (lukkenotater) for the ESDH cases, from the configured template."""

from __future__ import annotations

import string

import pandas as pd

from .compute import APPLICATION_DATE
from .config import Config
from .parsing import format_dates
from .progress import stage

NOT_DECLARED = "(ikke oplyst)"


@stage("closing_notes", "Danner lukkenotater")
def closing_notes(cases: pd.DataFrame, config: Config) -> pd.Series:
    """One note per case; the template's {fields} are filled column-wise (no per-row Python)."""
    start = config.cutover_date.strftime("%d-%m-%Y")
    values: dict[str, pd.Series | str] = {
        "sagsnr": cases["case_id"].astype("string"),
        "startdato": start,
        "ansoegningsdato": format_dates(cases[APPLICATION_DATE]).fillna(NOT_DECLARED),
        "kommune": config.municipality,
        "batch": config.batch_name,
    }
    note = pd.Series("", index=cases.index, dtype="string")
    for literal, name, _spec, _conv in string.Formatter().parse(config.closing_note_template):
        note = note + literal
        if name is not None:
            note = note + values[name]
    return note
