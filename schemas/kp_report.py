"""The case report exported from KP (sagsrapport), after its headers are mapped (values still text).

KP's exact column names are an open question: the aliases below are defaults, and `[input.kp_report.columns]`
maps any other header. The return file Netcompany fills in after an ordered conversion (retur_skabelon.xlsx, see
`convert.order.returnfile`) is read as a KP report too: its fixed headers are among the aliases, and it adds the
ESDH case number each KP case was made from and the number of documents attached.
"""

from __future__ import annotations

from .contract import Record, field
from .esdh import CPR_ALIASES, Text


class KpReportRecord(Record):
    """One case in KP: whose it is, what kind, and the grant's dates."""

    case_id: Text = field("KP-sagsnr.", "text", ("KP-sagsnr.", "KP sagsnummer", "Sagsnr.", "Sagsnummer", "Sags-id",
                                                 "Sagsid", "Sag-ID", "Sags nr.", "Sag nr."))  # KP's own case number
    cpr: Text = field("CPR-nr.", "cpr", CPR_ALIASES, required=True, nullable=False)
    name: Text = field("Navn", "text", ("Navn", "Borgernavn", "Borgers navn", "Fulde navn"))
    case_type: Text = field("Sagstype", "text", ("Sagstype", "Sagskategori", "Ydelse", "Ydelsestype",
                                                 "Bevillingstype"))
    title: Text = field("Titel", "text", ("Titel", "Sagstitel", "Sagsoverskrift", "Overskrift"))
    application_date: Text = field("Ansøgningsdato", "date", ("Ansøgningsdato", "Ansoegningsdato", "Ansøgt dato",
                                                              "Ansøgningsdato (KP)"), required=True)
    start_date: Text = field("Bevilling start", "date", ("Bevilling start", "Bevillingsstart", "Bevilling fra",
                                                         "Startdato", "Startdato (KP)", "Gyldig fra"), required=True)
    # empty = open-ended (31-12-9999 is emptied when cleaned)
    end_date: Text = field("Bevilling slut", "date", ("Bevilling slut", "Bevillingsslut", "Bevilling til", "Slutdato",
                                                      "Gyldig til"), required=True)
    status: Text = field("Status", "text", ("Status", "Sagsstatus", "Tilstand"))
    # the return file of an ordered conversion: the ESDH case the KP case was made from, documents attached
    esdh_case_id: Text = field("ESDH-sagsnr.", "text", ("ESDH-sagsnr.", "ESDH sagsnr", "ESDH-sagsnummer"))
    document_count: Text = field("Antal dokumenter vedhæftet", "text", ("Antal dokumenter vedhæftet",
                                                                         "Dokumenter vedhæftet"))

    class Config:
        title = "KP-rapport"
