"""The canonical fields of each input table, their Danish labels and the built-in header aliases.

A municipality's export header is matched to a canonical field by (1) the config's explicit mapping,
else (2) these aliases, compared after `normalise_header` (case, spaces and punctuation ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "cpr", "date", "amount", "percent"]
MAX_TEXT_LENGTH = 32_767  # Excel's limit for one cell: longer text cannot be written to the worksheet
TableName = Literal["cases", "documents", "assets", "kp_report", "esdh_export"]
ESDH_TABLES: tuple[TableName, ...] = ("cases", "documents", "assets")  # the batch's inputs (`[input.*]` of `run`)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str  # Danish, used in messages and the worksheet
    kind: Kind
    required: bool
    aliases: tuple[str, ...]


def normalise_header(header: object) -> str:
    """'CPR-nr.' -> 'cprnr'; 'Cpr nummer' -> 'cprnummer' (Danish letters kept)."""
    return re.sub(r"[^0-9a-zæøåäöü]", "", str(header).strip().lower())


_CPR_ALIASES = ("CPR", "CPR-nr.", "CPR nr", "Cpr nummer", "CPR-nummer", "Personnummer", "Person nr.",
                "Borger CPR", "Borgers CPR", "Part CPR")
_CASE_ID_ALIASES = ("Sagsnr.", "Sagsnummer", "Sags-nr.", "Sag nr.", "ESDH-sagsnr.", "Sags id", "Sag-ID",
                    "Journalnummer", "Journalnr.")

FIELDS: dict[TableName, tuple[FieldSpec, ...]] = {
    "cases": (
        FieldSpec("case_id", "Sagsnr.", "text", True, _CASE_ID_ALIASES),
        FieldSpec("cpr", "CPR-nr.", "cpr", True, _CPR_ALIASES),
        FieldSpec("name", "Navn", "text", False, ("Navn", "Borgernavn", "Borgers navn", "Fulde navn", "Part navn",
                                                   "Partsnavn")),
        FieldSpec("title", "Sagstitel", "text", False, ("Sagstitel", "Titel", "Sagsoverskrift", "Overskrift",
                                                         "Sagsbeskrivelse")),
        FieldSpec("benefit", "Ydelse", "text", False, ("Ydelse", "Ydelsestype", "Bevillingstype", "Sagstype",
                                                        "Tilskudstype", "Ydelsesart")),
        FieldSpec("status", "Sagsstatus", "text", True, ("Sagsstatus", "Status", "Sagstilstand", "Tilstand")),
        FieldSpec("grant_date", "Bevilget dato", "date", False, ("Bevilget dato", "Bevillingsdato", "Bevilget",
                                                                  "Startdato", "Bevilling start", "Gyldig fra")),
        FieldSpec("end_date", "Slutdato", "date", False, ("Slutdato", "Bevilling slut", "Udløbsdato",
                                                           "Gyldig til", "Ophørsdato")),
        FieldSpec("tillaegsprocent", "Tillægsprocent", "percent", False,
                  ("Tillægsprocent", "Personlig tillægsprocent", "Tillaegsprocent", "Tillægs-procent")),
        FieldSpec("pension_type", "Pensionstype", "text", False, ("Pensionstype", "Pensionsart",
                                                                   "Pensionsstatus")),
        FieldSpec("asset_date", "Formue oplyst dato", "date", False,
                  ("Formue oplyst dato", "Formue oplyst", "Seneste formueoplysning", "Formuedato",
                   "Dato for formue")),
        FieldSpec("assets", "Formue", "amount", False, ("Formue", "Likvid formue", "Formue kr.", "Formuebeløb")),
        FieldSpec("caseworker", "Sagsbehandler", "text", False, ("Sagsbehandler", "Ansvarlig", "Sagsansvarlig",
                                                                  "Behandler", "Ansvarlig sagsbehandler")),
        FieldSpec("estimate", "Overslag", "amount", False, ("Overslag", "Pris", "Overslag kr.", "Beløb")),
    ),
    "documents": (
        FieldSpec("case_id", "Sagsnr.", "text", True, _CASE_ID_ALIASES),
        FieldSpec("document_id", "Dokument-id", "text", True, ("Dokument-id", "Dokumentid", "Dok.nr.",
                                                                "Dokumentnr.", "Dokumentnummer", "Dok-id")),
        FieldSpec("title", "Dokumenttitel", "text", True, ("Dokumenttitel", "Titel", "Dokumentnavn",
                                                            "Beskrivelse", "Overskrift")),
        FieldSpec("doc_type", "Dokumenttype", "text", False, ("Dokumenttype", "Type", "Dokumentart",
                                                               "Kategori")),
        FieldSpec("doc_date", "Dokumentdato", "date", False, ("Dokumentdato", "Dato", "Oprettet",
                                                               "Oprettelsesdato", "Brevdato")),
        FieldSpec("filename", "Filnavn", "text", False, ("Filnavn", "Fil", "Filsti", "Sti", "Fil navn")),
    ),
    "assets": (
        FieldSpec("cpr", "CPR-nr.", "cpr", True, _CPR_ALIASES),
        FieldSpec("declaration_date", "Formue oplyst dato", "date", True,
                  ("Formue oplyst dato", "Formue oplyst", "Dato", "Oplyst dato", "Erklæringsdato",
                   "Formuedato", "Dato for formue")),
        FieldSpec("assets", "Formue", "amount", False, ("Formue", "Likvid formue", "Formue kr.", "Beløb",
                                                        "Formuebeløb")),
    ),
    # Read by `kp-convert reconcile`. KP's report columns are an open question: these aliases are defaults.
    "kp_report": (
        FieldSpec("case_id", "KP-sagsnr.", "text", False, ("KP-sagsnr.", "KP sagsnummer", "Sagsnr.", "Sagsnummer",
                                                            "Sags-id", "Sagsid", "Sag-ID", "Sags nr.", "Sag nr.")),
        FieldSpec("cpr", "CPR-nr.", "cpr", True, _CPR_ALIASES),
        FieldSpec("name", "Navn", "text", False, ("Navn", "Borgernavn", "Borgers navn", "Fulde navn")),
        FieldSpec("case_type", "Sagstype", "text", False, ("Sagstype", "Sagskategori", "Ydelse", "Ydelsestype",
                                                            "Bevillingstype")),
        FieldSpec("title", "Titel", "text", False, ("Titel", "Sagstitel", "Sagsoverskrift", "Overskrift")),
        FieldSpec("application_date", "Ansøgningsdato", "date", True,
                  ("Ansøgningsdato", "Ansoegningsdato", "Ansøgt dato", "Ansøgningsdato (KP)")),
        FieldSpec("start_date", "Bevilling start", "date", True,
                  ("Bevilling start", "Bevillingsstart", "Bevilling fra", "Startdato", "Startdato (KP)",
                   "Gyldig fra")),
        FieldSpec("end_date", "Bevilling slut", "date", True,
                  ("Bevilling slut", "Bevillingsslut", "Bevilling til", "Slutdato", "Gyldig til")),
        FieldSpec("status", "Status", "text", False, ("Status", "Sagsstatus", "Tilstand")),
    ),
    # A cases export taken from ESDH after the conversion: are the old cases closed, with their note?
    "esdh_export": (
        FieldSpec("case_id", "Sagsnr.", "text", True, _CASE_ID_ALIASES),
        FieldSpec("status", "Sagsstatus", "text", True, ("Sagsstatus", "Status", "Sagstilstand", "Tilstand")),
        FieldSpec("closing_note", "Lukkenotat", "text", True,
                  ("Lukkenotat", "Journalnotat", "Notat", "Seneste notat", "Seneste journalnotat", "Notattekst",
                   "Afslutningsnotat", "Journalnote")),
    ),
}

TABLE_LABELS: dict[str, str] = {"cases": "sager", "documents": "dokumenter", "assets": "formueoplysninger",
                                "kp_report": "KP-rapport", "esdh_export": "ESDH-udtræk efter konvertering"}


def field_names(table: TableName) -> list[str]:
    return [f.name for f in FIELDS[table]]


def spec(table: TableName, name: str) -> FieldSpec:
    for f in FIELDS[table]:
        if f.name == name:
            return f
    raise KeyError(name)
