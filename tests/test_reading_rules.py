"""Reading rules for exports the tool cannot read right by accident: wrong loudly, never silently.

XLSX: a percent cell is the percentage the user sees, an amount has no float noise, a hidden sheet is read only
when named, a formula without a stored result is never an empty cell without a word, and the sheet that has the
columns is named when the one read lacks them. CSV: UTF-16 without BOM, a file mixing UTF-8 and Windows-1252 lines,
and a delimiter that one title with commas cannot flip. All data is fictitious.
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from convert.errors import InputError
from convert.read import text
from convert.read.mapping import map_columns
from convert.read.table import read_input
from convert.read.text import detect_delimiter
from convert.read.xlsx import is_percent_format, number_text
from convert.settings.inputs import InputSpec
from tests.conftest import (
    CASE_HEADER,
    case_row,
    csv_line,
    pipe_table,
    run_batch,
    sheet_data,
    write_config,
    write_csv,
)

PCT, END, ASSETS = CASE_HEADER.index("Tillægsprocent"), CASE_HEADER.index("Slutdato"), CASE_HEADER.index("Formue")


def cases_spec(path: Path, **kw) -> InputSpec:
    return InputSpec(table="cases", path=path, **kw)


def xlsx_row(case_id: str, cpr: str = "010150-1234", **cells: object) -> list[object]:
    """A case row for a workbook: the text of `case_row`, with cells replaced by position name (pct, end, assets)."""
    row: list[object] = list(case_row(case_id, cpr))
    for key, value in cells.items():
        row[{"pct": PCT, "end": END, "assets": ASSETS}[key]] = value
    return row


def workbook(path: Path, sheets: dict[str, list[list[object]]], *, states: dict[str, str] | None = None,
             formats: dict[tuple[str, str], str] | None = None) -> Path:
    """An .xlsx as openpyxl writes it: `sheets` in order, `states` {sheet: hidden/veryHidden}, `formats`
    {(sheet, cell): number format}."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        ws.sheet_state = (states or {}).get(name, "visible")
    for (name, ref), number_format in (formats or {}).items():
        wb[name][ref].number_format = number_format
    wb.save(path)
    return path


def patch_part(path: Path, part: str, old: str, new: str) -> Path:
    """Edit one XML part of an .xlsx (what openpyxl will not write, other programs do)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    assert old.encode() in parts[part]
    parts[part] = parts[part].replace(old.encode(), new.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def ledger(folder: Path, name: str = "sager.csv") -> list[dict[str, str]]:
    with (folder / "ud" / "ledger.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["source_file"] == name]


# ---- 1. percent cells ----------------------------------------------------------------------------------

@pytest.mark.parametrize("stored, number_format, shown", [
    (0.75, "0%", "75"),
    (0.755, "0.0%", "75,5"),
    (1.5, "0%", "150"),  # a tillægsprocent of 150 %: rejected by validation, not converted as 1,5 %
    (1, "0%", "100"),  # an integer cell
    (0.7550000000000001, "0.0%", "75,5"),  # float noise removed before scaling
    (0.5, "#,##0.00 %;[Red]-#,##0.00 %", "50"),
    (0.75, "General", "0,75"),
    (75, '0" %"', "75"),  # a quoted % is only text: Excel shows 75 %
    (75, "0\\%", "75"),  # so is an escaped one
    (0.25, "[$-406]0%", "25"),
])
def test_a_percent_cell_reads_as_the_percentage_excel_shows(stored, number_format, shown) -> None:
    assert number_text(stored, percent=is_percent_format(number_format)) == shown


def test_a_tillaegsprocent_of_150_percent_is_rejected_not_converted_as_1_5(tmp_path: Path) -> None:
    rows = [CASE_HEADER, xlsx_row("S-1", pct=0.75), xlsx_row("S-2", "020250-2345", pct=1.5)]
    workbook(tmp_path / "sager.xlsx", {"Sager": rows}, formats={("Sager", "I2"): "0%", ("Sager", "I3"): "0%"})
    assert [r[PCT] for r in map_columns(read_input(cases_spec(tmp_path / "sager.xlsx"))).frame.itertuples(
        index=False)] == ["75", "150"]
    write_config(tmp_path, cases="sager.xlsx", documents=None, assets=None)
    result = run_batch(tmp_path)
    assert result.exit_code == 0, result.output
    fates = {r["case_id"]: (r["outcome"], r["reason"]) for r in ledger(tmp_path, "sager.xlsx")}
    assert fates["S-1"][0] == "converted"
    assert fates["S-2"][0] == "rejected" and "'150' er ikke en procent mellem 0 og 100" in fates["S-2"][1]


# ---- 2. float noise --------------------------------------------------------------------------------

@pytest.mark.parametrize("stored, shown", pipe_table("""
    21523.000000000004   | 21523
    0.30000000000000004  | 0,3
    1234.5               | 1234,5
    45000.1              | 45000,1
    101501234.0          | 101501234
    -12.5                | -12,5
    -0.0                 | 0
    0.00001              | 0,00001
    123456789012345678.0 | 123456789012346000
"""))
def test_a_number_has_at_most_15_significant_digits_as_excel_shows(stored: str, shown: str) -> None:
    assert number_text(float(stored)) == shown


def test_an_amount_with_float_noise_is_not_rejected_for_its_decimals(tmp_path: Path) -> None:
    rows = [CASE_HEADER, xlsx_row("S-1", assets=21523.000000000004), xlsx_row("S-2", "020250-2345", assets=0.1 + 0.2)]
    workbook(tmp_path / "sager.xlsx", {"Sager": rows})
    assert list(map_columns(read_input(cases_spec(tmp_path / "sager.xlsx"))).frame["assets"]) == ["21523", "0,3"]
    write_config(tmp_path, cases="sager.xlsx", documents=None, assets=None)
    result = run_batch(tmp_path)
    assert result.exit_code == 0, result.output
    assert {r["outcome"] for r in ledger(tmp_path, "sager.xlsx")} == {"converted"}


# ---- 3. hidden sheets --------------------------------------------------------------------------------

THREE_CASES = [CASE_HEADER, *[xlsx_row(f"S-{i}", f"0{i}0{i}50-{i}234") for i in (1, 2, 3)]]
OLD_COPY = [CASE_HEADER, xlsx_row("GAMMEL-1")]


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_first_sheet_is_not_read_unless_named(tmp_path: Path, state: str) -> None:
    path = workbook(tmp_path / "sager.xlsx", {"Kopi": OLD_COPY, "Sager": THREE_CASES, "Noter": [["x"]]},
                    states={"Kopi": state})
    raw = read_input(cases_spec(path))
    assert raw.meta["sheet"] == "Sager" and list(map_columns(raw).frame["case_id"]) == ["S-1", "S-2", "S-3"]
    assert raw.meta["sheets"] == [{"name": "Kopi", "state": state}, {"name": "Sager", "state": "visible"},
                                  {"name": "Noter", "state": "visible"}]
    assert ("sager.xlsx: 1 skjult(e) ark er ikke læst ('Kopi'); læst er arket 'Sager'. Skal et skjult ark læses, "
            "så sæt input.cases.sheet") in raw.meta["warnings"]
    named = read_input(cases_spec(path, sheet="Kopi"))  # named: read, and nothing to say
    assert list(map_columns(named).frame["case_id"]) == ["GAMMEL-1"] and named.meta["warnings"] == []


def test_a_workbook_with_only_hidden_sheets_is_refused_naming_them(tmp_path: Path) -> None:
    path = workbook(tmp_path / "sager.xlsx", {"Kopi": OLD_COPY, "Kopi 2": OLD_COPY}, states={"Kopi 2": "veryHidden"})
    patch_part(path, "xl/workbook.xml", 'name="Kopi" sheetId="1" state="visible"',
               'name="Kopi" sheetId="1" state="hidden"')  # Excel refuses to save this; a script does not
    with pytest.raises(InputError, match="sager.xlsx har intet synligt ark, kun skjulte: 'Kopi', 'Kopi 2'") as info:
        read_input(cases_spec(path))
    assert 'sheet = "Kopi"' in str(info.value)


def test_every_sheet_of_a_plain_workbook_is_listed_as_visible(tmp_path: Path) -> None:
    path = workbook(tmp_path / "sager.xlsx", {"Sager": THREE_CASES})
    raw = read_input(cases_spec(path))
    assert raw.meta["sheets"] == [{"name": "Sager", "state": "visible"}] and raw.meta["warnings"] == []


# ---- 4. formulas without a stored result -------------------------------------------------------------

def test_a_formula_without_a_result_in_a_used_column_is_refused(tmp_path: Path) -> None:
    rows = [CASE_HEADER, xlsx_row("S-1", end="=DATE(2024,1,31)"), xlsx_row("S-2", "020250-2345", end="=H2")]
    path = workbook(tmp_path / "sager.xlsx", {"Sager": rows})  # openpyxl stores no result: it cannot calculate
    with pytest.raises(InputError) as info:
        read_input(cases_spec(path))
    message = str(info.value)
    assert ("sager.xlsx, ark 'Sager': 2 celle(r) med en formel har intet gemt resultat (H2 og H3), i kolonnen "
            "'Slutdato'") in message
    assert "åbn filen i Excel og gem den" in message


def test_a_sheet_of_only_formulas_without_results_says_so_not_that_it_is_empty(tmp_path: Path) -> None:
    path = workbook(tmp_path / "sager.xlsx", {"Sager": [["=\"Sagsnr.\"", "=\"CPR-nr.\""], ["=\"S-1\"", "=A1"]]})
    with pytest.raises(InputError, match=r"sager.xlsx, ark 'Sager': 4 celle\(r\) med en formel har intet gemt "
                                         r"resultat \(A1, B1, A2 og B2\)\. kp-convert regner ikke formler ud"):
        read_input(cases_spec(path))


def test_a_formula_without_a_result_in_an_unused_column_is_a_warning(tmp_path: Path) -> None:
    rows = [["=\"Udtræk \"&TEXT(TODAY(),\"dd-mm-åååå\")"],  # a title above the header: not data
            [*CASE_HEADER, "Hjælpekolonne"], [*xlsx_row("S-1"), "=LEN(A3)"], [*xlsx_row("S-2", "020250-2345"), 7]]
    raw = read_input(cases_spec(workbook(tmp_path / "sager.xlsx", {"Sager": rows})))
    assert raw.meta["formula_cells_without_result"] == 1
    assert ("sager.xlsx, ark 'Sager': 1 celle(r) med en formel har intet gemt resultat (N3) og læses som tomme; de "
            "står i kolonner, som ikke bruges. Åbn og gem filen i Excel for at få resultaterne med") \
        in raw.meta["warnings"]
    assert list(map_columns(raw).frame["case_id"]) == ["S-1", "S-2"]


def test_a_formula_with_a_stored_result_is_read_as_its_result(tmp_path: Path) -> None:
    path = tmp_path / "sager.xlsx"
    book = xlsxwriter.Workbook(path)  # as Excel saves it: formula and result
    ws = book.add_worksheet("Sager")
    ws.write_row(0, 0, CASE_HEADER)
    ws.write_row(1, 0, case_row("S-1"))
    ws.write_formula(1, PCT, "=50+25", None, 75)
    ws.write_formula(1, END, '=""', None, "")
    book.close()
    patch_part(path, "xl/worksheets/sheet1.xml", '<c r="H2"><f>""</f>', '<c r="H2" t="str"><f>""</f>')  # as Excel
    raw = read_input(cases_spec(path))
    assert raw.meta["formula_cells_without_result"] == 0 and raw.meta["warnings"] == []
    row = map_columns(raw).frame.iloc[0]
    assert (row["tillaegsprocent"], row["end_date"]) == ("75", "")  # an empty text result is a result


# ---- 5. the columns are on another sheet -------------------------------------------------------------

@pytest.mark.parametrize("configured", ["", "Forside"])
def test_the_sheet_that_has_the_columns_is_named(tmp_path: Path, configured: str) -> None:
    path = workbook(tmp_path / "sager.xlsx", {"Forside": [["Udtræk af fodbehandlingssager"], ["Dannet af ESDH"]],
                                              "Sager": THREE_CASES})
    raw = read_input(cases_spec(path, sheet=configured))
    with pytest.raises(InputError) as info:
        map_columns(raw)
    message = str(info.value)
    assert "sager.xlsx mangler en påkrævet kolonne på arket 'Forside': case_id ('Sagsnr.')" in message
    assert "Arket 'Sager' har kolonnerne" in message and 'sæt input.cases.sheet = "Sager"' in message


def test_without_another_sheet_the_missing_column_message_is_unchanged(tmp_path: Path) -> None:
    path = workbook(tmp_path / "sager.xlsx", {"Sager": [CASE_HEADER[2:], case_row("S-1")[2:]], "Noter": [["x"]]})
    with pytest.raises(InputError, match=r"sager.xlsx mangler en påkrævet kolonne: case_id \('Sagsnr.'\)") as info:
        map_columns(read_input(cases_spec(path)))
    assert "input.cases.sheet" not in str(info.value)


# ---- 6. UTF-16 without BOM -------------------------------------------------------------------------

NAMES = ["Søren Ærø", "Åse Østergård", "Bjørn Møller"]
LINES = [csv_line(CASE_HEADER), *[csv_line(case_row(f"S-{i}", f"0{i}0{i}50-{i}234", name=n))
                                  for i, n in enumerate(NAMES, start=1)]]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected_and_decoded(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "sager.csv"
    path.write_bytes(("\r\n".join(LINES) + "\r\n").encode(encoding))
    raw = read_input(cases_spec(path))
    frame = map_columns(raw).frame
    assert raw.meta["encoding"] == encoding and raw.meta["delimiter"] == ";"
    assert list(frame["name"]) == NAMES and list(frame["source_row"]) == [2, 3, 4]


def test_a_binary_file_with_every_other_byte_nul_is_not_taken_for_utf16(tmp_path: Path) -> None:
    path = tmp_path / "sager.csv"
    path.write_bytes(b"\x00\x01\x00\x02" * 250)
    with pytest.raises(InputError, match="sager.csv ser ud til at være en binær fil"):
        read_input(cases_spec(path))


# ---- 7. UTF-8 and Windows-1252 lines in one file ---------------------------------------------------

def test_a_file_mixing_utf8_and_windows_1252_lines_reads_every_name_right_and_names_the_lines(tmp_path: Path) -> None:
    path = tmp_path / "sager.csv"
    encodings = ["cp1252", "utf-8", "cp1252", "utf-8"]  # the header, then two programs taking turns
    path.write_bytes(b"".join((ln + "\r\n").encode(enc) for ln, enc in zip(LINES, encodings, strict=True))
                     + (csv_line(case_row("S-4", "040450-4567", name="Åse Østergård")) + "\r\n").encode("cp1252"))
    raw = read_input(cases_spec(path))
    frame = map_columns(raw).frame
    assert list(frame["name"]) == [*NAMES, "Åse Østergård"]  # no 'SÃ¸ren', no 'Ã\x85se'
    assert list(frame["source_row"]) == [2, 3, 4, 5]
    assert raw.meta["encoding"] == "utf-8+cp1252"
    assert ("sager.csv blander to tegnkodninger: 2 linje(r) er UTF-8 (linje 2 og 4), 3 linje(r) er Windows-1252 "
            "(linje 1, 3 og 5). Hver linje er læst i sin egen tegnkodning") in raw.meta["warnings"][0]


def test_many_mixed_lines_are_named_by_the_first_few_and_counted(tmp_path: Path) -> None:
    rows = [csv_line(case_row(f"S-{i}", name=NAMES[i % 3])) for i in range(20)]
    path = tmp_path / "sager.csv"
    path.write_bytes((LINES[0] + "\n").encode() + b"".join(
        (r + "\n").encode("utf-8" if i % 2 else "cp1252") for i, r in enumerate(rows)))
    raw = read_input(cases_spec(path))
    assert set(map_columns(raw).frame["name"]) == set(NAMES)
    assert ("11 linje(r) er UTF-8 (linje 1, 3, 5, 7, 9 … (11 i alt)), 10 linje(r) er Windows-1252 "  # 'Tillægsprocent'
            "(linje 2, 4, 6, 8, 10 … (10 i alt))") in raw.meta["warnings"][0]


@pytest.mark.parametrize("offset", range(10))
def test_a_utf8_letter_is_found_at_any_place_also_across_the_scan_blocks(monkeypatch, offset: int) -> None:
    monkeypatch.setattr(text, "_SCAN_BLOCK", 4)
    assert text._may_hold_utf8(b"S" * offset + "ø".encode() + b";x\r\n")
    assert not text._may_hold_utf8(b"S" * offset + "ø".encode("cp1252") + b";x\r\n")


def test_utf8_with_bom_and_windows_1252_lines_appended(tmp_path: Path) -> None:
    path = tmp_path / "sager.csv"
    path.write_bytes(("\r\n".join(LINES[:3]) + "\r\n").encode("utf-8-sig") + (LINES[3] + "\r\n").encode("cp1252"))
    raw = read_input(cases_spec(path))
    assert list(map_columns(raw).frame["name"]) == NAMES and raw.meta["encoding"] == "utf-8+cp1252"
    assert "1 linje(r) er Windows-1252 (linje 4)" in raw.meta["warnings"][0]


@pytest.mark.parametrize("encoding, detected", [("cp1252", "cp1252"), ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig")])
def test_a_file_in_one_encoding_reads_as_before(tmp_path: Path, encoding: str, detected: str) -> None:
    path = tmp_path / "sager.csv"
    path.write_bytes(("\r\n".join(LINES) + "\r\n").encode(encoding))
    raw = read_input(cases_spec(path))
    assert list(map_columns(raw).frame["name"]) == NAMES
    assert raw.meta["encoding"] == detected and raw.meta["warnings"] == []


def test_the_mixed_encoding_warning_reaches_the_console(batch_dir: Path) -> None:
    text = (batch_dir / "sager.csv").read_bytes().decode("cp1252").split("\r\n")
    (batch_dir / "sager.csv").write_bytes(("\r\n".join(text[:2]) + "\r\n").encode("utf-8")
                                          + "\r\n".join(text[2:]).encode("cp1252"))
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert ("Bemærk: sager.csv blander to tegnkodninger: 2 linje(r) er UTF-8 (linje 1 og 2), 3 linje(r) er "
            "Windows-1252 (linje 3, 4 og 5)") in result.output
    names = [r[2] for r in sheet_data(batch_dir / "ud" / "konverteringsark.xlsx", "Sager")]
    assert names == ["Søren Ærø", "Åse Østergård", "Bjørn Møller"]


# ---- 8. delimiter detection ------------------------------------------------------------------------

TITLE_WITH_COMMAS = "Fodbehandling, indlæg, sko, strømper, bandager, kompression, negle, hård hud"


@pytest.mark.parametrize("name, lines, delimiter", [
    ("semicolon, one title with many commas",
     [csv_line(CASE_HEADER), csv_line(case_row("S-1", title=TITLE_WITH_COMMAS))], ";"),
    ("semicolon, commas in every amount", [csv_line(CASE_HEADER), csv_line(case_row("S-1")),
                                           csv_line(case_row("S-2", assets="1.234,50"))], ";"),
    ("comma", [csv_line(CASE_HEADER, ","), csv_line(case_row("S-1", assets="45000"), ",")], ","),
    ("tab", [csv_line(CASE_HEADER, "\t"), csv_line(case_row("S-1", title=TITLE_WITH_COMMAS), "\t")], "\t"),
    ("pipe", [csv_line(CASE_HEADER, "|"), csv_line(case_row("S-1", title=TITLE_WITH_COMMAS), "|")], "|"),
    ("title block with commas above the header",
     ["Udtræk, fodbehandling, alle sager, dannet 01-02-2024", "", csv_line(CASE_HEADER),
      csv_line(case_row("S-1"))], ";"),
])
def test_the_header_line_decides_the_delimiter(tmp_path: Path, name: str, lines: list[str], delimiter: str) -> None:
    path = tmp_path / "sager.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    raw = read_input(cases_spec(path))
    assert raw.meta["delimiter"] == delimiter
    assert list(map_columns(raw).frame["case_id"])[0] == "S-1"


@pytest.mark.parametrize("text, delimiter", [
    ("a;b;c\n1;2;3\n", ";"),
    ("a,b,c\n1,2,3\n", ","),
    ("a\tb\tc\n1\t2\t3\n", "\t"),
    ("a|b|c\n1|2|3\n", "|"),
    ("a;b\n1,5;2,5\n", ";"),  # decimal commas in the data
    ("a;b;c\n1;" + TITLE_WITH_COMMAS + ";3\n2;x;4\n", ";"),  # without known headers: the lines that agree win
    ("", ";"),
    ("just one column\n", ";"),
])
def test_detect_delimiter_of_plain_text(text: str, delimiter: str) -> None:
    assert detect_delimiter(text) == delimiter


def test_a_configured_delimiter_is_used_as_given(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sager.csv", CASE_HEADER, [case_row("S-1")])
    raw = read_input(cases_spec(path, delimiter=","))
    assert raw.meta["delimiter"] == "," and raw.headers == [";".join(CASE_HEADER)]


def test_start_lines_stay_exact_with_a_mixed_encoding_and_a_quoted_line_break(tmp_path: Path) -> None:
    path = tmp_path / "sager.csv"
    quoted = csv_line(case_row("S-2", "020250-2345", name="Åse\nØstergård"))
    path.write_bytes((LINES[0] + "\r\n" + LINES[1] + "\r\n").encode("utf-8")
                     + (quoted + "\r\n" + csv_line(case_row("S-3", "030350-3456", name="Bjørn")) + "\r\n"
                        ).encode("cp1252"))
    raw = read_input(cases_spec(path))
    frame = map_columns(raw).frame
    assert list(frame["name"]) == ["Søren Ærø", "Åse\nØstergård", "Bjørn"]
    assert list(frame["source_row"]) == [2, 3, 5]


def test_dates_in_a_workbook_are_unchanged(tmp_path: Path) -> None:
    rows = [CASE_HEADER, xlsx_row("S-1", end=dt.datetime(2024, 1, 31), pct=0.75)]
    raw = read_input(cases_spec(workbook(tmp_path / "sager.xlsx", {"Sager": rows},
                                         formats={("Sager", "I2"): "0%"})))
    row = map_columns(raw).frame.iloc[0]
    assert (row["end_date"], row["tillaegsprocent"]) == ("2024-01-31", "75")
