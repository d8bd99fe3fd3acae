"""The ESDH export tables after their headers are mapped to canonical fields (values still text).

Empty cells are <NA> here (the validation stage cleans them first), so `nullable=False` means "a value is
required" and `required=True` means "the file must have the column". Aliases are the headers a municipality's
export is recognised by (compared with case, spaces and punctuation ignored); `[input.X.columns]` in the
configuration maps any other header.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from .contract import Record, field

Text = Series[pd.StringDtype]

# Headers seen in real ESDH systems' exports and APIs (shared/reference/esdh-headers.md lists the sources): SBSYS
# (CPRnummer, primaer_parts_cpr, PrimaerPartCprNummer), Acadre (CaseFileNumberIdentifier, TitleAlternativeText),
# WorkZone (Tilstand, Sagsbehandler), KMD Nova (userFriendlyCaseNumber), GetOrganized (CaseID), archive versions
# (sagsnr, CPRNR, SAGSBEH). Matched with case, spaces and punctuation ignored.
CPR_ALIASES = ("CPR", "CPR-nr.", "CPR nr", "Cpr nummer", "CPR-nummer", "Personnummer", "Person nr.",
               "Borger CPR", "Borgers CPR", "Part CPR", "CPRnummer", "CPRNR", "Primær parts CPR",
               "primaer_parts_cpr", "PrimaerPartCprNummer", "primaerPartCpr", "Borgers CPR-nr.")
CASE_ID_ALIASES = ("Sagsnr.", "Sagsnummer", "Sags-nr.", "Sag nr.", "ESDH-sagsnr.", "Sags id", "Sag-ID",
                   "Journalnummer", "Journalnr.", "Nummer", "CaseFileNumberIdentifier", "userFriendlyCaseNumber",
                   "CaseID", "SagID", "Sag")
STATUS_ALIASES = ("Sagsstatus", "Status", "Sagstilstand", "Tilstand", "sagsstatus_tekst", "CaseFileStatusCode",
                  "progressState")


class CaseRecord(Record):
    """One ESDH case (sag) of the cases export."""

    case_id: Text = field("Sagsnr.", "text", CASE_ID_ALIASES, required=True, nullable=False)
    cpr: Text = field("CPR-nr.", "cpr", CPR_ALIASES, required=True, nullable=False)
    name: Text = field("Navn", "text", ("Navn", "Borgernavn", "Borgers navn", "Fulde navn", "Part navn", "Partsnavn",
                                        "primaer_parts_navn", "Primær parts navn", "TitleAlternativeText"))
    # Acadre's CaseFileTitleText holds the CPR number for a citizen's case: a column of CPR numbers is never taken as
    # the title (convert.read.columns), whatever its header says
    title: Text = field("Sagstitel", "text", ("Sagstitel", "Titel", "Sagsoverskrift", "Overskrift", "Sagsbeskrivelse",
                                              "SagsTitel", "Korttekst", "CaseFileTitleText"))
    benefit: Text = field("Ydelse", "text", ("Ydelse", "Ydelsestype", "Bevillingstype", "Sagstype", "Tilskudstype",
                                             "Ydelsesart", "Ydelsesnavn"))
    # a decision field: it decides the selection, so the run stops when it is not found (unless the configuration
    # says the export has none: [input.cases] not_in_export); hence not `required` here
    status: Text = field("Sagsstatus", "text", STATUS_ALIASES, nullable=False)
    grant_date: Text = field("Bevilget dato", "date", ("Bevilget dato", "Bevillingsdato", "Bevilget", "Startdato",
                                                       "Bevilling start", "Gyldig fra", "Bevilget fra", "Bevilling fra",
                                                       "Ikrafttrædelse", "Ikrafttrædelsesdato", "Virkningsdato",
                                                       "Periode fra"))
    # the grant's end, not the case's: 'Afsluttet dato' / 'ClosedDate' say when a case was closed (the status decides)
    end_date: Text = field("Slutdato", "date", ("Slutdato", "Bevilling slut", "Udløbsdato", "Gyldig til",
                                                "Ophørsdato", "Bevilget til", "Bevilling til", "Ophør", "Ophørt",
                                                "Periode til"))
    # never 'Helbredstillægsprocent': KP shows it too, but it is the personal percentage × 85 %
    tillaegsprocent: Text = field("Tillægsprocent", "percent", ("Tillægsprocent", "Personlig tillægsprocent",
                                                                "Tillaegsprocent", "Tillægs-procent",
                                                                "Tillægsprocent (personlig)"))
    pension_type: Text = field("Pensionstype", "text", ("Pensionstype", "Pensionsart", "Pensionsstatus"))
    asset_date: Text = field("Formue oplyst dato", "date", ("Formue oplyst dato", "Formue oplyst",
                                                            "Seneste formueoplysning", "Formuedato",
                                                            "Dato for formue"))
    assets: Text = field("Formue", "amount", ("Formue", "Likvid formue", "Formue kr.", "Formuebeløb"))
    caseworker: Text = field("Sagsbehandler", "text", ("Sagsbehandler", "Ansvarlig", "Sagsansvarlig", "Behandler",
                                                       "Ansvarlig sagsbehandler", "ResponsibleUserName", "SAGSBEH"))
    estimate: Text = field("Overslag", "amount", ("Overslag", "Pris", "Overslag kr.", "Beløb"))

    class Config:
        title = "sager"


class DocumentRecord(Record):
    """One document of the documents export, belonging to an ESDH case."""

    case_id: Text = field("Sagsnr.", "text", CASE_ID_ALIASES, required=True, nullable=False)
    document_id: Text = field("Dokument-id", "text", ("Dokument-id", "Dokumentid", "Dok.nr.", "Dokumentnr.",
                                                      "Dokumentnummer", "Dok-id", "Akt-id", "Aktnummer", "AKTNR",
                                                      "DocID", "documentNumber", "Id"),
                              required=True, nullable=False)
    title: Text = field("Dokumenttitel", "text", ("Dokumenttitel", "Titel", "Dokumentnavn", "Beskrivelse",
                                                  "Overskrift", "Navn", "Title"), required=True, nullable=False)
    doc_type: Text = field("Dokumenttype", "text", ("Dokumenttype", "Type", "Dokumentart", "Kategori", "Akttype",
                                                    "AKTTYPE", "documentType", "Dokumentgruppe"))
    doc_date: Text = field("Dokumentdato", "date", ("Dokumentdato", "Dato", "Oprettet", "Oprettelsesdato",
                                                    "Brevdato", "documentDate", "BREVDATO"))
    filename: Text = field("Filnavn", "text", ("Filnavn", "Fil", "Filsti", "Sti", "Fil navn"))

    class Config:
        title = "dokumenter"


class AssetRecord(Record):
    """One asset declaration (formueoplysning) of a citizen."""

    cpr: Text = field("CPR-nr.", "cpr", CPR_ALIASES, required=True, nullable=False)
    declaration_date: Text = field("Formue oplyst dato", "date", ("Formue oplyst dato", "Formue oplyst", "Dato",
                                                                  "Oplyst dato", "Erklæringsdato", "Formuedato",
                                                                  "Dato for formue"), required=True, nullable=False)
    assets: Text = field("Formue", "amount", ("Formue", "Likvid formue", "Formue kr.", "Beløb", "Formuebeløb"))

    class Config:
        title = "formueoplysninger"


class EsdhExportRecord(Record):
    """One case of an ESDH cases export taken after the conversion (read by `kp-convert reconcile`)."""

    case_id: Text = field("Sagsnr.", "text", CASE_ID_ALIASES, required=True, nullable=False)
    status: Text = field("Sagsstatus", "text", STATUS_ALIASES, required=True, nullable=False)
    # empty = no note; compared with the configured marker only, so not held to Excel's cell limit
    closing_note: Text = field("Lukkenotat", "text", ("Lukkenotat", "Journalnotat", "Notat", "Seneste notat",
                                                      "Seneste journalnotat", "Notattekst", "Afslutningsnotat",
                                                      "Journalnote"), required=True, limit_length=False)

    class Config:
        title = "ESDH-udtræk efter konvertering"
