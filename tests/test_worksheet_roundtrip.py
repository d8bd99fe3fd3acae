"""The worksheet as the team leaves it, read and updated: the sample batch's worksheet edited in openpyxl the way a
team works (checklist ticked, dates typed as dates and as text, a number stored as text, a KP number Excel made a
number, a column and a sheet of its own, hidden rows, a blank row, the sheet sorted, a formula), and the same file
re-saved by LibreOffice (shared strings, its own styles; skipped where soffice is missing).

- calamine's reader (`read_calamine`, the one used) gives every cell exactly as openpyxl's (`read_openpyxl`), so a re-run carries the same
  entries with either;
- `--update-worksheet` (`reconcile.update`) fills only the empty KP-sagsnr. cells and leaves every other cell,
  format, drop-down, filter, frozen header, print set-up and zip member as it was.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import convert.rerun
from convert.reconcile import update
from convert.reconcile.update import CONFLICT, FILLED, UNCHANGED, fill_kp_numbers
from convert.rerun import read_checklist
from convert.write.worksheet.patch import Unsupported
from convert.write.worksheet.read import READER_VARIABLE
from convert.write.worksheet.read_calamine import open_worksheet_calamine
from convert.write.worksheet.read_openpyxl import open_worksheet_openpyxl
from convert.write.worksheet.rows import WorksheetRows
from tests.conftest import kp_convert

CONFIG = Path(__file__).resolve().parents[1] / "sample_data" / "kp-convert.toml"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SHEETS = ("Sager", "Udgåede sager", "kp-convert")  # and the hidden sheet of what the tool wrote
NO_SOFFICE = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed – .ci/run installs it")
FORMULA_ROW = 13  # the KP-sagsnr. cell of this row holds a formula
VARIANTS = ["openpyxl", pytest.param("libreoffice", marks=NO_SOFFICE)]


def read_worksheet(path: Path, sheets: tuple[str, ...] = ("Sager",)) -> WorksheetRows:
    """The reference reader, openpyxl."""
    return open_worksheet_openpyxl(path, sheets=sheets).read()


def read_worksheet_fast(path: Path, sheets: tuple[str, ...] = ("Sager",)) -> WorksheetRows:
    """The reader used, python-calamine."""
    return open_worksheet_calamine(path, sheets=sheets).read()


def header_row(ws) -> int:
    """The Excel row of the Sager header (under the row of group headings)."""
    return next(r for r in range(1, 11) if ws.cell(r, 1).value == "ESDH-sagsnr.")


def team_edits(source: Path, target: Path) -> None:
    """What a team does to the worksheet in Excel, written with openpyxl."""
    wb = openpyxl.load_workbook(source)
    ws = wb["Sager"]
    top = header_row(ws)
    col = {c.value: c.column for c in ws[top]}
    last = ws.max_row
    # sorted by name, descending: every value of a row moves with it
    rows = [[ws.cell(r, c).value for c in range(1, ws.max_column + 1)] for r in range(top + 1, last + 1)]
    rows.sort(key=lambda v: str(v[col["Navn"] - 1] or ""), reverse=True)
    for r, values in enumerate(rows, start=top + 1):
        for c, v in enumerate(values, start=1):
            ws.cell(r, c).value = v
    note = ws.max_column + 1
    ws.cell(top, note, "Team-note")
    for i, r in enumerate(range(top + 1, top + 41)):
        ws.cell(r, col["Oprettet i KP"], "Ja" if i % 3 else "Nej")
        ws.cell(r, col["Initialer"], "ABJ")
        ws.cell(r, col["Dato"], dt.datetime(2027, 1, 5 + i % 20) if i % 2 else f"{5 + i % 20:02d}-01-2027")
        if i % 4 == 0:
            ws.cell(r, col["KP-sagsnr."], f"KP-{9000 + i}")
        ws.cell(r, note, "007" if i % 5 == 0 else f"ring {i}")
    ws.cell(top + 5, col["KP-sagsnr."], 123456)  # Excel made a typed number a number
    ws.cell(top + 6, col["KP-sagsnr."], "   ")  # only spaces: empty
    ws.cell(top + 7, col["Dokumenter tilknyttet"], True)
    ws.cell(top + 8, note, 12.5)
    ws.cell(top + 9, note, "=1+1")  # openpyxl stores no result; LibreOffice does
    ws.cell(FORMULA_ROW, col["KP-sagsnr."], "=\"KP-\"&\"1\"")  # a formula where the number goes: never overwritten
    for r in (top + 12, top + 13, top + 30):
        ws.row_dimensions[r].hidden = True
    for c in range(1, ws.max_column + 1):  # a blank row in the middle
        ws.cell(top + 20, c).value = None
    left = wb.create_sheet("Udgåede sager")
    left.append(["ESDH-sagsnr.", "Navn", "Årsag", "Oprettet i KP", "Dato"])
    left.append(["32.03.12-G01-999-24", "Borger Udgået", "Ikke i udtrækket", "Ja", dt.datetime(2027, 1, 2)])
    left.append([42, None, "tal", None, "02-01-2027"])
    wb.create_sheet("Teamets ark").append(["noter", 1, dt.datetime(2027, 1, 1)])
    wb.save(target)


@pytest.fixture(scope="module")
def worksheets(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("worksheets")
    result = kp_convert("run", CONFIG, "--out", d / "ud")
    assert result.exit_code == 0, result.output
    edited = d / "openpyxl" / "konverteringsark.xlsx"
    edited.parent.mkdir()
    team_edits(d / "ud" / "konverteringsark.xlsx", edited)
    out = {"openpyxl": edited}
    if SOFFICE:
        cmd = [SOFFICE, f"-env:UserInstallation={(d / 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx", "--outdir", str(d / "libreoffice"), str(edited)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        out["libreoffice"] = d / "libreoffice" / "konverteringsark.xlsx"
    return out


def _copy(worksheets: dict[str, Path], variant: str, tmp_path: Path) -> Path:
    path = tmp_path / "konverteringsark.xlsx"
    shutil.copyfile(worksheets[variant], path)
    return path


# ---- reading ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", VARIANTS)
def test_calamine_reads_every_cell_as_openpyxl_does(worksheets: dict[str, Path], variant: str) -> None:
    path = worksheets[variant]
    old, new = read_worksheet(path, sheets=SHEETS), read_worksheet_fast(path, sheets=SHEETS)
    assert new.sheets == old.sheets and set(old.sheets) == set(SHEETS)
    assert new.columns == old.columns and new.sha256 == old.sha256
    assert list(new.rows.columns) == list(old.rows.columns) and len(new.rows) == len(old.rows) > 150
    for name in old.rows.columns:  # cell by cell, with the type: a date stays a datetime, 7 an int, '007' text
        got = [(v, type(v)) for v in new.rows[name]]
        assert got == [(v, type(v)) for v in old.rows[name]], name
    typed = old.rows[old.rows["_sheet"] != "kp-convert"].set_index(["_sheet", "_row"])
    assert {type(v) for v in typed["Dato"]} == {dt.datetime, str, type(None)}
    assert "007" in set(typed["Team-note"]) and 123456 in set(typed["KP-sagsnr."])


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_rerun_reads_the_same_entries_with_either_reader(worksheets: dict[str, Path], variant: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = worksheets[variant]
    monkeypatch.setenv(READER_VARIABLE, "openpyxl")  # the old reader
    old = read_checklist(path, include_left=True)
    monkeypatch.delenv(READER_VARIABLE)  # the one used, calamine
    new = read_checklist(path, include_left=True)
    assert len(old) > 40
    pd.testing.assert_frame_equal(new, old)


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_rerun_reads_in_the_background_what_it_reads_in_one_go(worksheets: dict[str, Path], variant: str,
                                                                 tmp_path: Path) -> None:
    """The re-run opens the worksheet in a background thread and turns it into rows after the exports: the same
    rows, notes and fingerprints as reading it in one go."""
    folder = tmp_path / "out"
    folder.mkdir()
    shutil.copyfile(worksheets[variant], folder / "konverteringsark.xlsx")
    at_once = convert.rerun.read_previous_worksheet(folder / "konverteringsark.xlsx")
    background = convert.rerun.start_previous(folder).result()
    assert background is not None and background.notes == at_once.notes
    pd.testing.assert_frame_equal(background.rows, at_once.rows)
    assert at_once.fingerprints is not None and background.fingerprints is not None
    pd.testing.assert_frame_equal(background.fingerprints, at_once.fingerprints)


# ---- updating -----------------------------------------------------------------------------------------------

def _numbers(path: Path) -> pd.DataFrame:
    """KP's numbers for every case of the worksheet: KP-<row>, and the number already typed where there is one."""
    rows = read_worksheet(path).rows
    return pd.DataFrame({"case_id": rows["ESDH-sagsnr."], "kp_case_id": [f"KP-{r}" for r in rows["_row"]]})


def _cells(path: Path) -> dict[tuple[str, str], tuple[object, ...]]:
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): (c.value, c.number_format, *map(repr, (c.font, c.fill, c.border, c.alignment)))
            for ws in wb.worksheets for row in ws.iter_rows() for c in row}


def _sheet_setup(path: Path) -> dict[str, object]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: (ws.freeze_panes, ws.auto_filter.ref, ws.print_title_rows, ws.print_area,
                       [(v.type, v.formula1, str(v.sqref)) for v in ws.data_validations.dataValidation],
                       {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment},
                       {r: d.hidden for r, d in ws.row_dimensions.items() if d.hidden},
                       {k: d.width for k, d in ws.column_dimensions.items()}, str(ws.merged_cells),
                       ws.page_setup.orientation, ws.page_setup.paperSize) for ws in wb.worksheets}


@pytest.mark.parametrize("variant", VARIANTS)
def test_update_fills_only_empty_kp_cells_and_keeps_every_other_byte(worksheets: dict[str, Path], variant: str,
                                                                     tmp_path: Path) -> None:
    path = _copy(worksheets, variant, tmp_path)
    before_cells, before_setup, original = _cells(path), _sheet_setup(path), path.read_bytes()
    before_rows = read_worksheet(path).rows.set_index("ESDH-sagsnr.")
    result, backup = fill_kp_numbers(path, _numbers(path))

    assert backup is not None and backup.read_bytes() == original
    actions = result.set_index("case_id")["action"]
    typed = before_rows["KP-sagsnr."].map(lambda v: str(v).strip() if v is not None else "").reindex(actions.index)
    formula = before_rows.index[before_rows["_row"].eq(FORMULA_ROW)]  # its result: 'KP-1' (LibreOffice) or none
    assert set(actions[typed.eq("") & ~actions.index.isin(formula)]) == {FILLED}
    assert set(actions[typed.ne("") | actions.index.isin(formula)]) == {CONFLICT}  # KP-9000…, 123456, the formula
    after_cells = _cells(path)
    kp_col = openpyxl.utils.get_column_letter(read_worksheet(path).columns["Sager"]["KP-sagsnr."])
    filled = {("Sager", f"{kp_col}{r}"): f"KP-{r}" for r in result.loc[result["action"].eq(FILLED), "row"]}
    assert len(filled) > 100
    for key, cell in before_cells.items():
        if key in filled:
            value, number_format, *_ = after_cells[key]
            assert (value, number_format) == (filled[key], "General")
        else:
            assert after_cells[key] == cell, key  # value and every format
    assert _sheet_setup(path) == before_setup
    with zipfile.ZipFile(backup) as old, zipfile.ZipFile(path) as new:
        assert [i.filename for i in new.infolist()] == [i.filename for i in old.infolist()]
        changed = {i.filename for i in new.infolist() if new.read(i) != old.read(i.filename)}
        assert len(changed) == 1 and new.testzip() is None  # only the Sager sheet's XML
    after_rows = read_worksheet(path).rows.set_index("ESDH-sagsnr.")
    assert (after_rows.drop(columns="KP-sagsnr.").fillna("").equals(before_rows.drop(columns="KP-sagsnr.")
                                                                     .fillna("")))
    assert read_worksheet_fast(path).rows.equals(read_worksheet(path).rows)

    again, second = fill_kp_numbers(path, _numbers(path))  # nothing left to fill: nothing written
    assert second is None and set(again["action"]) == {UNCHANGED, CONFLICT}


def test_a_layout_the_patcher_does_not_know_is_saved_through_openpyxl(worksheets: dict[str, Path], tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fast").mkdir()
    path, patched = _copy(worksheets, "openpyxl", tmp_path), _copy(worksheets, "openpyxl", tmp_path / "fast")
    fast, _ = fill_kp_numbers(patched, _numbers(patched))

    def unsupported(*_: object) -> set[tuple[str, int, int]]:
        raise Unsupported("rows without their number")

    monkeypatch.setattr(update, "fill_cells", unsupported)
    slow, backup = fill_kp_numbers(path, _numbers(path))
    assert backup is not None and slow.equals(fast)
    assert read_worksheet(path).rows.equals(read_worksheet(patched).rows)
