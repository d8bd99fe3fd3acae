"""`--update-worksheet`: write KP's case number of every matched case into the worksheet's KP-sagsnr. column.

The team's workbook is precious: only empty KP-sagsnr. cells are filled; a cell that already holds the same
number is left alone, one that holds another number is a conflict and is never overwritten. Everything else in
the workbook stays as it was, byte for byte: only the rows that get a number are rewritten in the sheet's XML
(`write.worksheet.patch`), so the update costs about a read of the worksheet, not a save of it. The new workbook
is written to a temporary file in the same folder and renamed into place (never a half-written worksheet); the
previous version is kept as a timestamped backup.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from pathlib import Path

import pandas as pd

from schemas.worksheet import WorksheetRow as W

from ..errors import InputError, OutputError
from ..read.xlsx import cell_text
from ..write.worksheet.layout import open_lock
from ..write.worksheet.patch import Cells, Unsupported, fill_cells
from ..write.worksheet.read import ROW, SHEET, read_worksheet

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
    check_not_open(path)
    where = _locate(path)
    current: dict[tuple[str, int, int], str] = {}  # what each cell holds, with this update's numbers
    actions = []
    for case_id, kp_no in zip(numbers["case_id"], numbers["kp_case_id"].astype(str).str.strip(), strict=True):
        if case_id not in where:
            actions.append((case_id, NOT_FOUND, "", 0, "", kp_no))
            continue
        sheet, row, col, typed = where[case_id]
        old = current.get((sheet, row, col), typed)
        if not old:
            current[(sheet, row, col)] = kp_no
            actions.append((case_id, FILLED, sheet, row, old, kp_no))
        else:
            actions.append((case_id, UNCHANGED if _same(old, kp_no) else CONFLICT, sheet, row, old, kp_no))
    result = pd.DataFrame(actions, columns=["case_id", "action", "sheet", "row", "old", "new"])
    fills = {cell: kp for cell, kp in current.items() if kp}
    backup = None
    if fills:
        backup, formulas = _save(path, fills)
        if formulas:  # a formula in the cell (its result empty): the team's, never overwritten
            held = pd.Series(list(zip(result["sheet"], result["row"], strict=True)), index=result.index).isin(
                {(s, r) for s, r, _ in formulas})
            result.loc[held & result["action"].eq(FILLED), "action"] = CONFLICT
    return result, backup


def _locate(path: Path) -> dict[str, tuple[str, int, int, str]]:
    """ESDH case number -> (sheet, row, KP-sagsnr. column, its text), the first row of each case (as the reader
    uses)."""
    sheet = read_worksheet(path)
    for name in sheet.sheets:
        if W.kp_number not in sheet.columns[name]:
            raise InputError(f"{path.name}, ark '{name}': kolonnerne '{W.case_id}' og '{W.kp_number}' skal findes")
    rows = sheet.rows[sheet.rows[W.case_id].ne("")].drop_duplicates(W.case_id)
    return {case: (name, int(row), sheet.columns[name][W.kp_number], cell_text(typed).strip())
            for case, name, row, typed in zip(rows[W.case_id], rows[SHEET], rows[ROW], rows[W.kp_number],
                                              strict=True)}


def _save(path: Path, cells: dict[tuple[str, int, int], str]) -> tuple[Path | None, set[tuple[str, int, int]]]:
    """Backup, then the workbook with `cells` filled written beside it and renamed into place. Returns (backup, or
    None when every cell held a formula and nothing was written; the cells left alone because they hold one)."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    by_sheet: Cells = {}
    for (sheet, row, col), text in cells.items():
        by_sheet.setdefault(sheet, {})[(row, col)] = text
    try:
        shutil.copy2(path, backup)
        try:
            formulas = fill_cells(path, tmp, by_sheet)
        except Unsupported:  # a layout the patcher does not know: the whole workbook through openpyxl
            formulas = _save_with_openpyxl(path, tmp, by_sheet)
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            tmp.unlink(missing_ok=True)
            raise InputError(f"Konverteringsarket kan ikke åbnes til opdatering: {path} ({exc})") from None
        if formulas == set(cells):  # nothing was written after all
            tmp.unlink()
            backup.unlink()
            return None, formulas
        if os.name == "posix":
            os.chmod(tmp, 0o600)  # CPR numbers and health data: owner only, as the run's outputs
            os.chmod(backup, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"Konverteringsarket kunne ikke opdateres: {path} ({exc.strerror})",
                          hint="er arket åbent i Excel? Luk det og kør igen; arket er uændret") from None
    return backup, formulas


def _save_with_openpyxl(path: Path, tmp: Path, cells: Cells) -> set[tuple[str, int, int]]:
    import openpyxl

    wb = openpyxl.load_workbook(path)  # not read-only: the whole workbook is saved again
    formulas = set()
    for sheet, wanted in cells.items():
        ws = wb[sheet]
        for (row, col), text in wanted.items():
            cell = ws.cell(row=row, column=col)
            if cell.data_type == "f":
                formulas.add((sheet, row, col))
                continue
            cell.value = text
            cell.data_type = "s"  # a number from another system is text, never a formula
    wb.save(tmp)
    wb.close()
    return formulas
