"""What the stages hand on: the typed tables, the converted cases, the categorised documents and the ledger.

These models are the contract between the stages and the writers: stage boundaries are annotated with them and
code names columns through them (`ConvertedCase.application_date` is the text "application_date").
`tests/test_contract.py` validates the sample batch's frames against them.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

Text = Series[pd.StringDtype]
Date = Series[pa.DateTime]
Int = Series[pd.Int64Dtype]
Float = Series[pd.Float64Dtype]
OUTCOMES = ("converted", "excluded", "rejected")
TABLES = ("cases", "documents", "assets", "kp_report", "esdh_export")


class Origin(pa.DataFrameModel):
    """Where a row came from: the file as written in the configuration and the row a person would see."""

    source_file: Series[str]
    source_row: Series[int]

    class Config:
        strict = False  # models name the columns they promise; frames may carry more
        coerce = False


class TypedCase(Origin):
    """A case that passed validation: CPR normalised to 10 digits, dates, amounts in øre, percentages."""

    case_id: Text
    cpr: Text = pa.Field(str_matches=r"^[0-9]{10}$")
    cpr_replacement: Series[bool]  # erstatningspersonnummer (day + 60)
    cpr_padded: Series[bool]  # the export had 9 digits: a leading 0 was put back (a guess, flagged)
    name: Text = pa.Field(nullable=True)
    title: Text = pa.Field(nullable=True)
    benefit: Text = pa.Field(nullable=True)
    status: Text
    grant_date: Date = pa.Field(nullable=True)
    end_date: Date = pa.Field(nullable=True)
    tillaegsprocent: Float = pa.Field(nullable=True, in_range={"min_value": 0, "max_value": 100})
    pension_type: Text = pa.Field(nullable=True)
    asset_date: Date = pa.Field(nullable=True)
    assets: Int = pa.Field(nullable=True)  # øre
    caseworker: Text = pa.Field(nullable=True)
    estimate: Int = pa.Field(nullable=True)  # øre


class ConvertedCase(TypedCase):
    """A running foot-care grant to create in KP: the KP dates, flags, documents and closing note, and the plan."""

    application_date: Date = pa.Field(nullable=True)  # latest asset declaration on or before the cut-over
    start_date: Date  # the cut-over date
    declared_assets: Int = pa.Field(nullable=True)  # øre, from the declaration that gave the application date
    flag_codes: Text  # '|'-joined codes of convert.codes.FLAGS ('' when none)
    remarks: Text  # the flags in Danish, '; '-joined
    document_count: Int = pa.Field(nullable=True)  # <NA> when no documents export is configured
    uncategorised_count: Series[int]
    closing_note: Text  # the journal note for the ESDH case being closed
    plan_batch: Int = pa.Field(nullable=True)
    plan_position: Int = pa.Field(nullable=True)
    plan_caseworker: Text = pa.Field(nullable=True)
    plan_day: Date = pa.Field(nullable=True)
    plan_minutes: Series[float]
    plan_status: Text = pa.Field(isin=["planned", "held_back", "no_caseworker"])


class TypedDocument(Origin):
    """A document that passed validation."""

    case_id: Text
    document_id: Text
    title: Text
    doc_type: Text = pa.Field(nullable=True)
    doc_date: Date = pa.Field(nullable=True)
    filename: Text = pa.Field(nullable=True)


class CategorisedDocument(TypedDocument):
    """A document of a converted case with the KP document category it must get."""

    category: Text


class TypedAsset(Origin):
    """An asset declaration that passed validation."""

    cpr: Text = pa.Field(str_matches=r"^[0-9]{10}$")
    cpr_replacement: Series[bool]
    declaration_date: Date
    assets: Int = pa.Field(nullable=True)  # øre


class LedgerRow(Origin):
    """One line per input record: its fate, the rule or problem, and a Danish reason."""

    table: Series[str] = pa.Field(isin=TABLES)
    case_id: Text  # '' when the record has none
    outcome: Series[str] = pa.Field(isin=OUTCOMES)
    reason_code: Text  # '|'-joined when a rejected row has several problems
    reason: Text


LEDGER_COLUMNS = [LedgerRow.source_file, LedgerRow.source_row, LedgerRow.table, LedgerRow.case_id,
                  LedgerRow.outcome, LedgerRow.reason_code, LedgerRow.reason]
