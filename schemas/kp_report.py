"""The case report exported from KP (sagsrapport), after its headers are mapped (values still text).

KP's exact column names are an open question: the headers reach these fields through the configuration
(`[input.kp_report.columns]`) or the built-in aliases in `convert/fields.py`.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from convert.parsing import cpr_value, parse_dates, parsed

from .esdh import _LEN, Text, _Record


class KpReportRecord(_Record):
    """One case in KP: whose it is, what kind, and the grant's dates."""

    case_id: Text = pa.Field(nullable=True, str_length=_LEN)  # KP's own case number
    cpr: Text = pa.Field(nullable=False)
    name: Text = pa.Field(nullable=True, str_length=_LEN)
    case_type: Text = pa.Field(nullable=True, str_length=_LEN)
    title: Text = pa.Field(nullable=True, str_length=_LEN)
    application_date: Text = pa.Field(nullable=True)
    start_date: Text = pa.Field(nullable=True)
    end_date: Text = pa.Field(nullable=True)  # empty = open-ended (31-12-9999 is emptied when cleaned)
    status: Text = pa.Field(nullable=True, str_length=_LEN)

    @pa.check("cpr", name="valid_cpr")
    def _cpr(cls, s: Series[str]) -> Series[bool]:
        return parsed(s, cpr_value).notna()

    @pa.check("application_date", "start_date", "end_date", name="danish_date")
    def _date(cls, s: Series[str]) -> Series[bool]:
        return parsed(s, parse_dates).notna()
