"""Shared builders: write small ESDH exports in any dialect and a config for them. All data is fictitious."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

CASE_HEADER = ["Sagsnr.", "CPR-nr.", "Navn", "Sagstitel", "Ydelse", "Sagsstatus", "Bevilget dato", "Slutdato",
               "Tillægsprocent", "Pensionstype", "Formue", "Sagsbehandler", "Overslag"]
DOC_HEADER = ["Sagsnr.", "Dokument-id", "Dokumenttitel", "Dokumenttype", "Dokumentdato", "Filnavn"]
ASSET_HEADER = ["CPR-nr.", "Formue oplyst dato", "Formue"]


def case_row(case_id: str, cpr: str = "010150-1234", *, name: str = "Søren Ærø", title: str = "Fodbehandling",
             benefit: str = "Fodbehandling", status: str = "Aktiv", grant: str = "01-02-2020", end: str = "",
             pct: str = "100", pension: str = "Folkepension", assets: str = "45.000,00", worker: str = "ABJ",
             estimate: str = "435,00") -> list[str]:
    return [case_id, cpr, name, title, benefit, status, grant, end, pct, pension, assets, worker, estimate]


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, encoding: str = "cp1252",
              delimiter: str = ";", newline: str = "\r\n") -> Path:
    def field(v: str) -> str:
        if any(ch in v for ch in (delimiter, '"', "\n", "\r")):
            return '"' + v.replace('"', '""') + '"'
        return v
    text = newline.join(delimiter.join(field(v) for v in row) for row in [header, *rows]) + newline
    path.write_bytes(text.encode(encoding))
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
