"""No edit is lost in silence: a tool cell the team typed over is kept, listed in 'Teamets rettelser' and counted.

The team's edits are made with openpyxl (as Excel saves them) and, where LibreOffice is installed, re-saved by it;
the worksheet must never report an edit the team did not make (no false alarms after a plain re-save).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from convert.write.cells import CELL_MAX, CUT_NOTE, cell_values, excel_serial, fit_text
from convert.write.worksheet.fingerprints import (
    FINGERPRINT_HEADER,
    FINGERPRINT_SHEET,
    cell_key,
    column_hashes,
    read_fingerprints,
)
from convert.write.worksheet.layout import CASE_ID
from tests.conftest import header_index, make_batch, run_batch, sheet_rows
from tests.test_rerun import C1, C2, C3, SHEET, change_export

EDITS = "Teamets rettelser"


def type_over(path: Path, cells: dict[tuple[str, str], object]) -> None:
    """(case, header) -> value, typed into Sager as Excel saves it."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Sager"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    top = header_index([tuple(r) for r in rows])
    col = {h: i + 1 for i, h in enumerate(rows[top])}
    for r in range(top + 2, ws.max_row + 1):
        for (case, header), value in cells.items():
            if ws.cell(r, 1).value == case:
                ws.cell(r, col[header]).value = value
    wb.save(path)


def _edits(path: Path) -> list[dict[str, object]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return sheet_rows(wb, EDITS) if EDITS in wb.sheetnames else []


def _sager(path: Path) -> dict[object, dict[str, object]]:
    return {r["ESDH-sagsnr."]: r for r in sheet_rows(path, "Sager")}


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    folder = make_batch(tmp_path)
    assert run_batch(folder).exit_code == 0
    return folder


def test_a_rerun_without_edits_reports_none(batch: Path) -> None:
    result = run_batch(batch)
    assert result.exit_code == 0
    assert "Teamets rettelser" not in result.output and "ikke kontrolleret" not in result.output
    assert _edits(batch / "ud" / SHEET) == []
    manifest = json.loads((batch / "ud" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["team_edits"] == {"cells": 0, "cases": 0, "settled": 0, "checked": True}


def test_the_tools_memory_is_a_very_hidden_sheet(batch: Path) -> None:
    wb = openpyxl.load_workbook(batch / "ud" / SHEET, read_only=True)
    assert wb[FINGERPRINT_SHEET].sheet_state == "veryHidden"
    assert wb.sheetnames[-1] == FINGERPRINT_SHEET


def test_edits_to_tool_cells_are_kept_listed_and_counted_run_after_run(batch: Path) -> None:
    type_over(batch / "ud" / SHEET, {
        (C1, "Ansøgningsdato (KP)"): dt.datetime(2026, 5, 1),  # a corrected date
        (C2, "Bemærkninger"): "Ring til datteren først",  # a note in the remarks
        (C3, "Navn"): None,  # a cleared cell
        (C1, "Formue (kr.)"): 1234.5,
    })
    for _ in range(2):  # kept on the run after, too: the memory is of what the tool writes, not of the edit
        result = run_batch(batch)
        assert result.exit_code == 0
        assert "Teamets rettelser i kp-converts kolonner: 4 celler i 3 sager er beholdt" in result.output
        sager = _sager(batch / "ud" / SHEET)
        assert sager[C1]["Ansøgningsdato (KP)"] == dt.datetime(2026, 5, 1)
        assert sager[C2]["Bemærkninger"] == "Ring til datteren først"
        assert sager[C3]["Navn"] is None
        assert sager[C1]["Formue (kr.)"] == 1234.5
        edits = {(e["ESDH-sagsnr."], e["Kolonne"]): e for e in _edits(batch / "ud" / SHEET)}
        assert set(edits) == {(C1, "Ansøgningsdato (KP)"), (C2, "Bemærkninger"), (C3, "Navn"), (C1, "Formue (kr.)")}
        assert edits[(C3, "Navn")]["Teamet skrev"] == "(tom)" and edits[(C3, "Navn")]["kp-convert skriver nu"]
        assert edits[(C1, "Ansøgningsdato (KP)")]["Teamet skrev"] == dt.datetime(2026, 5, 1)
    overview = [r for r in openpyxl.load_workbook(batch / "ud" / SHEET, read_only=True)["Oversigt"].iter_rows(
        values_only=True)]
    assert ("Celler i kp-converts kolonner rettet af teamet (beholdt)", 4) in [tuple(r[:2]) for r in overview]
    ws = openpyxl.load_workbook(batch / "ud" / SHEET)["Sager"]
    kept = next(c for row in ws.iter_rows() for c in row if c.value == "Ring til datteren først")
    assert kept.comment is not None and "Rettet af teamet" in kept.comment.text


def test_an_edit_the_tool_now_writes_itself_is_settled(batch: Path) -> None:
    type_over(batch / "ud" / SHEET, {(C2, "Navn"): "Åse Østergaard"})
    assert "1 celler" in run_batch(batch).output
    text = (batch / "sager.csv").read_text(encoding="cp1252").replace("Åse Østergård", "Åse Østergaard")
    (batch / "sager.csv").write_text(text, encoding="cp1252")
    result = run_batch(batch)
    assert "1 tidligere rettelser skriver kp-convert nu selv" in result.output
    assert _edits(batch / "ud" / SHEET) == []


def test_an_edit_of_a_case_that_left_is_listed_not_lost(batch: Path) -> None:
    type_over(batch / "ud" / SHEET, {(C3, "Bemærkninger"): "Borgeren er flyttet"})
    change_export(batch)  # C3 leaves the export
    run_batch(batch)
    edits = _edits(batch / "ud" / SHEET)
    assert [(e["ESDH-sagsnr."], e["Teamet skrev"]) for e in edits] == [(C3, "Borgeren er flyttet")]
    assert "ikke længere i batchen" in str(edits[0]["Status"])


def test_a_worksheet_without_the_memory_says_its_cells_were_not_checked(batch: Path) -> None:
    wb = openpyxl.load_workbook(batch / "ud" / SHEET)
    del wb[FINGERPRINT_SHEET]  # as a worksheet from an older version
    wb.save(batch / "ud" / SHEET)
    result = run_batch(batch)
    assert "Rettelser i kp-converts kolonner er ikke kontrolleret" in result.output


@pytest.mark.print
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_resave_gives_no_false_edits_and_keeps_real_ones(tmp_path: Path) -> None:
    folder = make_batch(tmp_path)
    assert run_batch(folder).exit_code == 0
    type_over(folder / "ud" / SHEET, {(C1, "Ansøgningsdato (KP)"): dt.datetime(2026, 5, 1)})
    out = tmp_path / "lo"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "xlsx", "--outdir", str(out), str(folder / "ud" / SHEET)], check=True, capture_output=True,
                   timeout=180)
    shutil.copy(out / SHEET, folder / "ud" / SHEET)
    result = run_batch(folder)
    assert "1 celler i 1 sager er beholdt" in result.output, result.output  # only the real edit


# ---- a cell described the same way written and read back ------------------------------------------------------

@pytest.mark.parametrize("written, read_back", [
    (46023, dt.datetime(2026, 1, 1)),  # a date: its day number, read back as a datetime
    (1, dt.datetime(1900, 1, 1)),  # before Excel's 29-02-1900
    (59, dt.datetime(1900, 2, 28)),
    (61, dt.datetime(1900, 3, 1)),
    (1234.5, 1234.5),
    (12.0, 12),  # a whole number may come back as an int
    (0.1 + 0.2, 0.3),  # float noise within 6 decimals
    (-0.0, 0),  # a negative zero is saved as 0
    ("Ring først", "Ring først "),  # trailing space
    ("a\nb", "a\r\nb"),  # line breaks as Windows saves them
    (None, ""),
    (None, "   "),
], ids=str)
def test_a_cell_reads_back_as_it_was_written(written: object, read_back: object) -> None:
    assert cell_key(written) == cell_key(read_back)
    assert column_hashes([written])[0] == column_hashes([read_back])[0]


@pytest.mark.parametrize("a, b", [("1", 1), ("Ja", "Nej"), (None, "x"), (dt.datetime(2026, 1, 1), 46024)])
def test_different_cells_differ(a: object, b: object) -> None:
    assert cell_key(a) != cell_key(b)


@pytest.mark.parametrize("column", [
    ["Ja", " Ja ", "Ja", None, "", "  "],  # text: described once per distinct value, spaces as cell_key says
    [1, 1.0, True, np.True_, False, 0, 0.0],  # equal in Python, yet True and 1 are different cells
    [dt.datetime(2026, 1, 1), dt.date(2026, 1, 1), pd.Timestamp(2026, 1, 1), 46023, "01-01-2026"],
    [float("nan"), None, pd.NaT, pd.NA, "", 0.0, -0.0],  # every empty alike
    ["a\r\nb", "a\nb", "b", 12.5, np.float64(12.5), np.int64(3), 3],
    [["a list"], {"x": 1}, "x"],  # a value that is not hashable (never written by the tool)
], ids=["text", "numbers-and-booleans", "dates", "empty", "mixed", "unhashable"])
def test_a_cells_fingerprint_does_not_depend_on_its_column(column: list[object]) -> None:
    """column_hashes describes each distinct value once: the result is what each cell gets on its own."""
    assert column_hashes(column).tolist() == [int(column_hashes([v])[0]) for v in column]


def test_a_damaged_fingerprint_row_is_left_out_and_the_others_read(tmp_path: Path) -> None:
    headers = ["CPR-nr.", "Navn"]
    rows = pd.DataFrame({CASE_ID: ["A", "B", "C", "A", ""],
                         f"{FINGERPRINT_HEADER} {json.dumps(headers)}": [
                             "0000000100000002", "zzzzzzzzzzzzzzzz", "00000003", "0000000a0000000b",
                             "0000000500000006"]})
    found = read_fingerprints(rows)
    assert found is not None
    columns, ids, matrix = found
    assert columns == headers and ids.tolist() == ["A"]  # B not hex, C too short, the blank id left out
    assert matrix.tolist() == [[10, 11]]  # A twice: the last row, as the sheet reads top to bottom


# ---- Excel's calendar and cell size -----------------------------------------------------------------------------

@pytest.mark.parametrize("day, serial", [
    ("1899-12-31", None), ("1900-01-01", 1), ("1900-02-28", 59), ("1900-03-01", 61), ("2027-01-04", 46391),
])
def test_excel_day_numbers(day: str, serial: int | None) -> None:
    assert excel_serial(dt.date.fromisoformat(day)) == serial


def test_dates_before_march_1900_read_back_as_the_same_day(tmp_path: Path) -> None:
    from convert.write.xlsx import Column, Table, Workbook

    days = pd.Series(pd.to_datetime(["1899-06-15", "1900-01-01", "1900-02-28", "1900-03-01", "2027-01-04"]))
    book = Workbook(tmp_path / "d.xlsx", created=dt.datetime(2027, 1, 1), title="t")
    book.write_table(Table("Datoer", [Column("Dato", kind="date")], pd.DataFrame({0: days})))
    book.close()
    values = [r[0] for r in openpyxl.load_workbook(tmp_path / "d.xlsx").active.iter_rows(min_row=2, values_only=True)]
    assert values == ["15-06-1899", dt.datetime(1900, 1, 1), dt.datetime(1900, 2, 28), dt.datetime(1900, 3, 1),
                      dt.datetime(2027, 1, 4)]
    assert not list(tmp_path.glob(".kp-convert-tmp-*"))  # the writer's private temp folder is gone


def test_text_longer_than_a_cell_is_cut_and_says_so() -> None:
    long = "x" * (CELL_MAX + 10)
    cut = fit_text(long)
    assert len(cut) == CELL_MAX and cut.endswith(CUT_NOTE)
    assert cell_values(pd.Series([long, "kort"]), "text") == [cut, "kort"]


def test_a_closing_note_template_longer_than_a_note_is_a_config_error(batch: Path) -> None:
    text = (batch / "kp-convert.toml").read_text(encoding="utf-8")
    (batch / "kp-convert.toml").write_text(text + '\n[closing_note]\ntemplate = "' + "x" * 6000 + '"\n',
                                           encoding="utf-8")
    result = run_batch(batch)
    assert result.exit_code == 2 and "closing_note.template" in result.output


def test_the_teams_formula_column_is_never_read_as_empty(batch: Path) -> None:
    """A column of formulas written by a script (no stored results) is carried as the formulas' text; a formula
    Excel saved with its result is carried as the value. Both are said."""
    wb = openpyxl.load_workbook(batch / "ud" / SHEET)
    ws = wb["Sager"]
    top = header_index([tuple(c.value for c in r) for r in ws.iter_rows(max_row=5)]) + 1
    ws.cell(top, ws.max_column + 1).value = "Tjek"
    formula_col = ws.max_column
    for r in range(top + 1, ws.max_row + 1):
        ws.cell(r, formula_col).value = f"=A{r}&\"-x\""
    wb.save(batch / "ud" / SHEET)  # openpyxl stores no results: as a script would
    result = run_batch(batch)
    assert result.exit_code == 0
    assert "kolonnen 'Tjek': 3 formler uden gemt resultat er overført som tekst" in result.output
    tjek = {r["ESDH-sagsnr."]: r["Tjek"] for r in sheet_rows(batch / "ud" / SHEET, "Sager")}
    assert all(str(v).startswith("=A") for v in tjek.values()) and len(tjek) == 3
    ws = openpyxl.load_workbook(batch / "ud" / SHEET)["Sager"]
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)  # text, never a formula
