"""Closing notes (lukkenotater) for the ESDH cases, from the configured template: a stage of its own, so the
worksheet, the CSV file and the order all use the same note."""

from __future__ import annotations

import datetime as dt
import string

import pandas as pd

from schemas.batch import ConvertedCase as C

from ..danish.format import format_dates
from ..progress import stage

NOT_DECLARED = "(ikke oplyst)"


@stage("closing_notes", "Danner lukkenotater")
def closing_notes(cases: pd.DataFrame, template: str, *, start_date: dt.date, municipality: str,
                  batch_name: str) -> pd.DataFrame:
    """The cases with their note (`closing_note`); the template's {fields} are filled column-wise."""
    values: dict[str, pd.Series | str] = {
        "sagsnr": cases[C.case_id].astype("string"),
        "startdato": start_date.strftime("%d-%m-%Y"),
        "ansoegningsdato": format_dates(cases[C.application_date]).fillna(NOT_DECLARED),
        "kommune": municipality,
        "batch": batch_name,
    }
    note = pd.Series("", index=cases.index, dtype="string")
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        note = note + literal
        if name is not None:
            note = note + values[name]
    return cases.assign(**{C.closing_note: note})
