"""The worksheet's layout, declared once: its file name, its sheets, the checklist the team fills in, and how a
sheet too long for Excel continues. The headers themselves are the contract's (`schemas.worksheet`)."""

from __future__ import annotations

import re
from pathlib import Path

from schemas.worksheet import LeftCaseRow, WorksheetRow

from ..xlsx import Column

W = WorksheetRow
WORKSHEET_NAME = "konverteringsark.xlsx"
CASE_SHEET = "Sager"
LEFT_SHEET = "Udgåede sager"
CASE_ID = W.case_id
REASON = LeftCaseRow.reason
CONTEXT = (W.cpr, W.name, W.title)  # kept with an entry whose case left, so the team knows who it was
YES_NO = ("Ja", "Nej")
# Group headings over the Sager sheet's header: whose column it is
TEAM_GROUP = "Udfyldes af teamet"
TOOL_GROUP = "Skrives af kp-convert ved hver kørsel"
_KEPT = "Udfyldes af teamet: kp-convert tager det I skriver her med til samme sag ved næste kørsel. "
# The team's checklist: carried over on re-runs, keyed on the ESDH case number. Narrow, so that the columns a
# caseworker prints (PRINTED_HEADERS) fit one A4 page width at 8 pt or more.
CHECKLIST = [
    Column(W.created, choices=YES_NO, width=8.5, team=True, group=TEAM_GROUP,
           comment=_KEPT + "Ja når sagen er oprettet i KP."),
    Column(W.kp_number, width=11, team=True, group=TEAM_GROUP, comment=_KEPT + "KP's sagsnummer for den nye sag."),
    Column(W.documents_attached, choices=YES_NO, width=11.5, team=True, group=TEAM_GROUP,
           comment=_KEPT + "Ja når dokumenterne er lagt på sagen i KP med deres dokumentkategori (arket Dokumenter)."),
    Column(W.closed, choices=YES_NO, width=7.5, team=True, group=TEAM_GROUP,
           comment=_KEPT + "Ja når ESDH-sagen er lukket med lukkenotatet (arket Lukkenotater)."),
    Column(W.initials, width=7.5, team=True, group=TEAM_GROUP, comment=_KEPT + "Initialer på den der konverterede."),
    Column(W.checked_date, kind="date", width=10.5, date_entry=True, team=True, group=TEAM_GROUP,
           comment=_KEPT + "Datoen sagen blev konverteret (dd-mm-åååå)."),
]
CHECKLIST_HEADERS = [c.header for c in CHECKLIST]
OWN_COLUMN_NOTE = _KEPT + "(En kolonne I selv har tilføjet.)"
# What a caseworker prints of the Sager sheet (and each batch sheet): the first columns, in this order
PRINTED_HEADERS = [CASE_ID, W.cpr, W.name, W.application_date, W.start_date, W.document_count, W.remarks,
                   *CHECKLIST_HEADERS]
_CONTINUED = re.compile(r"(?P<sheet>.+) \((?P<part>[0-9]+)\)")


def continuation_name(sheet: str, part: int) -> str:
    """Past Excel's row limit a sheet continues on 'Sager (2)', 'Sager (3)' …"""
    return sheet if part == 1 else f"{sheet} ({part})"


def is_part_of(name: str, sheet: str) -> bool:
    """'Sager' and its numbered continuations – not a copy the team made ('Sager (kopi)')."""
    m = _CONTINUED.fullmatch(name)
    return name == sheet or (m is not None and m["sheet"] == sheet)


def lock_files(path: Path) -> list[Path]:
    """Owner files Excel and LibreOffice keep next to a workbook while it is open."""
    name = path.name
    return [path.with_name(n) for n in (f"~${name}", f"~${name[2:]}", f".~lock.{name}#")]


def open_lock(path: Path) -> Path | None:
    """The lock file that says the workbook is open in Excel or LibreOffice, if any."""
    return next((p for p in lock_files(path) if p.exists()), None)
