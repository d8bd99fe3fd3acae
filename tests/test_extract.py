"""Reading exports as Danish municipalities really make them: CSV dialects and encodings, XLSX quirks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from convert.errors import ConfigError, InputError
from convert.read.mapping import map_columns
from convert.read.table import read_input
from convert.settings.inputs import InputSpec
from tests.conftest import CASE_HEADER, case_row, csv_line, write_csv

ROWS = [case_row("S-1", name="Søren Ærø"), case_row("S-2", name="Åse Øster")]


def _spec(path: Path, **kw) -> InputSpec:
    return InputSpec(table="cases", path=path, **kw)


@pytest.mark.parametrize("encoding, delimiter, newline, expected_encoding", [
    ("cp1252", ";", "\r\n", "cp1252"),
    ("utf-8-sig", ";", "\r\n", "utf-8-sig"),
    ("utf-8", ",", "\n", "utf-8"),
    ("utf-8", "\t", "\n", "utf-8"),
    ("iso-8859-1", ";", "\n", "cp1252"),  # æøå are the same bytes in both: cp1252 is the detected superset
])
def test_csv_dialects_and_encodings_are_detected(tmp_path: Path, encoding, delimiter, newline, expected_encoding):
    path = write_csv(tmp_path / "s.csv", CASE_HEADER, ROWS, encoding=encoding, delimiter=delimiter, newline=newline)
    raw = read_input(_spec(path))
    mapped = map_columns(raw)
    frame, mapping = mapped.frame, mapped.columns
    assert list(frame["name"]) == ["Søren Ærø", "Åse Øster"]
    assert raw.meta["encoding"] == expected_encoding and raw.meta["delimiter"] == delimiter
    assert mapping["cpr"] == "CPR-nr."
    assert list(frame["source_row"]) == [2, 3]


def test_pinned_encoding_that_does_not_decode_names_the_line(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", CASE_HEADER, ROWS, encoding="cp1252")
    with pytest.raises(InputError, match="kan ikke læses som utf-8: ugyldigt tegn på linje 1") as info:  # æ in "Tillægsprocent"
        read_input(_spec(path, encoding="utf-8"))
    assert info.value.exit_code == 3


def test_multiline_quoted_field_keeps_the_start_line(tmp_path: Path) -> None:
    rows = [case_row("S-1", title="Fod-\nbehandling; ny\nlinje"), case_row("S-2")]
    path = write_csv(tmp_path / "s.csv", CASE_HEADER, rows)
    frame = map_columns(read_input(_spec(path))).frame
    assert list(frame["source_row"]) == [2, 5]  # S-1 spans lines 2-4
    assert frame["title"].iloc[0] == "Fod-\nbehandling; ny\nlinje"


def test_ragged_lines_are_rejected_with_line_numbers_and_the_rest_kept(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", CASE_HEADER, [case_row("S-1"), "S-2;x;y", case_row("S-3") + ["extra"],
                                                       case_row("S-4") + [""]])
    raw = read_input(_spec(path))
    assert list(raw.rejected["source_row"]) == [3, 4]
    assert "Linje 3 har 3 felter, men overskriften har 13" in raw.rejected["reason"].iloc[0]
    assert list(raw.frame["source_row"]) == [2, 5]  # a trailing empty field is not ragged
    assert raw.records_read == 4


def test_mixed_line_endings_and_blank_lines(tmp_path: Path) -> None:
    text = csv_line(CASE_HEADER) + "\r\n" + csv_line(case_row("S-1")) + "\n\n" + csv_line(case_row("S-2")) + "\r"
    path = tmp_path / "s.csv"
    path.write_bytes(text.encode("utf-8"))
    raw = read_input(_spec(path))
    assert list(raw.frame["source_row"]) == [2, 4]
    assert raw.meta["line_endings"] == "CRLF+LF+CR"


def test_title_block_above_the_header_is_skipped(tmp_path: Path) -> None:
    text = "Udtræk fra SBSYS;;\r\nDannet 27.11.2026, kl. 10:00\r\n\r\n" + csv_line(CASE_HEADER) + "\r\n" \
        + csv_line(case_row("S-1")) + "\r\n"
    path = tmp_path / "s.csv"
    path.write_bytes(text.encode("cp1252"))
    raw = read_input(_spec(path))
    assert raw.meta["header_row"] == 4 and list(raw.frame["source_row"]) == [5]


def test_explicit_mapping_for_other_headers(tmp_path: Path) -> None:
    header = ["Sag", "Borgers CPR", "Borgernavn", "Titel", "Art", "Tilstand", "Bevilget", "Ophørsdato"]
    path = write_csv(tmp_path / "s.csv", header, [["S-1", "0101501234", "Navn", "Fod", "Fodbehandling", "Aktiv",
                                                   "01-01-2020", ""]])
    spec = _spec(path, columns={"case_id": "Sag", "cpr": "Borgers CPR", "benefit": "Art"})
    mapped = map_columns(read_input(spec))
    frame, mapping = mapped.frame, mapped.columns
    assert mapping == {"case_id": "Sag", "cpr": "Borgers CPR", "benefit": "Art", "name": "Borgernavn",
                       "title": "Titel", "status": "Tilstand", "grant_date": "Bevilget", "end_date": "Ophørsdato"}
    assert frame["tillaegsprocent"].isna().all()  # absent optional fields are empty columns


def test_mapping_to_a_header_not_in_the_file_is_a_config_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", CASE_HEADER, ROWS)
    with pytest.raises(ConfigError, match="input.cases.columns.cpr = 'Personnr', men s.csv har ingen kolonne"):
        map_columns(read_input(_spec(path, columns={"cpr": "Personnr"})))


def test_required_column_missing_names_it_and_lists_the_headers(tmp_path: Path) -> None:
    header = [h for h in CASE_HEADER if h != "CPR-nr."]
    path = write_csv(tmp_path / "s.csv", header, [[v for i, v in enumerate(case_row("S-1")) if i != 1]])
    with pytest.raises(InputError, match=r"mangler en påkrævet kolonne: cpr \('CPR-nr.'\)") as info:
        map_columns(read_input(_spec(path)))
    assert "Sagsnr." in str(info.value) and info.value.exit_code == 3


def test_duplicate_header_of_a_used_field_is_an_error(tmp_path: Path) -> None:
    header = CASE_HEADER + ["CPR-nr."]
    path = write_csv(tmp_path / "s.csv", header, [case_row("S-1") + ["020250-1234"]])
    with pytest.raises(InputError, match="kolonnen 'CPR-nr.' findes 2 gange"):
        map_columns(read_input(_spec(path)))


@pytest.mark.parametrize("content, name, message", [
    (b"", "s.csv", "Filen er tom"),
    (b"   \r\n", "s.csv", "Filen er tom"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "s.xls", "gammel Excel-fil"),
    (b"%PDF-1.4 ...", "s.csv", "er en PDF-fil"),
    (b"\x00\x01\x02\x03" * 100, "s.csv", "binær fil"),
    (b"PK\x03\x04 truncated", "s.xlsx", "ikke en gyldig .xlsx-fil"),
])
def test_unreadable_files(tmp_path: Path, content: bytes, name: str, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read_input(_spec(path))
    assert info.value.exit_code == 3


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Filen findes ikke"):
        read_input(_spec(tmp_path / "nope.csv"))


def _xlsx(path: Path, rows: list[list[object]], sheet: str = "Sager", extra_sheet: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Forside" if extra_sheet else sheet
    if extra_sheet:
        ws["A1"] = "Ikke data"
        ws = wb.create_sheet(sheet)
    for r in rows:
        ws.append(r)
    ws.append([])
    ws.append([None, None])  # empty trailing rows
    wb.save(path)
    return path


def test_xlsx_sheet_title_block_real_dates_and_numeric_cpr(tmp_path: Path) -> None:
    rows = [["Sagsudtræk – fodbehandling"], [], CASE_HEADER,
            ["S-1", 101501234, "Søren", "Fod", "Fodbehandling", "Aktiv", dt.datetime(2020, 2, 1), None, 75.5,
             "Folkepension", 45000.5, "ABJ", 435]]
    path = _xlsx(tmp_path / "s.xlsx", rows)
    raw = read_input(_spec(path, sheet="Sager"))
    frame = map_columns(raw).frame
    row = frame.iloc[0]
    assert (row["cpr"], row["grant_date"], row["tillaegsprocent"], row["assets"]) == \
        ("101501234", "2020-02-01", "75,5", "45000,5")
    assert list(frame["source_row"]) == [4] and raw.meta["header_row"] == 3 and raw.meta["sheet"] == "Sager"
    assert raw.records_read == 1  # empty trailing rows are not records


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "s.xlsx", [CASE_HEADER])
    with pytest.raises(ConfigError, match="Arket 'Ark1' findes ikke") as info:
        read_input(_spec(path, sheet="Ark1"))
    assert "Forside, Sager" in str(info.value)


def test_a_chart_sheet_named_as_the_data_sheet_is_refused(tmp_path: Path) -> None:
    """A chart sheet has no cells: a configuration error naming the sheet, not a crash."""
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.Workbook()
    wb.active.append(CASE_HEADER)
    wb.active.append([1, 2, 3])
    chart = BarChart()
    chart.add_data(Reference(wb.active, min_col=1, min_row=2, max_col=3))
    wb.create_chartsheet("Diagram").add_chart(chart)
    wb.save(tmp_path / "s.xlsx")
    with pytest.raises(ConfigError, match="Arket 'Diagram' i s.xlsx er et diagramark"):
        read_input(_spec(tmp_path / "s.xlsx", sheet="Diagram"))
