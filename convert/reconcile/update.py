"""`--update-worksheet`: write KP's case number of every matched case into the worksheet's KP-sagsnr. column.

The team's workbook is precious: only empty KP-sagsnr. cells are filled; a cell that already holds the same
number is left alone, one that holds another number is a conflict and is never overwritten. Everything else in
the workbook stays as it was. The new workbook is written to a temporary file in the same folder and renamed
into place (never a half-written worksheet); the previous version is kept as a timestamped backup.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from schemas.worksheet import WorksheetRow as W

from ..errors import InputError, OutputError
from ..read.xlsx import cell_text
from ..write.worksheet.layout import open_lock
from ..write.worksheet.read import ROW, SHEET, read_worksheet

if TYPE_CHECKING:  # openpyxl is imported where used
    from openpyxl import Workbook

FILLED, UNCHANGED, CONFLICT, NOT_FOUND = "filled", "unchanged", "conflict", "not_found"
ACTION_LABELS = {FILLED: "Skrevet", UNCHANGED: "Stod der allerede", CONFLICT: "Konflikt – ikke overskrevet",
                 NOT_FOUND: "Sagen findes ikke længere i arket"}


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def check_not_open(path: Path) -> None:
    """Excel and LibreOffice leave a lock file next to a workbook they have open: saving over it loses work."""
    if open_lock(path) is not None:
        raise OutputError(f"{path.name} ser ud til at være åben i Excel eller LibreOffice",
                          hint="luk arket og kør igen (ellers kan ændringer gå tabt)")


def fill_kp_numbers(path: Path, numbers: pd.DataFrame) -> tuple[pd.DataFrame, Path | None]:
    """`numbers`: case_id, kp_case_id. Returns (one row per case: action, sheet, row, old and new value; backup)."""
    import openpyxl

    check_not_open(path)
    try:
        wb = openpyxl.load_workbook(path)  # not read-only: the whole workbook is saved again
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"Konverteringsarket kan ikke åbnes til opdatering: {path} ({exc})") from None
    where = _locate(path)
    actions = []
    for case_id, kp_no in zip(numbers["case_id"], numbers["kp_case_id"].astype(str).str.strip(), strict=True):
        if case_id not in where:
            actions.append((case_id, NOT_FOUND, "", 0, "", kp_no))
            continue
        sheet, row, col = where[case_id]
        ws = wb[sheet]
        cell = ws.cell(row=row, column=col)
        old = cell_text(cell.value).strip()
        if not old:
            cell.value = kp_no
            cell.data_type = "s"  # a number from another system is text, never a formula
            actions.append((case_id, FILLED, ws.title, row, old, kp_no))
        else:
            actions.append((case_id, UNCHANGED if _same(old, kp_no) else CONFLICT, ws.title, row, old, kp_no))
    result = pd.DataFrame(actions, columns=["case_id", "action", "sheet", "row", "old", "new"])
    backup = None
    if (result["action"] == FILLED).any():
        backup = _save(wb, path)
    wb.close()
    return result, backup


def _locate(path: Path) -> dict[str, tuple[str, int, int]]:
    """ESDH case number -> (sheet, row, KP-sagsnr. column), the first row of each case (as the reader uses)."""
    sheet = read_worksheet(path)
    for name in sheet.sheets:
        if W.kp_number not in sheet.columns[name]:
            raise InputError(f"{path.name}, ark '{name}': kolonnerne '{W.case_id}' og '{W.kp_number}' skal findes")
    rows = sheet.rows[sheet.rows[W.case_id].ne("")].drop_duplicates(W.case_id)
    return {case: (name, int(row), sheet.columns[name][W.kp_number])
            for case, name, row in zip(rows[W.case_id], rows[SHEET], rows[ROW], strict=True)}


def _save(wb: Workbook, path: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        shutil.copy2(path, backup)
        wb.save(tmp)
        if os.name == "posix":
            os.chmod(tmp, 0o600)  # CPR numbers and health data: owner only, as the run's outputs
            os.chmod(backup, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"Konverteringsarket kunne ikke opdateres: {path} ({exc.strerror})",
                          hint="er arket åbent i Excel? Luk det og kør igen; arket er uændret") from None
    return backup
