"""The ESDH export tables after their headers are mapped to canonical fields (values still text).

The checks are vectorised and named; `convert.validate` turns each named failure into a Danish message.
Empty cells are <NA> here (the validation stage cleans them first), so `nullable=False` means "required".
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from convert.fields import MAX_TEXT_LENGTH
from convert.parsing import cpr_value, parse_amounts_ore, parse_dates, parse_percentages, parsed

Text = Series[pd.StringDtype]
_LEN = {"max_value": MAX_TEXT_LENGTH}


class _Record(pa.DataFrameModel):
    class Config:
        strict = False  # source_file / source_row travel alongside
        coerce = False


class CaseRecord(_Record):
    """One ESDH case (sag) of the cases export."""

    case_id: Text = pa.Field(nullable=False, str_length=_LEN)
    cpr: Text = pa.Field(nullable=False)
    name: Text = pa.Field(nullable=True, str_length=_LEN)
    title: Text = pa.Field(nullable=True, str_length=_LEN)
    benefit: Text = pa.Field(nullable=True, str_length=_LEN)
    status: Text = pa.Field(nullable=False, str_length=_LEN)
    grant_date: Text = pa.Field(nullable=True)
    end_date: Text = pa.Field(nullable=True)
    tillaegsprocent: Text = pa.Field(nullable=True)
    pension_type: Text = pa.Field(nullable=True, str_length=_LEN)
    asset_date: Text = pa.Field(nullable=True)
    assets: Text = pa.Field(nullable=True)
    caseworker: Text = pa.Field(nullable=True, str_length=_LEN)
    estimate: Text = pa.Field(nullable=True)

    @pa.check("cpr", name="valid_cpr")
    def _cpr(cls, s: Series[str]) -> Series[bool]:
        return parsed(s, cpr_value).notna()

    @pa.check("grant_date", "end_date", "asset_date", name="danish_date")
    def _date(cls, s: Series[str]) -> Series[bool]:
        return parsed(s, parse_dates).notna()

    @pa.check("assets", "estimate", name="danish_amount")
    def _amount(cls, s: Series[str]) -> Series[bool]:
        return parsed(s, parse_amounts_ore).notna()

    @pa.check("tillaegsprocent", name="percentage")
    def _percent(cls, s: Series[str]) -> Series[bool]:
        return parsed(s, parse_percentages).notna()


class DocumentRecord(_Record):
    """One document of the documents export, belonging to an ESDH case."""

    case_id: Text = pa.Field(nullable=False, str_length=_LEN)
    document_id: Text = pa.Field(nullable=False, str_length=_LEN)
    title: Text = pa.Field(nullable=False, str_length=_LEN)
    doc_type: Text = pa.Field(nullable=True, str_length=_LEN)
    doc_date: Text = pa.Field(nullable=True)
    filename: Text = pa.Field(nullable=True, str_length=_LEN)

    @pa.check("doc_date", name="danish_date")
    def _date(cls, s: Series[str]) -> Series[bool]:
        return parsed(s, parse_dates).notna()


class AssetRecord(_Record):
    """One asset declaration (formueoplysning) of a citizen."""

    cpr: Text = pa.Field(nullable=False)
    declaration_date: Text = pa.Field(nullable=False)
    assets: Text = pa.Field(nullable=True)

    @pa.check("cpr", name="valid_cpr")
    def _cpr(cls, s: Series[str]) -> Series[bool]:
        return parsed(s, cpr_value).notna()

    @pa.check("declaration_date", name="danish_date")
    def _date(cls, s: Series[str]) -> Series[bool]:
        return parsed(s, parse_dates).notna()

    @pa.check("assets", name="danish_amount")
    def _amount(cls, s: Series[str]) -> Series[bool]:
        return parsed(s, parse_amounts_ore).notna()


class EsdhExportRecord(_Record):
    """One case of an ESDH cases export taken after the conversion (read by `kp-convert reconcile`)."""

    case_id: Text = pa.Field(nullable=False, str_length=_LEN)
    status: Text = pa.Field(nullable=False, str_length=_LEN)
    closing_note: Text = pa.Field(nullable=True)  # empty = no note; checked against the configured marker
