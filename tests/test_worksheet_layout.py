"""The worksheet on screen and on paper, read back with openpyxl (tests/test_print.py prints it for real).

Sager: the columns a caseworker prints come first and are the print area; a row of group headings says whose
column is whose (the team's coloured, with comments); every cell top-aligned; remarks one per line in a row high
enough; case numbers in natural order. A protected sheet per open batch, with the batch in the page header; past
the cap, Oversigt says how to print the rest. Every sheet prints landscape, one page wide at 8 pt or more or at
the smallest legible scale.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from convert.write.print_layout import MIN_SCALE, text_width, wrapped_lines
from convert.write.worksheet import plan_sheets
from convert.write.worksheet.layout import CHECKLIST_HEADERS, PRINTED_HEADERS, TEAM_GROUP, TOOL_GROUP
from convert.write.xlsx import TEAM_FILL, TEAM_HEADER_FILL
from tests.conftest import (
    ASSET_HEADER,
    CASE_HEADER,
    case_row,
    header_row,
    pipe_table,
    run_batch,
    sheet_rows,
    write_config,
    write_csv,
)

PLANNING = """
[planning]
batch_size = 1
[[planning.caseworkers]]
name = "ABJ"
hours_per_day = 3
weekdays = ["man", "tir", "ons", "tor", "fre"]
"""
# case numbers whose text order is not their natural order
CASES = ["32.03.12-G01-119-19", "32.03.12-G01-12-15", "32.03.12-G01-2-15"]
NATURAL = ["32.03.12-G01-2-15", "32.03.12-G01-12-15", "32.03.12-G01-119-19"]


def column(ws: openpyxl.worksheet.worksheet.Worksheet, c: int) -> openpyxl.worksheet.dimensions.ColumnDimension:
    """Column c's width and style (alike neighbours share one <col> element)."""
    return next(d for d in ws.column_dimensions.values() if d.min <= c <= d.max)


@pytest.fixture
def worksheet(tmp_path: Path) -> Path:
    """Three cases (natural order differs from text order), one with two remarks, one batch per case."""
    write_csv(tmp_path / "sager.csv", CASE_HEADER, [
        case_row(CASES[0], "010150-1234"),
        case_row(CASES[1], "020250-2345", pct="0", pension="Førtidspension (efter 2003)"),  # two remarks
        case_row(CASES[2], "030350-3456"),
    ])
    write_csv(tmp_path / "formue.csv", ASSET_HEADER, [[cpr, "01.03.2024", "45.000,00"]
                                                      for cpr in ("010150-1234", "020250-2345", "030350-3456")])
    write_config(tmp_path, documents=None, extra=PLANNING)
    result = run_batch(tmp_path)
    assert result.exit_code == 0, result.output
    return tmp_path / "ud" / "konverteringsark.xlsx"


def test_sager_puts_the_printed_columns_first_under_group_headings(worksheet: Path) -> None:
    ws = openpyxl.load_workbook(worksheet)["Sager"]
    assert header_row(ws) == 2
    header = [c.value for c in ws[2]]
    assert header[:len(PRINTED_HEADERS)] == PRINTED_HEADERS
    assert ws.print_area == f"'Sager'!$A$1:${chr(ord('A') + len(PRINTED_HEADERS) - 1)}$5"
    assert ws.print_title_rows == "$1:$2" and ws.freeze_panes == "B3" and ws.auto_filter.ref.startswith("A2:")
    groups = {c.column: c.value for c in ws[1] if c.value}
    assert groups == {1: TOOL_GROUP, 8: TEAM_GROUP, 14: TOOL_GROUP}  # the team's block, the tool's around it
    for c, h in enumerate(header, start=1):
        cell = ws.cell(2, c)
        team = h in CHECKLIST_HEADERS
        assert (cell.fill.fgColor.rgb == "FF" + TEAM_HEADER_FILL[1:]) == team, h
        if team:
            assert cell.comment is not None and "Udfyldes af teamet" in cell.comment.text, h
            assert column(ws, c).fill.fgColor.rgb == "FF" + TEAM_FILL[1:], h  # the column's empty cells too


def test_the_header_row_is_as_high_as_its_wrapped_headers(worksheet: Path) -> None:
    ws = openpyxl.load_workbook(worksheet)["Sager"]
    header = [c.value for c in ws[2]]
    widths = [column(ws, c).width - 0.71 for c in range(1, len(header) + 1)]  # xlsxwriter adds 5 px
    lines = max(wrapped_lines(h, w, bold=True) for h, w in zip(header, widths, strict=True))
    assert lines >= 2 and ws.row_dimensions[2].height == 15 * lines  # "Tilskud ved / prisaftale (kr.)"


def test_every_cell_is_top_aligned(worksheet: Path) -> None:
    wb = openpyxl.load_workbook(worksheet)
    other = {(ws.title, c.coordinate): c.alignment.vertical for ws in wb.worksheets for row in ws.iter_rows()
             for c in row if c.value is not None and c.alignment.vertical != "top"}
    assert other == {}


def test_remarks_one_per_line_and_the_row_high_enough_the_ledger_keeps_them_on_one_line(worksheet: Path) -> None:
    ws = openpyxl.load_workbook(worksheet)["Sager"]
    rows = {r["ESDH-sagsnr."]: r for r in sheet_rows(worksheet, "Sager")}
    remarks = rows[CASES[1]]["Bemærkninger"]
    first, second = remarks.split("\n")
    assert first.startswith("Tillægsprocent er 0") and second.startswith("Pensionstype 'Førtidspension (efter 2003)'")
    row = 3 + NATURAL.index(CASES[1])
    col = [c.value for c in ws[2]].index("Bemærkninger") + 1
    assert ws.cell(row, col).alignment.wrap_text
    assert ws.row_dimensions[row].height >= 15 * 3  # two remarks, the second wraps
    ledger = list(csv.DictReader(io.StringIO((worksheet.parent / "ledger.csv").read_text(encoding="utf-8"))))
    reason = next(r["reason"] for r in ledger if r["case_id"] == CASES[1] and r["table"] == "cases")
    assert reason == remarks.replace("\n", "; ")


def test_case_numbers_are_in_natural_order(worksheet: Path) -> None:
    assert [r["ESDH-sagsnr."] for r in sheet_rows(worksheet, "Sager")] == NATURAL
    assert [r["ESDH-sagsnr."] for r in sheet_rows(worksheet, "Lukkenotater")] == NATURAL


def test_the_pension_type_shows_whole(worksheet: Path) -> None:
    ws = openpyxl.load_workbook(worksheet)["Sager"]
    col = [c.value for c in ws[2]].index("Pensionstype") + 1
    assert column(ws, col).width >= text_width("Førtidspension (efter 2003)")


def test_every_sheet_prints_landscape_one_page_wide_or_at_a_legible_scale(worksheet: Path) -> None:
    for ws in openpyxl.load_workbook(worksheet).worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape" and setup.paperSize == 9, ws.title  # A4
        one_page_wide = ws.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth or 1) == 1 and \
            setup.fitToHeight == 0  # 1 is the default, left out
        assert one_page_wide or int(setup.scale) >= MIN_SCALE, ws.title


def test_a_protected_sheet_per_batch_with_the_batch_in_the_page_header(worksheet: Path) -> None:
    wb = openpyxl.load_workbook(worksheet)
    sager = {r["ESDH-sagsnr."]: r for r in sheet_rows(wb, "Sager")}
    assert [s for s in wb.sheetnames if s.startswith("Batch")] == ["Batch 01", "Batch 02", "Batch 03"]
    for name in ("Batch 01", "Batch 02", "Batch 03"):
        ws = wb[name]
        assert ws.protection.sheet and [c.value for c in ws[2]] == PRINTED_HEADERS
        (row,) = sheet_rows(wb, name)
        assert sager[row["ESDH-sagsnr."]]["Batch"] == int(name[-2:])
        header = ws.oddHeader.left.text
        assert f"{name} – sagsbehandler ABJ – planlagt " in header, header
    oversigt = [r for r in wb["Oversigt"].iter_rows(values_only=True) if r[0]]
    assert ["Med et ark til udskrift (beskyttet: afkrydsningerne skrives i arket Sager)", "Batch 01–03"] in \
        [list(r[:2]) for r in oversigt]


def test_past_the_cap_oversigt_says_how_to_print_a_batch(worksheet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_sheets, "MAX_BATCH_SHEETS", 2)
    result = run_batch(worksheet.parents[1], "--force")
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(worksheet)
    assert [s for s in wb.sheetnames if s.startswith("Batch")] == ["Batch 01", "Batch 02"]
    rows = {r[0]: r[1] for r in wb["Oversigt"].iter_rows(values_only=True) if r[0]}
    assert rows["Uden ark (højst 2 ark)"] == "1: Batch 03"
    assert rows["Sådan udskrives de"].startswith("Filtrér arket Sager på kolonnen Batch og udskriv det: kun "
                                                 "kolonnerne A–M kommer med")


def test_a_ticked_off_batch_gets_no_sheet_on_the_next_run(worksheet: Path) -> None:
    wb = openpyxl.load_workbook(worksheet)
    ws = wb["Sager"]
    col = {c.value: c.column for c in ws[2]}
    done = next(r for r in range(3, 6) if ws.cell(r, col["Batch"]).value == 2)
    ws.cell(done, col["Oprettet i KP"], "Ja")
    ws.cell(done, col["Lukket i ESDH"], "ja ")  # as typed
    wb.save(worksheet)
    assert run_batch(worksheet.parents[1]).exit_code == 0
    wb = openpyxl.load_workbook(worksheet)
    assert [s for s in wb.sheetnames if s.startswith("Batch")] == ["Batch 01", "Batch 03"]
    rows = {r[0]: r[1] for r in wb["Oversigt"].iter_rows(values_only=True) if r[0]}
    assert rows["Færdige (alle sager oprettet i KP og lukket i ESDH): intet ark"] == 1


@pytest.mark.parametrize("text, width, lines", [(t, float(w), int(n)) for t, w, n in pipe_table("""
    # text                                                            | width | lines
    Ja                                                                | 8.5   | 1
    Formue ikke oplyst                                                | 33    | 1
    Formuegrænse ikke kontrolleret (2025)                             | 33    | 2
    Formuegrænse ikke kontrolleret (2025)                             | 36    | 1
    Tillægsprocent er 0\\nTillægsprocent ikke oplyst                   | 33    | 2
    077ab9650f3874de4ccd5c76592f0f7a4fe4c83a7af6c68ac469fb86ac8cb9d2  | 40    | 2
""")])
def test_wrapped_lines_are_counted_as_excel_wraps(text: str, width: float, lines: int) -> None:
    assert wrapped_lines(text.replace("\\n", "\n"), width) == lines
