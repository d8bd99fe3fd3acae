"""Shared builders and readers: write small ESDH exports in any dialect and a config for them, run the CLI, read
the workbooks back. All data is fictitious."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from convert.cli import cli

# a bug in a test run stays a traceback in the failing test (users get exit 70 and one line, see convert.cli)
os.environ.setdefault("KP_CONVERT_RAISE_INTERNAL_ERRORS", "1")

CASE_HEADER = ["Sagsnr.", "CPR-nr.", "Navn", "Sagstitel", "Ydelse", "Sagsstatus", "Bevilget dato", "Slutdato",
               "Tillægsprocent", "Pensionstype", "Formue", "Sagsbehandler", "Overslag"]
DOC_HEADER = ["Sagsnr.", "Dokument-id", "Dokumenttitel", "Dokumenttype", "Dokumentdato", "Filnavn"]
ASSET_HEADER = ["CPR-nr.", "Formue oplyst dato", "Formue"]
KP_REPORT_HEADER = ["KP-sagsnr.", "CPR-nr.", "Navn", "Sagstype", "Titel", "Ansøgningsdato", "Bevilling start",
                    "Bevilling slut", "Status"]
FOOT_CARE_KP = "Udvidet helbredstillæg - fodbehandling"


# ---- the command line ------------------------------------------------------------------------------

def kp_convert(*args: str | Path) -> Result:
    """`kp-convert ARGS` as a user types it. An expected failure (a KpConvertError, a usage error) is still an exit
    code, turned into one by the CLI itself; any other exception is a bug and fails the test with its traceback."""
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def run_batch(folder: Path, *extra: str | Path, out: str | Path = "ud", config: str = "kp-convert.toml") -> Result:
    """`kp-convert run FOLDER/CONFIG --out FOLDER/OUT EXTRA...` (an absolute `out` is used as it is)."""
    return kp_convert("run", folder / config, "--out", folder / out, *extra)


# ---- reading workbooks back ------------------------------------------------------------------------

def sheet_values(book: Path | openpyxl.Workbook, sheet: str, *, min_row: int = 1) -> list[tuple]:
    """Every row of a sheet from `min_row` on, as a tuple of cell values (a path is opened read-only)."""
    wb = openpyxl.load_workbook(book, read_only=True) if isinstance(book, Path) else book
    try:
        return list(wb[sheet].iter_rows(min_row=min_row, values_only=True))
    finally:
        if isinstance(book, Path):
            wb.close()


def header_index(rows: list[tuple]) -> int:
    """Where a sheet's header is among its rows: the row with 'ESDH-sagsnr.' in the first 10 (the Sager sheet has
    a row of group headings above it), else the first row."""
    return next((i for i, r in enumerate(rows[:10]) if "ESDH-sagsnr." in r), 0)


def sheet_rows(book: Path | openpyxl.Workbook, sheet: str) -> list[dict[str, object]]:
    """The rows under a sheet's header row, as {header: value}."""
    values = sheet_values(book, sheet)
    at = header_index(values)
    return [dict(zip(values[at], r, strict=True)) for r in values[at + 1:]]


def sheet_data(book: Path | openpyxl.Workbook, sheet: str) -> list[tuple]:
    """The rows under a sheet's header row, as tuples of cell values."""
    values = sheet_values(book, sheet)
    return values[header_index(values) + 1:]


def header_row(ws: openpyxl.worksheet.worksheet.Worksheet) -> int:
    """The Excel row number of an open sheet's header (2 under the Sager sheet's group headings)."""
    rows = ws.iter_rows(max_row=min(10, ws.max_row), values_only=True)  # not past the end: that would add rows
    return 1 + header_index(list(rows))


# ---- inputs ----------------------------------------------------------------------------------------

def fictitious_cpr(i: int) -> str:
    """The i-th of a series of valid, fictitious CPR numbers, all different up to i = 20,159: born 1940–1999 on
    day 1–28 (so every month has it), 7th digit 1–3 (born 19xx), serial 1000 + i."""
    return f"{1 + i % 28:02d}{1 + i // 28 % 12:02d}{40 + i // 336 % 60:02d}-{1000 + i % 3000:04d}"


def case_row(case_id: str, cpr: str = "010150-1234", *, name: str = "Søren Ærø", title: str = "Fodbehandling",
             benefit: str = "Fodbehandling", status: str = "Aktiv", grant: str = "01-02-2020", end: str = "",
             pct: str = "100", pension: str = "Folkepension", assets: str = "45.000,00", worker: str = "ABJ",
             estimate: str = "435,00") -> list[str]:
    return [case_id, cpr, name, title, benefit, status, grant, end, pct, pension, assets, worker, estimate]


def csv_line(fields: list[str], delimiter: str = ";") -> str:
    """One CSV record as an ESDH export writes it: a field is quoted only when it must be."""
    def field(v: str) -> str:
        if any(ch in v for ch in (delimiter, '"', "\n", "\r")):
            return '"' + v.replace('"', '""') + '"'
        return v
    return delimiter.join(field(v) for v in fields)


def write_csv(path: Path, header: list[str], rows: list[list[str] | str], *, encoding: str = "cp1252",
              delimiter: str = ";", newline: str = "\r\n") -> Path:
    """Header and rows as a CSV file; a row given as a string is written as it is (a ragged or broken line)."""
    lines = [r if isinstance(r, str) else csv_line(r, delimiter) for r in [header, *rows]]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def write_config(folder: Path, *, cases: str = "sager.csv", documents: str | None = "dokumenter.csv",
                 assets: str | None = "formue.csv", cutover: str = "2027-01-04", extra: str = "",
                 case_columns: str = "") -> Path:
    parts = [f'[batch]\nname = "Testbatch"\nmunicipality = "Testkommune"\ncutover_date = {cutover}\n',
             f'[input.cases]\npath = "{cases}"\n']
    if case_columns:
        parts.append("[input.cases.columns]\n" + textwrap.dedent(case_columns) + "\n")
    if documents:
        parts.append(f'[input.documents]\npath = "{documents}"\n')
    if assets:
        parts.append(f'[input.assets]\npath = "{assets}"\n')
    parts.append(textwrap.dedent(extra))
    path = folder / "kp-convert.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def kp_report_from_worksheet(worksheet: Path, path: Path, *, cases: slice = slice(None)) -> Path:
    """A KP case report as KP would list the converted cases of a worksheet (those in `cases`): foot care, started
    on the cut-over date 04-01-2027, applied on the worksheet's application date."""
    rows = sheet_rows(worksheet, "Sager")[cases]
    write_csv(path, KP_REPORT_HEADER, [
        [f"KP-{i}", r["CPR-nr."], r["Navn"] or "", FOOT_CARE_KP, "Fodbehandling",
         r["Ansøgningsdato (KP)"].strftime("%d-%m-%Y") if r["Ansøgningsdato (KP)"] else "", "04-01-2027", "",
         "Aktiv"] for i, r in enumerate(rows)], encoding="utf-8")
    return path


def pipe_table(text: str) -> list[tuple[str, ...]]:
    """Rows of a `|`-separated text table: outer bars optional, cells stripped, blank and '#' lines skipped."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return [tuple(c.strip() for c in ln.removeprefix("|").removesuffix("|").split("|")) for ln in lines]


# ---- the small batch -------------------------------------------------------------------------------

@pytest.fixture
def batch_dir(tmp_path: Path) -> Path:
    """A small, clean batch: 3 running foot-care cases, 1 glasses case, documents and declarations."""
    return make_batch(tmp_path)


def make_batch(tmp_path: Path) -> Path:
    """The batch of `batch_dir`, written into any folder (for module-scoped fixtures)."""
    write_csv(tmp_path / "sager.csv", CASE_HEADER, [
        case_row("32.03.12-G01-1-24", "010150-1234"),
        case_row("32.03.12-G01-2-24", "020250-2345", name="Åse Østergård"),
        case_row("32.03.12-G01-3-24", "030350-3456", name="Bjørn Møller"),
        case_row("32.03.12-G01-4-24", "040450-4567", title="Briller", benefit="Briller"),
    ])
    write_csv(tmp_path / "dokumenter.csv", DOC_HEADER, [
        ["32.03.12-G01-1-24", "D1", "Ansøgning om udvidet helbredstillæg", "Indgående", "01-01-2020", "D1.pdf"],
        ["32.03.12-G01-1-24", "D2", "Lægeerklæring", "Indgående", "02-01-2020 10:15", "D2.pdf"],
        ["32.03.12-G01-2-24", "D3", "Faktura fra fodterapeut", "Indgående", "03-01-2020", "D3.pdf"],
        ["32.03.12-G01-4-24", "D4", "Faktura", "Indgående", "03-01-2020", "D4.pdf"],
    ])
    write_csv(tmp_path / "formue.csv", ASSET_HEADER, [
        ["010150-1234", "01.03.2024", "45.000,00"],
        ["010150-1234", "01.03.2023", "40.000,00"],
        ["020250-2345", "15.06.2024", "12.000,00"],
        ["030350-3456", "01.02.2024", "5.000,00"],
    ])
    write_config(tmp_path)
    return tmp_path
