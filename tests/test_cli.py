"""The command line end to end: exit codes, files written and read back, no full CPR on the console."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from convert.cli import cli
from tests.conftest import (
    CASE_HEADER,
    case_row,
    kp_convert,
    run_batch,
    sheet_rows,
    sheet_values,
    write_config,
    write_csv,
)

FULL_CPR = re.compile(r"\b\d{6}-?\d{4}\b")


def test_every_command_has_help_and_an_example() -> None:
    for name, command in cli.commands.items():
        result = kp_convert(name, "--help")
        assert result.exit_code == 0, name
        assert command.help and "Example: kp-convert" in result.output, name
    assert "Exit codes" in kp_convert("--help").output


def test_run_writes_the_worksheet_and_it_reads_back(batch_dir: Path) -> None:
    out = batch_dir / "ud"
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["konverteringsark.xlsx", "ledger.csv", "lukkenotater.csv",
                                                     "manifest.json", "rapport.html"]
    wb = openpyxl.load_workbook(out / "konverteringsark.xlsx")
    assert wb.sheetnames == ["Oversigt", "Plan", "Sager", "Dokumenter", "Afviste", "Udeladte", "Lukkenotater",
                             "Batch 01", "kp-convert"]  # the last: the tool's memory of what it wrote, very hidden
    ws = wb["Sager"]
    assert ws["A1"].value == "Skrives af kp-convert ved hver kørsel" and ws["H1"].value == "Udfyldes af teamet"
    header = [c.value for c in ws[2]]  # under the row of group headings
    for col in ("ESDH-sagsnr.", "CPR-nr.", "Navn", "Ansøgningsdato (KP)", "Startdato (KP)", "Tillægsprocent",
                "Antal dokumenter", "Bemærkninger", "Oprettet i KP", "KP-sagsnr.", "Dokumenter tilknyttet",
                "Lukket i ESDH", "Initialer", "Dato"):
        assert col in header, col
    rows = sheet_rows(wb, "Sager")
    assert [r["ESDH-sagsnr."] for r in rows] == ["32.03.12-G01-1-24", "32.03.12-G01-2-24", "32.03.12-G01-3-24"]
    first = rows[0]
    assert first["CPR-nr."] == "010150-1234" and first["Navn"] == "Søren Ærø"
    assert first["Ansøgningsdato (KP)"].date().isoformat() == "2024-03-01"
    assert first["Startdato (KP)"].date().isoformat() == "2027-01-04"
    assert first["Antal dokumenter"] == 2 and first["Tillægsprocent"] == 100
    date_cell = ws.cell(row=3, column=header.index("Ansøgningsdato (KP)") + 1)
    assert date_cell.is_date and date_cell.number_format == "dd-mm-yyyy"
    assert ws.freeze_panes == "B3" and ws.auto_filter.ref == f"A2:{ws.cell(2, len(header)).column_letter}5"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$2"
    validations = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert any('"Ja,Nej"' == f for f in validations.values())
    docs = sheet_values(wb, "Dokumenter", min_row=2)
    assert [(d[1], d[6]) for d in docs] == [("D1", "Ansøgning"), ("D2", "Erklæring"), ("D3", "Faktura")]
    notes = list(csv.reader((out / "lukkenotater.csv").read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert notes[0] == ["ESDH-sagsnr.", "Startdato (KP)", "Lukkenotat"] and len(notes) == 4
    assert "behandles i KP fra 04-01-2027" in notes[1][2]
    assert (out / "lukkenotater.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    ledger = list(csv.DictReader((out / "ledger.csv").open(encoding="utf-8")))
    assert list(ledger[0]) == ["source_file", "source_row", "table", "case_id", "outcome", "reason_code", "reason"]
    assert len(ledger) == 12
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["cases"]["records"] == 4 and manifest["inputs"]["cases"]["encoding"] == "cp1252"
    assert set(manifest["outputs"]) == {"konverteringsark.xlsx", "lukkenotater.csv", "ledger.csv", "rapport.html"}
    assert manifest["outcomes"]["cases"] == {"converted": 3, "excluded": 1, "rejected": 0}
    oversigt = sheet_values(wb, "Oversigt")
    assert ("Sager", 4, 3, 1, 0) == tuple(next(r for r in oversigt if r[0] == "Sager")[:5])
    assert not FULL_CPR.search(result.output)


def test_rejected_rows_are_listed_and_exit_1_only_with_strict(batch_dir: Path) -> None:
    """A run that finished and wrote its outputs exits 0 (a newcomer's shell and `&&` read it as done); the console
    and the Afviste sheet say what was rejected; --strict gives automation its exit 1."""
    rows = [case_row("S-1"), case_row("S-2", "310250-1234"), case_row("S-3", pct="abc")]
    write_csv(batch_dir / "sager.csv", CASE_HEADER, rows)
    assert run_batch(batch_dir, "--strict").exit_code == 1
    for command in ("spec", "plan"):
        extra = ("--out", batch_dir / "spec") if command == "spec" else ()
        assert kp_convert(command, batch_dir / "kp-convert.toml", *extra, "--strict").exit_code == 1, command
        assert kp_convert(command, batch_dir / "kp-convert.toml", *extra).exit_code == 0, command
    result = run_batch(batch_dir)
    assert result.exit_code == 0
    assert "2 poster er afvist" in result.output
    rejected = sheet_values(batch_dir / "ud" / "konverteringsark.xlsx", "Afviste", min_row=2)
    assert [(r[0], r[1], r[3]) for r in rejected] == [("sager.csv", 3, "S-2"), ("sager.csv", 4, "S-3")]
    assert "'310250-xxxx' er ikke et gyldigt CPR-nummer" in rejected[0][5]
    assert "Tillægsprocent: 'abc'" in rejected[1][5]
    assert not FULL_CPR.search(result.output)


@pytest.mark.parametrize("setup, code, message", [
    (lambda d: (d / "kp-convert.toml").unlink(), 2, "Konfigurationsfilen findes ikke"),
    (lambda d: (d / "kp-convert.toml").write_text("[batch]\ncutover_date = 2027-01-04\nfoo = 1\n"), 2,
     "Ukendt nøgle 'batch.foo'"),
    (lambda d: (d / "sager.csv").unlink(), 3, "Filen findes ikke"),
    (lambda d: (d / "sager.csv").write_bytes(b"\x00\x01" * 500), 3, "binær fil"),
    (lambda d: write_config(d, case_columns='cpr = "Personnr"'), 2, "har ingen kolonne med den overskrift"),
])
def test_exit_codes(batch_dir: Path, setup, code: int, message: str) -> None:
    setup(batch_dir)
    result = run_batch(batch_dir)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_output_folder_that_cannot_be_written_is_exit_4(batch_dir: Path) -> None:
    blocker = batch_dir / "fil"
    blocker.write_text("x")
    result = run_batch(batch_dir, out=blocker / "ud")
    assert result.exit_code == 4 and f"{blocker} er ikke en mappe" in result.output


def test_formula_like_text_never_becomes_a_formula(batch_dir: Path) -> None:
    payloads = ['=HYPERLINK("http://x","klik")', "+1+2", "-3+4", "@SUM(A1)", "\t=1", '=cmd|"/c calc"!A0']
    rows = [case_row(f"S-{i}", name=p, title="Fodbehandling " + p) for i, p in enumerate(payloads)]
    rows[0][0] = "=1+1"  # also in the case id
    write_csv(batch_dir / "sager.csv", CASE_HEADER, rows)
    out = batch_dir / "ud"
    assert run_batch(batch_dir).exit_code == 0
    wb = openpyxl.load_workbook(out / "konverteringsark.xlsx")
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    names = {r["Navn"] for r in sheet_rows(wb, "Sager")}
    assert names == {p.strip() for p in payloads}  # stored as text, unchanged
    for name in ("lukkenotater.csv", "ledger.csv"):
        text = (out / name).read_text(encoding="utf-8-sig")
        for field in (f for line in csv.reader(text.splitlines(), delimiter=";" if "lukke" in name else ",")
                      for f in line):
            assert not field.startswith(("=", "+", "-", "@", "\t", "\r")), (name, field)


def test_init_writes_the_template_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "kp-convert.toml"
    assert kp_convert("init", target).exit_code == 0
    assert "[input.cases]" in target.read_text(encoding="utf-8")
    result = kp_convert("init", target)
    assert result.exit_code == 4 and "findes allerede" in result.output
    assert kp_convert("init", target, "--force").exit_code == 0


def test_python_dash_m_runs_and_needs_no_heavy_imports_for_help() -> None:
    code = "import sys, runpy; sys.argv=['kp-convert','--help']\ntry:\n runpy.run_module('convert', run_name='__main__')\n" \
           "except SystemExit: pass\nprint(sorted(m for m in ('pandas','pandera','openpyxl','xlsxwriter') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parent.parent)
    assert "Usage: kp-convert" in out.stdout and out.stdout.strip().endswith("[]")


def test_an_export_with_other_headers_needs_only_a_config_change(tmp_path: Path) -> None:
    """A WorkZone-like XLSX: title block, other headers, CPR as a number, real dates, an assets XLSX."""
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rapport"
    ws.append(["WorkZone – sagsliste, udtrukket 20-11-2026"])
    ws.append([])
    ws.append(["Sag", "Part CPR", "Partsnavn", "Sagsoverskrift", "Sagstilstand", "Ophørsdato", "Personlig tillægsprocent"])
    ws.append(["WZ-1", 101431234, "Karen Ødegård", "Tilskud til fodpleje", "Igangværende", None, 100])
    ws.append(["WZ-2", "1203441234", "Ib Æbelø", "Fodbehandling", "Afsluttet", dt.datetime(2024, 1, 1), 64])
    ws.append(["WZ-3", "150545-1234", "Lis Ågård", "Udv. helbredstillæg: fodbehandling", "igangværende", None, 52.5])
    wb.save(tmp_path / "sagsliste.xlsx")
    wb = openpyxl.Workbook()
    wb.active.append(["Personnummer", "Formue oplyst", "Likvid formue"])
    wb.active.append(["0101431234", dt.datetime(2024, 4, 1), 12000.5])
    wb.save(tmp_path / "formue.xlsx")
    (tmp_path / "kp.toml").write_text(
        '[batch]\ncutover_date = "04-01-2027"\n[input.cases]\npath = "sagsliste.xlsx"\nsheet = "Rapport"\n'
        '[input.cases.columns]\ncase_id = "Sag"\n[input.assets]\npath = "formue.xlsx"\n'
        '[selection]\nmatch_fields = ["title"]\nactive_statuses = ["Igangværende"]\n', encoding="utf-8")
    result = run_batch(tmp_path, config="kp.toml")
    assert result.exit_code == 0, result.output
    data = sheet_rows(tmp_path / "ud" / "konverteringsark.xlsx", "Sager")
    assert [d["ESDH-sagsnr."] for d in data] == ["WZ-1", "WZ-3"]
    assert data[0]["CPR-nr."] == "010143-1234" and data[0]["Tillægsprocent"] == 100
    assert data[0]["Ansøgningsdato (KP)"] == dt.datetime(2024, 4, 1)
    assert data[0]["Formue (kr.)"] == 12000.5 and data[1]["Tillægsprocent"] == 52.5
    assert "Formue ikke oplyst" in data[1]["Bemærkninger"]
    assert data[0]["Kilde (fil:linje)"] == "sagsliste.xlsx:4"
    assert "Sagstilstand" not in data[0]


def test_plan_prints_the_plan_and_writes_nothing(batch_dir: Path) -> None:
    write_config(batch_dir, extra="""
        [planning]
        minutes_per_case = 20
        [[planning.caseworkers]]
        name = "ABJ"
        hours_per_day = 0.5
        weekdays = ["man", "ons"]
        """)
    before = sorted(p.name for p in batch_dir.iterdir())
    result = kp_convert("plan", batch_dir / "kp-convert.toml")
    assert result.exit_code == 0, result.output
    # 3 cases: 20 min + 2 min per document → 24, 22 and 20 minutes; 30 minutes on Mondays and Wednesdays
    assert "3 sager · 3 dokumenter · 1,1 timer (estimeret) · 1 batches · 1 sagsbehandlere" in result.output
    assert "Første dag 04-01-2027 · sidste planlagte dag 11-01-2027 (3 arbejdsdage)" in result.output
    assert "Antagelser (STANDARD" in result.output and "2 min. pr. dokument" in result.output
    assert sorted(p.name for p in batch_dir.iterdir()) == before
    assert not FULL_CPR.search(result.output)


def test_sample_with_document_files_can_be_staged(tmp_path: Path) -> None:
    result = kp_convert("sample", "--out", tmp_path, "--cases", "60", "--seed", "3", "--document-files")
    assert result.exit_code == 0, result.output
    assert f"--documents-folder {tmp_path / 'filer'}" in result.output
    docs = list(csv.DictReader((tmp_path / "dokumenter.csv").read_text(encoding="cp1252").splitlines(), delimiter=";"))
    assert len(list((tmp_path / "filer").iterdir())) == len(docs) - 1  # one file planted missing
    result = run_batch(tmp_path, "--documents-folder", tmp_path / "filer")
    assert "1 mangler, 1 dublet – ikke kopieret" in result.output
    manifest = json.loads((tmp_path / "ud" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["staging"]["counts"]["missing"] == 1 and manifest["staging"]["counts"]["duplicate"] == 1
