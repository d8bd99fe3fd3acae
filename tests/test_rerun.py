"""Re-runs keep the team's work: checklist entries survive a changed export, nothing is discarded unasked.

The team's edits are made with openpyxl, the way Excel saves them: typed values, real date cells, a sorted and
filtered sheet, a column of their own. Fictitious data.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from convert.rerun import read_checklist
from convert.write.worksheet.layout import CHECKLIST_HEADERS
from tests.conftest import (
    CASE_HEADER,
    FOOT_CARE_KP,
    KP_REPORT_HEADER,
    case_row,
    header_row,
    kp_convert,
    make_batch,
    run_batch,
    sheet_data,
    sheet_values,
    write_csv,
)

C1, C2, C3 = "32.03.12-G01-1-24", "32.03.12-G01-2-24", "32.03.12-G01-3-24"
SHEET = "konverteringsark.xlsx"


def edit(path: Path, entries: dict[str, dict[str, object]], *, add_column: str | None = None,
         sort_descending: bool = True) -> None:
    """What a caseworker does in Excel: type entries, add a column, sort the rows, set a filter, hide a row."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Sager"]
    top = header_row(ws)  # under the row of group headings
    header = [c.value for c in ws[top]]
    if add_column:
        header.append(add_column)
        ws.cell(top, len(header)).value = add_column
    col = {h: i + 1 for i, h in enumerate(header)}
    for row in range(top + 1, ws.max_row + 1):
        for name, value in entries.get(ws.cell(row, 1).value, {}).items():
            cell = ws.cell(row, col[name])
            cell.value = value
            if isinstance(value, dt.date):
                cell.number_format = "dd-mm-yyyy"
    if sort_descending:
        rows = sorted(([c.value for c in r] for r in ws.iter_rows(min_row=top + 1)), key=lambda r: r[0],
                      reverse=True)
        for i, values in enumerate(rows, start=top + 1):
            for j, v in enumerate(values, start=1):
                ws.cell(i, j).value = v
    ws.auto_filter.ref = f"A{top}:{ws.cell(ws.max_row, ws.max_column).coordinate}"
    ws.row_dimensions[top + 1].hidden = True
    wb.save(path)


def cells_by_case(path: Path, sheet: str) -> dict[str, dict[str, openpyxl.cell.Cell]]:
    """Case number -> {header: cell} of a sheet: the cells, to see their type and format, not just the value."""
    ws = openpyxl.load_workbook(path)[sheet]
    top = header_row(ws)
    header = [c.value for c in ws[top]]
    return {r[0].value: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=top + 1)}


@pytest.fixture(scope="module")
def ticked_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A first run, then the team's entries on all three cases (made once; each test works on a copy)."""
    batch_dir = make_batch(tmp_path_factory.mktemp("ticked"))
    assert run_batch(batch_dir).exit_code == 0
    edit(batch_dir / "ud" / SHEET, {
        C1: {"Oprettet i KP": "Ja", "KP-sagsnr.": 4711, "Initialer": "ABJ", "Dato": dt.datetime(2027, 1, 5),
             "Kommentar": "ring tirsdag"},
        C2: {"Oprettet i KP": "Nej", "Dato": "06-01-2027", "Initialer": "MKO"},
        C3: {"Kommentar": dt.datetime(2027, 2, 1), "Lukket i ESDH": "Ja"},
    }, add_column="Kommentar")
    return batch_dir


@pytest.fixture
def ticked(ticked_once: Path, tmp_path: Path) -> Path:
    shutil.copytree(ticked_once, tmp_path / "batch")
    return tmp_path / "batch"


def change_export(folder: Path, *, close_c2: bool = True) -> None:
    """C3 dropped from the export, C2 closed (if asked), a new case S-5 added."""
    write_csv(folder / "sager.csv", CASE_HEADER, [
        case_row(C1, "010150-1234"),
        case_row(C2, "020250-2345", name="Åse Østergård", status="Afsluttet" if close_c2 else "Aktiv"),
        case_row("32.03.12-G01-4-24", "040450-4567", title="Briller", benefit="Briller"),
        case_row("S-5", "050550-5678"),
    ])


def test_entries_survive_a_rerun_after_the_export_changed(ticked: Path) -> None:
    change_export(ticked)
    result = run_batch(ticked)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Tidligere konverteringsark fundet: afkrydsninger for 1 sager er overført" in out
    assert "1 nye sager i batchen: S-5" in out
    assert f"2 sager er udgået af batchen: {C2}, {C3}" in out
    assert "2 rækker med afkrydsninger for sager uden for batchen er gemt i arket 'Udgåede sager'" in out

    sager = cells_by_case(ticked / "ud" / SHEET, "Sager")
    assert sorted(sager) == [C1, "S-5"]
    c1 = sager[C1]
    assert (c1["Oprettet i KP"].value, c1["KP-sagsnr."].value, c1["Initialer"].value) == ("Ja", "4711", "ABJ")
    assert c1["KP-sagsnr."].data_type == "s"  # a KP case number typed as a number stays its digits, as text
    assert c1["Dato"].is_date and c1["Dato"].value == dt.datetime(2027, 1, 5)  # a date stays a date
    assert c1["Kommentar"].value == "ring tirsdag"  # the team's own column is carried too
    assert all(sager["S-5"][h].value is None for h in CHECKLIST_HEADERS)

    left = cells_by_case(ticked / "ud" / SHEET, "Udgåede sager")
    assert sorted(left) == [C2, C3]
    assert left[C2]["Udgået fordi"].value.startswith("Udeladt: Sagsstatus 'Afsluttet'")
    assert left[C2]["Oprettet i KP"].value == "Nej" and left[C2]["Initialer"].value == "MKO"
    assert left[C2]["Dato"].is_date and left[C2]["Dato"].value == dt.datetime(2027, 1, 6)  # typed text, a date
    assert left[C3]["Udgået fordi"].value == "Sagen findes ikke længere i sagsudtrækket"
    assert (left[C3]["CPR-nr."].value, left[C3]["Navn"].value) == ("030350-3456", "Bjørn Møller")
    assert left[C3]["Kommentar"].is_date and left[C3]["Lukket i ESDH"].value == "Ja"

    oversigt = sheet_values(ticked / "ud" / SHEET, "Oversigt")
    assert ("Sager med afkrydsninger overført", 1) in [r[:2] for r in oversigt]
    assert ("S-5", "Ny i batchen") in [r[:2] for r in oversigt]
    assert (C3, "Udgået", "Sagen findes ikke længere i sagsudtrækket") in [r[:3] for r in oversigt]
    manifest = json.loads((ticked / "ud" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rerun"]["joined"] == ["S-5"] and manifest["rerun"]["left"] == [C2, C3]
    assert manifest["rerun"]["kept_in_left_sheet"] == 2


def test_a_returning_case_gets_its_entries_back_and_the_sheet_settles(ticked: Path) -> None:
    change_export(ticked)
    assert run_batch(ticked).exit_code == 0
    change_export(ticked, close_c2=False)
    result = run_batch(ticked)
    assert "1 sager er vendt tilbage (afkrydsninger hentet fra 'Udgåede sager'): " + C2 in result.output
    sager = cells_by_case(ticked / "ud" / SHEET, "Sager")
    assert sager[C2]["Oprettet i KP"].value == "Nej" and sager[C2]["Dato"].value == dt.datetime(2027, 1, 6)
    assert sorted(cells_by_case(ticked / "ud" / SHEET, "Udgåede sager")) == [C3]  # still kept, run after run
    assert run_batch(ticked).exit_code == 0
    settled = (ticked / "ud" / SHEET).read_bytes()
    assert run_batch(ticked).exit_code == 0
    assert (ticked / "ud" / SHEET).read_bytes() == settled  # re-reading its own output changes nothing


def test_force_discards_the_entries_only_when_asked(ticked: Path) -> None:
    result = run_batch(ticked, "--force")
    assert result.exit_code == 0
    assert "--force: det tidligere konverteringsark er overskrevet; 3 rækker med afkrydsninger er kasseret" \
        in result.output
    wb = openpyxl.load_workbook(ticked / "ud" / SHEET)
    assert "Udgåede sager" not in wb.sheetnames
    assert "Kommentar" not in [c.value for c in wb["Sager"][header_row(wb["Sager"])]]
    assert all(row[h].value is None for row in cells_by_case(ticked / "ud" / SHEET, "Sager").values()
               for h in CHECKLIST_HEADERS)


@pytest.mark.parametrize("lock", ["~$konverteringsark.xlsx", ".~lock.konverteringsark.xlsx#"])
def test_a_worksheet_open_in_excel_is_not_overwritten(ticked: Path, lock: str) -> None:
    (ticked / "ud" / lock).write_text("ABJ")
    before = (ticked / "ud" / SHEET).read_bytes()
    result = run_batch(ticked)
    assert result.exit_code == 4
    assert f"konverteringsark.xlsx ser ud til at være åben i Excel eller LibreOffice (låsefilen {lock}" \
        in result.output and "luk arket og kør igen" in result.output
    assert (ticked / "ud" / SHEET).read_bytes() == before


def test_a_locked_worksheet_is_exit_4(ticked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sheet, read_bytes = (ticked / "ud" / SHEET).resolve(), Path.read_bytes

    def locked(self: Path) -> bytes:  # Excel holds the file: Windows' sharing violation (winerror 32)
        if self.resolve() == sheet:
            exc = PermissionError(13, "Permission denied")
            exc.winerror = 32  # type: ignore[attr-defined]  # set by Windows only
            raise exc
        return read_bytes(self)
    monkeypatch.setattr(Path, "read_bytes", locked)
    result = run_batch(ticked)
    assert result.exit_code == 4 and "konverteringsark.xlsx er låst af et andet program" in result.output


@pytest.mark.parametrize("damage, message", [
    (lambda p: p.write_bytes(p.read_bytes()[:2000]), "kan ikke læses – filen er beskadiget"),
    (lambda p: p.write_text("ikke et regneark"), "eller ikke et regneark (BadZipFile)"),
])
def test_a_corrupt_worksheet_is_refused_not_overwritten(ticked: Path, damage, message: str) -> None:
    path = ticked / "ud" / SHEET
    damage(path)
    before = path.read_bytes()
    result = run_batch(ticked)
    assert result.exit_code == 3, result.output
    assert message in result.output and "--force" in result.output and "Traceback" not in result.output
    assert path.read_bytes() == before
    result = run_batch(ticked, "--force")
    assert result.exit_code == 0 and "0 rækker med afkrydsninger er kasseret" in result.output


def test_a_renamed_sheet_or_a_deleted_key_column_is_refused(ticked: Path) -> None:
    path = ticked / "ud" / SHEET
    wb = openpyxl.load_workbook(path)
    wb["Sager"].title = "Mine sager"
    wb.save(path)
    result = run_batch(ticked)
    assert result.exit_code == 3 and "har intet ark 'Sager'" in result.output and "Mine sager" in result.output
    wb = openpyxl.load_workbook(path)
    wb["Mine sager"].title = "Sager"
    wb["Sager"].delete_cols(1)
    wb.save(path)
    result = run_batch(ticked)
    assert result.exit_code == 3 and "overskriften 'ESDH-sagsnr.' findes ikke" in result.output


def test_copied_rows_and_rows_without_a_case_number_are_kept_not_dropped(ticked: Path) -> None:
    path = ticked / "ud" / SHEET
    wb = openpyxl.load_workbook(path)
    ws = wb["Sager"]
    top = header_row(ws)
    header = [c.value for c in ws[top]]
    copy = [c.value for c in next(r for r in ws.iter_rows(min_row=top + 1) if r[0].value == C1)]
    copy[header.index("Initialer")] = "XYZ"  # the same case, other entries: which is right? the team decides
    ws.append(copy)
    total = [None] * len(header)
    total[header.index("Oprettet i KP")] = 1  # a totals row: =COUNTIF(...) read as its value
    ws.append(total)
    wb.save(path)
    result = run_batch(ticked)
    assert result.exit_code == 0, result.output
    assert "2 rækker med afkrydsninger for sager uden for batchen er gemt i arket 'Udgåede sager'" in result.output
    assert cells_by_case(path, "Sager")[C1]["Initialer"].value == "ABJ"  # the first row wins
    kept = sheet_data(path, "Udgåede sager")
    reasons = [r[4] for r in kept]
    assert any(r.startswith("ESDH-sagsnr. stod flere gange i det tidligere ark") for r in reasons)
    assert any(r.startswith("Række 7 i arket 'Sager' havde afkrydsninger, men intet ESDH-sagsnr.") for r in reasons)
    assert "XYZ" in [r[9] for r in kept] and "1" in [r[5] for r in kept]


def test_read_checklist_gives_the_entries_by_case_number(ticked: Path) -> None:
    checklist = read_checklist(ticked / "ud" / SHEET)
    assert list(checklist.columns) == CHECKLIST_HEADERS
    assert sorted(checklist.index) == [C1, C2, C3]
    assert checklist.loc[C1, "KP-sagsnr."] == "4711" and checklist.loc[C1, "Dato"] == pd.Timestamp("2027-01-05")
    assert checklist.loc[C2, "Dato"] == pd.Timestamp("2027-01-06")  # typed as text, read as the date it says
    assert checklist.loc[C3, "Lukket i ESDH"] == "Ja" and pd.isna(checklist.loc[C3, "Oprettet i KP"])


def test_kp_numbers_written_by_reconcile_survive_the_next_run(ticked: Path) -> None:
    """reconcile --update-worksheet fills KP-sagsnr. in the worksheet; the next run carries them like any entry."""
    write_csv(ticked / "kp.csv", KP_REPORT_HEADER, [["KP-77", "030350-3456", "Bjørn Møller", FOOT_CARE_KP,
                                                     "Fodbehandling", "01-02-2024", "04-01-2027", "", "Aktiv"]])
    result = kp_convert("reconcile", ticked / "kp-convert.toml", "--kp-report", ticked / "kp.csv",
                        "--worksheet", ticked / "ud" / SHEET, "--update-worksheet")
    assert "1 KP-sagsnr. skrevet" in result.output, result.output
    assert run_batch(ticked).exit_code == 0
    sager = cells_by_case(ticked / "ud" / SHEET, "Sager")
    assert sager[C3]["KP-sagsnr."].value == "KP-77" and sager[C3]["Lukket i ESDH"].value == "Ja"
    assert sager[C1]["KP-sagsnr."].value == "4711"
