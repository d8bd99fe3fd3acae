"""`kp-convert inspect`: the export profile, before anything is converted.

Fixtures are modelled on real systems' headers (shared/reference/esdh-headers.md, source named at each) and are
fictitious. Every test scans every output – console, JSON, every cell of kortlaegning.xlsx – for the fixtures' CPR
numbers, names and free text: the profile must hold none of them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from convert.read.profile import profile_exports
from convert.read.profile_model import PROFILE_FORMAT, ExportProfile, FileProfile
from convert.settings.batch import load_config
from tests.conftest import kp_convert, write_config, write_csv

REPO = Path(__file__).resolve().parents[1]


# ---- fixtures: exports as real systems write them -------------------------------------------------

# KMD WorkZone (official user guide, case fields): Titel, Sagstekst, Tilstand, Sagstype, Sagsbehandler, Ansvarlig
# enhed, Oprettelsesdato, Afsluttet dato. Exported to Excel with a title block above the header, dates as real Excel
# dates, the CPR number stored as a number (the leading zero lost), and a hidden look-up sheet.
WORKZONE_PEOPLE = [  # (CPR as Excel stored it, the CPR, name)
    (101501234, "010150-1234", "Karen Margrethe Vestergaard"),
    (2202451122, "220245-1122", "Poul Erik Brøndum"),
    (303401357, "030340-1357", "Inger Lise Thygesen"),
    (1512381248, "151238-1248", "Svend Åge Kjærsgaard"),
]
WORKZONE_HEADER = ["Sagsnummer", "Titel", "Sagstekst", "Tilstand", "Sagstype", "CPR-nummer", "Primær part",
                   "Bevilling fra", "Bevilling til", "Oprettelsesdato", "Afsluttet dato", "Sagsbehandler",
                   "Ansvarlig enhed"]


def workzone_export(folder: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sagsliste"
    ws.append(["Sagsliste – udvidet helbredstillæg"])
    ws.append(["Udtrukket af WorkZone"])
    ws.append([])
    ws.append(WORKZONE_HEADER)
    for i, (number, _, name) in enumerate(WORKZONE_PEOPLE):
        closed = i == 3
        ws.append([f"24-0{1230 + i}", "Udvidet helbredstillæg – fodbehandling" if i < 3 else "Briller",
                   f"Ansøgning fra {name} om tilskud", "Afsluttet" if closed else "Under behandling",
                   "Helbredstillæg", number, name, dt.datetime(2020 + i, 2, 1), None,
                   dt.datetime(2019 + i, 12, 15), dt.datetime(2024, 6, 30) if closed else None, "ABJ", "Pension"])
    hidden = wb.create_sheet("Opslag")
    hidden.append(["Tilstand"])
    hidden.append(["Under behandling"])
    hidden.sheet_state = "hidden"
    path = folder / "workzone.xlsx"
    wb.save(path)
    return path


# Acadre PWS (SyddjursAcadreIntegration): CaseFileNumberIdentifier, CaseFileTitleText – for a citizen's case the
# CPR number –, TitleAlternativeText – the citizen's name –, CaseFileStatusCode B (open) / A (closed), CaseDate,
# ClosedDate, ResponsibleUserName; the benefit in a custom field. UTF-8 with BOM, comma-separated.
ACADRE_PEOPLE = [("120347-2231", "Bodil Kirstine Hjorth"), ("051152-1994", "Niels Ove Damgaard"),
                 ("280939-3318", "Ellen Sofie Lykkegaard")]
ACADRE_HEADER = ["CaseFileNumberIdentifier", "CaseFileTitleText", "TitleAlternativeText", "CaseFileStatusCode",
                 "CaseDate", "ClosedDate", "ResponsibleUserName", "Ydelsesnavn"]


def acadre_export(folder: Path) -> Path:
    rows = [[f"24/{1000 + i}", cpr, name, "A" if i == 2 else "B", f"2021-0{i + 1}-10", "2024-05-01" if i == 2 else "",
             "Hanne Birk", "Fodbehandling"] for i, (cpr, name) in enumerate(ACADRE_PEOPLE)]
    return write_csv(folder / "acadre.csv", ACADRE_HEADER, rows, encoding="utf-8-sig", delimiter=",")


# SBSYS REST API (AAK-MBU/api-sbsys-client, models/sag.py and models/part.py): Nummer, Titel, Sagsstatus (Navn),
# CPRnummer, Navn, Sagsbehandler; the grant period in fields named by the municipality, which no alias knows.
SBSYS_PEOPLE = [("090944-1001", "Jens Peter Højgaard"), ("171248-2002", "Anna Marie Skovbølling"),
                ("230551-1003", "Tove Birgitte Rask")]
SBSYS_HEADER = ["Nummer", "Titel", "Sagsstatus", "CPRnummer", "Navn", "Ydelse", "Periode start", "Periode ophør",
                "Tillægsprocent", "Sagsbehandler"]


def sbsys_export(folder: Path) -> Path:
    rows = [[f"32.03.12-G01-{i + 1}-24", "Fodbehandling", "Aktiv" if i < 2 else "Afsluttet", cpr, name,
             "Fodbehandling", f"0{i + 1}-03-2021", "" if i < 2 else "31-12-2024", "100", "SØL"]
            for i, (cpr, name) in enumerate(SBSYS_PEOPLE)]
    return write_csv(folder / "sbsys.csv", SBSYS_HEADER, rows)


# ---- helpers ----------------------------------------------------------------------------------------

def inspect(config: Path, out: Path, *extra: str) -> tuple[str, dict, list[str]]:
    """Run `inspect` twice (summary, --json) through the CLI; returns the console text, the JSON document and every
    cell of kortlaegning.xlsx as text."""
    summary = kp_convert("inspect", config, "--out", out, *extra)
    assert summary.exit_code == 0, summary.output
    as_json = kp_convert("inspect", config, "--out", out, "--json", *extra)
    assert as_json.exit_code == 0, as_json.output
    doc = json.loads(as_json.stdout)
    return summary.output, doc, workbook_cells(out / "kortlaegning.xlsx")


def workbook_cells(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
                if v is not None]
    finally:
        wb.close()


def assert_nothing_personal(outputs: list[str], cprs: list[str], texts: list[str]) -> None:
    """No CPR number in any form (with or without dash, as Excel's number) and no name or free text."""
    every = "\n".join(outputs)
    for cpr in cprs:
        digits = cpr.replace("-", "")
        for form in {cpr, digits, digits.lstrip("0")}:
            assert not re.search(rf"(?<![0-9]){re.escape(form)}(?![0-9])", every), f"CPR {cpr} in an output"
    for text in texts:
        for word in (text, *text.split()):
            if len(word) > 3:  # whole names and each part of them ("Vestergaard")
                assert word not in every, f"'{word}' in an output"


def column(doc: dict, file: str, header: str) -> dict:
    f = next(f for f in doc["files"] if f["file"] == file)
    return next(c for c in f["columns"] if c["header"] == header)


def file_of(doc: dict, file: str) -> dict:
    return next(f for f in doc["files"] if f["file"] == file)


def all_outputs(console: str, doc: dict, cells: list[str]) -> list[str]:
    return [console, json.dumps(doc, ensure_ascii=False), *cells]


# ---- the sample ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    for p in (REPO / "sample_data").iterdir():
        if p.suffix in (".csv", ".toml"):
            shutil.copy(p, folder / p.name)
    return folder


def test_sample_profile(sample: Path, tmp_path: Path) -> None:
    console, doc, cells = inspect(sample / "kp-convert.toml", tmp_path / "ud")
    assert "kp-convert kortlægning" in console and "Kortlægningen er skrevet" in console
    cases = file_of(doc, "sager.csv")
    assert (cases["format"], cases["encoding"], cases["delimiter"], cases["header_row"]) == ("csv", "cp1252", ";", 1)
    assert cases["records"] == 302 and cases["ragged_lines"] == 2 and not cases["blocking"]
    kinds = {c["header"]: c["kind"] for c in cases["columns"]}
    assert kinds == {"Sagsnr.": "case_number", "CPR-nr.": "cpr", "Navn": "text", "Sagstitel": "text",
                     "Ydelse": "text", "Sagsstatus": "text", "Bevilget dato": "date", "Slutdato": "date",
                     "Tillægsprocent": "percent", "Pensionstype": "text", "Formue": "amount",
                     "Sagsbehandler": "text", "Overslag": "amount"}
    assert all(c["how"] == "alias" for c in cases["columns"])
    status = column(doc, "sager.csv", "Sagsstatus")
    assert {v["value"]: (v["rows"], v["running"]) for v in status["values"]} == {
        "Aktiv": (205, True), "Åben": (60, True), "Afsluttet": (25, False), "Arkiveret": (9, False),
        "Hvilende": (1, False)}
    assert column(doc, "sager.csv", "Navn")["values"] is None  # never a name
    assert column(doc, "sager.csv", "Sagstitel")["values"] is None  # never free text
    sel = cases["selection"]
    assert sel["running_rows"] == 265 and sel["foot_care_rows"] == 235
    assert sel["statuses_not_found"] == ["Igangværende", "Under behandling"]
    assert sel["end_date"] == {"open_ended": 278, "after_cutover": 6, "on_or_before_cutover": 16, "invalid": 0}
    grant = column(doc, "sager.csv", "Bevilget dato")["dates"]
    assert grant == {"first": "2015-01-06", "last": "2026-06-24", "open_ended": 0, "invalid": 1}  # 31-11-2024
    assert doc["years_without_limit"] == [2025, 2026, 2027]  # 2027: one declaration before the cut-over
    assert {y["year"]: y["limit"] for y in doc["asset_years"]}[2024] == 99_200
    assert file_of(doc, "dokumenter.csv")["columns"][3]["values"][0] == {"value": "Indgående", "rows": 1132,
                                                                       "running": None}
    block = cases["columns_block"]
    assert block[0] == "[input.cases.columns]" and block[8].startswith('end_date = "Slutdato"')
    with (sample / "sager.csv").open(encoding="cp1252", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    cprs = [r["CPR-nr."] for r in rows if re.fullmatch(r"[0-9]{6}-[0-9]{4}", r["CPR-nr."])]
    names = [r["Navn"].lstrip("+@") for r in rows if r["Navn"]]
    assert len(cprs) > 250 and len(names) > 250
    assert_nothing_personal(all_outputs(console, doc, cells), cprs, names)


def test_json_shape(sample: Path, tmp_path: Path) -> None:
    result = kp_convert("inspect", sample / "kp-convert.toml", "--out", tmp_path, "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)  # stdout is the JSON document alone
    assert doc["format"] == PROFILE_FORMAT and doc["workbook"] == str(tmp_path / "kortlaegning.xlsx")
    assert set(doc) == {"format", "workbook", "batch", "config", "cutover_date", "files", "asset_years",
                        "years_without_limit"}
    assert doc["cutover_date"] == "2027-01-04" and [f["table"] for f in doc["files"]] == ["cases", "documents",
                                                                                          "assets"]
    f = doc["files"][0]
    assert set(f) == {"table", "table_label", "file", "path", "error", "error_exit_code", "format", "encoding",
                      "delimiter", "line_endings", "sheet", "sheets", "header_row", "title_rows_skipped", "records",
                      "ragged_lines", "warnings", "blocking", "notes", "columns", "missing", "selection",
                      "columns_block"}
    assert set(f["columns"][0]) == {"position", "header", "field", "field_label", "how", "reason", "kind",
                                    "kind_label", "filled", "fill_rate", "distinct", "dates", "values",
                                    "values_note", "suggestion"}
    assert set(doc["asset_years"][0]) == {"year", "source", "declarations", "after_cutover", "limit"}
    assert (tmp_path / "kortlaegning.xlsx").exists()  # --json writes the workbook too


def test_the_workbook(sample: Path, tmp_path: Path) -> None:
    kp_convert("inspect", sample / "kp-convert.toml", "--out", tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "kortlaegning.xlsx")
    assert wb.sheetnames == ["Oversigt", "Kolonner", "Værdier", "Formueår", "Konfiguration"]
    ws = wb["Kolonner"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    header = [c.value for c in ws[1]]
    grant = next(r for r in ws.iter_rows(min_row=2) if r[header.index("Overskrift")].value == "Bevilget dato")
    first = grant[header.index("Første dato")]
    assert first.is_date and first.value.date() == dt.date(2015, 1, 6) and first.number_format == "dd-mm-yyyy"
    assert isinstance(grant[header.index("Udfyldt (%)")].value, int | float)
    years = {r[0]: r for r in wb["Formueår"].iter_rows(min_row=2, values_only=True)}
    assert years[2024][4] == 99_200 and years[2025][4] is None and years[2025][5] == "Ja"
    assert all(isinstance(y, int) for y in years)


# ---- WorkZone-like XLSX -------------------------------------------------------------------------------

def test_workzone_xlsx(tmp_path: Path) -> None:
    workzone_export(tmp_path)
    config = write_config(tmp_path, cases="workzone.xlsx", documents=None, assets=None)
    console, doc, cells = inspect(config, tmp_path / "ud")
    f = file_of(doc, "workzone.xlsx")
    assert (f["format"], f["sheet"], f["header_row"], f["title_rows_skipped"], f["records"]) == (
        "xlsx", "Sagsliste", 4, 2, 4)  # the blank row is no record
    assert f["sheets"] == [{"name": "Sagsliste", "state": "visible"}, {"name": "Opslag", "state": "hidden"}]
    assert "andre ark: Opslag (skjult)" in console
    how = {c["header"]: (c["field"], c["how"], c["kind"]) for c in f["columns"]}
    assert how["Tilstand"] == ("status", "alias", "text")
    assert how["Titel"] == ("title", "alias", "text")
    assert how["Sagsbehandler"] == ("caseworker", "alias", "text")
    assert how["CPR-nummer"] == ("cpr", "alias", "cpr")  # stored as a number, 9 digits where the 0 was lost
    assert how["Bevilling fra"] == ("grant_date", "alias", "date")  # real Excel dates
    assert how["Bevilling til"] == ("end_date", "alias", "empty")
    assert how["Oprettelsesdato"] == (None, "not_mapped", "date")
    assert how["Sagstekst"] == (None, "not_mapped", "text")
    assert column(doc, "workzone.xlsx", "Oprettelsesdato")["dates"]["first"] == "2019-12-15"
    assert column(doc, "workzone.xlsx", "Primær part")["suggestion"]["field"] == "name"
    assert "allerede er koblet" in column(doc, "workzone.xlsx", "Afsluttet dato")["reason"]  # like end_date, taken
    status = column(doc, "workzone.xlsx", "Tilstand")["values"]
    assert {v["value"]: v["running"] for v in status} == {"Under behandling": True, "Afsluttet": False}
    assert f["selection"]["selected_rows"] == 3 and f["selection"]["foot_care_by_field"] == {"benefit": 0, "title": 3}
    assert column(doc, "workzone.xlsx", "Sagstype")["values"] == [{"value": "Helbredstillæg", "rows": 4,
                                                                   "running": None}]
    checks = {m["field"] for m in f["missing"] if m["need"] == "check"}
    assert {"tillaegsprocent", "pension_type", "asset_date", "documents"} <= checks
    assert_nothing_personal(all_outputs(console, doc, cells), [p[1] for p in WORKZONE_PEOPLE],
                            [p[2] for p in WORKZONE_PEOPLE] + ["Ansøgning fra"])


# ---- Acadre-like CSV ----------------------------------------------------------------------------------

def test_acadre_cpr_in_the_title(tmp_path: Path) -> None:
    acadre_export(tmp_path)
    config = write_config(tmp_path, cases="acadre.csv", documents=None, assets=None)
    console, doc, cells = inspect(config, tmp_path / "ud")
    f = file_of(doc, "acadre.csv")
    assert (f["encoding"], f["delimiter"]) == ("utf-8-sig", ",")
    title = column(doc, "acadre.csv", "CaseFileTitleText")
    assert title["how"] == "refused" and title["kind"] == "cpr" and "CPR-numre" in title["reason"]
    assert title["suggestion"]["line"] == 'cpr = "CaseFileTitleText"'  # by its content: no header says CPR
    assert column(doc, "acadre.csv", "TitleAlternativeText")["field"] == "name"
    assert column(doc, "acadre.csv", "CaseFileNumberIdentifier")["field"] == "case_id"
    status = column(doc, "acadre.csv", "CaseFileStatusCode")
    assert {v["value"]: (v["rows"], v["running"]) for v in status["values"]} == {"B": (2, False), "A": (1, False)}
    assert f["selection"]["running_rows"] == 0  # B/A are no active status yet: the profile shows it
    assert f["selection"]["statuses_not_found"] == ["Aktiv", "Åben", "Igangværende", "Under behandling"]
    missing = {m["field"]: m for m in f["missing"]}
    assert missing["cpr"]["need"] == "required" and missing["cpr"]["suggestion"] == 'cpr = "CaseFileTitleText"'
    assert missing["end_date"]["need"] == "decision" and missing["end_date"]["suggestion"] == ""  # ClosedDate is not it
    assert any("end_date" in line for line in f["blocking"])
    block = "\n".join(f["columns_block"])
    assert 'cpr = "CaseFileTitleText"' in block and "FORSLAG" in block
    assert 'not_in_export = ["end_date"]' in block
    assert 'cpr = "CaseFileTitleText"' in console
    assert_nothing_personal(all_outputs(console, doc, cells), [p[0] for p in ACADRE_PEOPLE],
                            [p[1] for p in ACADRE_PEOPLE])


# ---- SBSYS-like CSV -----------------------------------------------------------------------------------

def test_sbsys_grant_period_headers_no_alias_knows(tmp_path: Path) -> None:
    sbsys_export(tmp_path)
    config = write_config(tmp_path, cases="sbsys.csv", documents=None, assets=None)
    console, doc, cells = inspect(config, tmp_path / "ud")
    f = file_of(doc, "sbsys.csv")
    end = column(doc, "sbsys.csv", "Periode ophør")
    assert end["kind"] == "date" and end["how"] == "not_mapped"
    assert end["suggestion"]["line"] == 'end_date = "Periode ophør"'
    assert "Slutdato" in end["suggestion"]["reason"] and "datoer" in end["suggestion"]["reason"]
    assert column(doc, "sbsys.csv", "Periode start")["suggestion"]["line"] == 'grant_date = "Periode start"'
    missing = {m["field"]: m for m in f["missing"]}
    assert missing["end_date"]["suggestion"] == 'end_date = "Periode ophør"'
    assert column(doc, "sbsys.csv", "CPRnummer")["field"] == "cpr"
    assert column(doc, "sbsys.csv", "Nummer")["field"] == "case_id"
    assert f["selection"]["selected_rows"] is None  # the end date decides, and it is not mapped yet
    assert 'end_date = "Periode ophør"' in console
    block = f["columns_block"]
    assert any(line.startswith('end_date = "Periode ophør"') and "FORSLAG" in line for line in block)
    assert_nothing_personal(all_outputs(console, doc, cells), [p[0] for p in SBSYS_PEOPLE],
                            [p[1] for p in SBSYS_PEOPLE])


def test_pasting_the_block_makes_run_read_it(tmp_path: Path) -> None:
    """The lines inspect suggests are the lines run needs: pasted, the run goes through."""
    sbsys_export(tmp_path)
    config = write_config(tmp_path, cases="sbsys.csv", documents=None, assets=None)
    assert kp_convert("run", config, "--out", tmp_path / "ud").exit_code == 2  # the end date is not known
    profile = profile_exports(load_config(config))
    block = "\n".join(profile.files[0].columns_block)
    config.write_text(config.read_text(encoding="utf-8") + "\n" + block + "\n", encoding="utf-8")
    result = kp_convert("run", config, "--out", tmp_path / "ud")
    assert result.exit_code == 0, result.output
    again = profile_exports(load_config(config)).files[0]
    assert column_how(again, "Periode ophør") == ("end_date", "config") and not again.blocking


def column_how(f: FileProfile, header: str) -> tuple[str | None, str]:
    c = next(c for c in f.columns if c.header == header)
    return c.field, c.how


# ---- what run would refuse, reported ------------------------------------------------------------------

def test_what_run_refuses_is_reported_not_raised(tmp_path: Path) -> None:
    header = ["Sagsnr.", "CPR-nr.", "Navn", "Ydelse", "Sagsstatus", "Slutdato", "Slutdato"]
    write_csv(tmp_path / "sager.csv", header, [
        ["S-1", "010150-1234", "Søren Ærøskøbing", "Fodbehandling", "Aktiv", "", ""]])
    write_csv(tmp_path / "dokumenter.csv", ["010150-1234", "Søren Ærøskøbing", "01-01-2020"], [
        ["020250-2345", "Åse Østergård", "02-01-2020"]])  # no header line: the first line is data
    config = write_config(tmp_path, assets="findes_ikke.csv", case_columns='caseworker = "Behandler"\n')
    console, doc, cells = inspect(config, tmp_path / "ud")
    cases, documents, assets = doc["files"]
    assert any("Behandler" in s and "exit 2" in s for s in cases["blocking"])  # a configured header not there
    assert any("Slutdato" in s and "flere gange" in s for s in cases["blocking"])  # end_date would claim it twice
    assert [c["how"] for c in cases["columns"]][-1] == "duplicate"
    assert assets["error"].startswith("Filen findes ikke") and assets["error_exit_code"] == 3
    assert any("ligner data" in s for s in documents["blocking"])
    assert [c["header"] for c in documents["columns"]] == ["Kolonne 1", "Kolonne 2", "Kolonne 3"]
    assert documents["columns_block"] == []
    assert "KAN IKKE LÆSES" in console
    assert_nothing_personal(all_outputs(console, doc, cells), ["010150-1234", "020250-2345"],
                            ["Søren Ærøskøbing", "Åse Østergård"])


def test_values_never_show_a_person_even_when_mapped_by_mistake(tmp_path: Path) -> None:
    """The status mapped to the names column and the benefit to the CPR column (a configuration mistake): the
    profile shows neither, and says why."""
    write_csv(tmp_path / "sager.csv", ["Sagsnr.", "Personnummer", "Borger", "Tilstand", "Type", "Slutdato"], [
        ["S-1", "010150-1234", "Karen Jensen", "Aktiv", "Fodbehandling", ""],
        ["S-2", "020250-2345", "Poul Erik Brøndum", "Aktiv", "Fodbehandling", ""]])
    config = write_config(tmp_path, documents=None, assets=None,
                          case_columns='status = "Borger"\nbenefit = "Personnummer"\ncpr = "Personnummer"\n')
    console, doc, cells = inspect(config, tmp_path / "ud")
    status = column(doc, "sager.csv", "Borger")
    assert status["field"] == "status" and status["values"] == [] and "vises ikke" in status["values_note"]
    assert_nothing_personal(all_outputs(console, doc, cells), ["010150-1234", "020250-2345"],
                            ["Karen Jensen", "Poul Erik Brøndum"])


def test_kp_report_is_profiled_when_it_has_a_path(tmp_path: Path) -> None:
    sbsys_export(tmp_path)
    write_csv(tmp_path / "kp.csv", ["KP-sagsnr.", "CPR-nr.", "Navn", "Sagstype", "Ansøgningsdato", "Bevilling start",
                                    "Bevilling slut", "Status"],
              [["KP-1", "090944-1001", "Jens Peter Højgaard", "Udvidet helbredstillæg - fodbehandling",
                "01-03-2024", "04-01-2027", "", "Aktiv"]])
    config = write_config(tmp_path, cases="sbsys.csv", documents=None, assets=None,
                          extra='[input.kp_report]\npath = "kp.csv"\n')
    console, doc, cells = inspect(config, tmp_path / "ud")
    kp = file_of(doc, "kp.csv")
    assert kp["table"] == "kp_report" and not kp["missing"]
    assert column(doc, "kp.csv", "Sagstype")["values"][0]["value"] == "Udvidet helbredstillæg - fodbehandling"
    assert_nothing_personal(all_outputs(console, doc, cells), [p[0] for p in SBSYS_PEOPLE],
                            [p[1] for p in SBSYS_PEOPLE])


def test_library_call_writes_nothing(tmp_path: Path) -> None:
    sbsys_export(tmp_path)
    config = write_config(tmp_path, cases="sbsys.csv", documents=None, assets=None)
    before = sorted(p.name for p in tmp_path.iterdir())
    profile = profile_exports(load_config(config))
    assert isinstance(profile, ExportProfile) and sorted(p.name for p in tmp_path.iterdir()) == before


# ---- a header row that is a person's data ------------------------------------------------------------------

def test_a_header_row_pointing_at_data_shows_no_cell_of_it(tmp_path: Path) -> None:
    """header_row points at a data row without a CPR number or a date: a name and two amounts. It is said to look
    like data, and no cell of it – the name above the CPR column least of all – is shown or suggested."""
    write_csv(tmp_path / "sager.csv", ["Sagsliste fra ESDH", "", "", "", "", "", ""], [
        ["Hans Knudsen", "100", "45.000,00", "S-1", "Fodbehandling", "Aktiv", ""],
        ["010150-1234", "100", "45.000,00", "S-2", "Fodbehandling", "Aktiv", ""],
        ["020250-2345", "50", "12.000,00", "S-3", "Fodbehandling", "Aktiv", ""]])
    config = write_config(tmp_path, documents=None, assets=None)
    config.write_text(config.read_text(encoding="utf-8").replace('path = "sager.csv"\n',
                                                                 'path = "sager.csv"\nheader_row = 2\n'),
                      encoding="utf-8")
    console, doc, cells = inspect(config, tmp_path / "ud")
    cases = file_of(doc, "sager.csv")
    assert any("Linje 2 ligner data" in s for s in cases["blocking"])
    assert cases["columns_block"] == [] and all(c["suggestion"] is None for c in cases["columns"])
    assert_nothing_personal(all_outputs(console, doc, cells), ["010150-1234", "020250-2345"], ["Hans Knudsen"])


def test_a_header_shaped_like_a_name_is_never_shown_nor_suggested(tmp_path: Path) -> None:
    """A real header row with one cell that may be a person's name (a stray cell typed into the header): the column
    is listed as hidden, and its CPR numbers do not make it the suggested cpr column."""
    write_csv(tmp_path / "sager.csv", ["Sagsnr.", "Hans Knudsen", "Ydelse", "Sagsstatus", "Slutdato"], [
        ["S-1", "010150-1234", "Fodbehandling", "Aktiv", ""],
        ["S-2", "020250-2345", "Fodbehandling", "Aktiv", ""]])
    config = write_config(tmp_path, documents=None, assets=None)
    console, doc, cells = inspect(config, tmp_path / "ud")
    cases = file_of(doc, "sager.csv")
    assert [c["header"] for c in cases["columns"]][1] == "(skjult)"
    assert not any(line.startswith("cpr =") for line in cases["columns_block"])
    assert_nothing_personal(all_outputs(console, doc, cells), ["010150-1234", "020250-2345"], ["Hans Knudsen"])
