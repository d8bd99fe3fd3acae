"""The worksheet (konverteringsark.xlsx) as the team keeps it: the Sager sheet's columns, by their Danish headers.

The worksheet is the team's own record, so its cells are read as they were typed (text, numbers, real dates);
these models name the columns (the alias is the header), say which the tool cannot do without when it reads a
sheet back (`required`), and are the one place the headers are written down: the writer's layout
(`convert.write.worksheet.layout`) and the one reader use them.
"""

from __future__ import annotations

from typing import Any

import pandera.pandas as pa
from pandera.typing import Series

Cell = Series[object]  # as typed by the team: text, a number or a date


def _h(header: str, *, required: bool = False) -> Any:  # Any, as pa.Field itself
    return pa.Field(alias=header, nullable=True, required=required)


class WorksheetRow(pa.DataFrameModel):
    """One case on the Sager sheet: the tool's columns, then the team's checklist."""

    case_id: Cell = _h("ESDH-sagsnr.", required=True)
    cpr: Cell = _h("CPR-nr.", required=True)
    name: Cell = _h("Navn")
    title: Cell = _h("Sagstitel")
    caseworker: Cell = _h("Sagsbehandler (ESDH)")
    application_date: Cell = _h("Ansøgningsdato (KP)", required=True)
    start_date: Cell = _h("Startdato (KP)", required=True)
    assets: Cell = _h("Formue (kr.)")
    tillaegsprocent: Cell = _h("Tillægsprocent")
    pension_type: Cell = _h("Pensionstype")
    estimate: Cell = _h("Overslag (kr.)")
    subsidy_estimate: Cell = _h("Tilskud ved overslag (kr.)")
    subsidy_agreement: Cell = _h("Tilskud ved prisaftale (kr.)")
    document_count: Cell = _h("Antal dokumenter")
    remarks: Cell = _h("Bemærkninger")
    plan_batch: Cell = _h("Batch")
    plan_position: Cell = _h("Nr. i batch")
    plan_caseworker: Cell = _h("Sagsbehandler (plan)")
    plan_day: Cell = _h("Planlagt dag")
    plan_minutes: Cell = _h("Estimeret tid (min.)")
    plan_status: Cell = _h("Planstatus")
    # the team's checklist
    created: Cell = _h("Oprettet i KP", required=True)
    kp_number: Cell = _h("KP-sagsnr.", required=True)
    documents_attached: Cell = _h("Dokumenter tilknyttet")
    closed: Cell = _h("Lukket i ESDH")
    initials: Cell = _h("Initialer")
    checked_date: Cell = _h("Dato")
    source: Cell = _h("Kilde (fil:linje)")

    class Config:
        strict = False  # the team may add columns of its own


class LeftCaseRow(pa.DataFrameModel):
    """One row of 'Udgåede sager': a case that left the batch, with the team's entries and why it left."""

    case_id: Cell = _h("ESDH-sagsnr.", required=True)
    cpr: Cell = _h("CPR-nr.")
    name: Cell = _h("Navn")
    title: Cell = _h("Sagstitel")
    reason: Cell = _h("Udgået fordi")

    class Config:
        strict = False
