"""Personal data: no full CPR on the console from any command, and pseudonymised outputs for sharing.

All data is fictitious (the committed sample batch and small hand-written batches).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
from pathlib import Path

import openpyxl
import pytest

from convert.cli import cli
from tests.conftest import (
    CASE_HEADER,
    DOC_HEADER,
    case_row,
    header_row,
    kp_convert,
    kp_report_from_worksheet,
    make_batch,
    run_batch,
    sheet_data,
    sheet_rows,
    sheet_values,
    write_csv,
)

REPO = Path(__file__).resolve().parents[1]
FULL_CPR = re.compile(r"(?<![0-9])[0-9]{6}[- ]?[0-9]{4}(?![0-9])")
MASKED_CPR = re.compile(r"(?<![0-9])[0-9]{6}-xxxx")
PSEUDONYM = re.compile(r"PS(?:-[0-9A-F]{4}){4}")


def console(result) -> str:  # type: ignore[no-untyped-def]
    return result.output + (result.stderr if result.stderr_bytes else "")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    for p in (REPO / "sample_data").iterdir():
        if p.suffix in (".csv", ".toml"):
            shutil.copy(p, folder / p.name)
    return folder


def test_no_command_prints_a_full_cpr(sample: Path, tmp_path: Path) -> None:
    config = sample / "kp-convert.toml"
    assert FULL_CPR.search((sample / "sager.csv").read_text(encoding="cp1252"))  # the scan has something to find
    no_header = tmp_path / "uden_overskrift"
    no_header.mkdir()
    lines = (sample / "sager.csv").read_bytes().split(b"\r\n")
    (no_header / "sager.csv").write_bytes(b"\r\n".join(lines[1:]))  # the first data row becomes the "header"
    shutil.copy(sample / "kp-convert.toml", no_header)
    runs = {
        "help": kp_convert("--help"),
        **{f"{c} --help": kp_convert(c, "--help") for c in cli.commands},
        "init": kp_convert("init", tmp_path / "ny.toml"),
        "sample": kp_convert("sample", "--out", tmp_path / "eksempel", "--cases", "60", "--seed", "3"),
        "run": kp_convert("run", config),
        "re-run": kp_convert("run", config),
        "run --pseudonymise": kp_convert("run", config, "--pseudonymise"),
        "plan": kp_convert("plan", config),
        "spec": kp_convert("spec", config, "--out", tmp_path / "bestilling"),
        "reconcile --update-worksheet": kp_convert(  # a KP report of the first 59 cases the run converted
            "reconcile", config, "--update-worksheet", "--kp-report",
            kp_report_from_worksheet(sample / "output" / "konverteringsark.xlsx", tmp_path / "kp.csv", cases=slice(59))),
        "run, no header line": kp_convert("run", no_header / "kp-convert.toml"),
        "inspect": kp_convert("inspect", config, "--out", tmp_path / "kortlaegning"),
        "inspect --json": kp_convert("inspect", config, "--out", tmp_path / "kortlaegning", "--json"),
        "inspect, no header line": kp_convert("inspect", no_header / "kp-convert.toml", "--out", tmp_path / "k2"),
        "run, config error": kp_convert("run", tmp_path / "ny.toml"),
    }
    assert runs["run"].exit_code == 0 and runs["run, no header line"].exit_code == 3
    assert runs["spec"].exit_code == 0 and runs["reconcile --update-worksheet"].exit_code in (0, 1)
    assert re.search(r"Konverteringsarket: [1-9][0-9]* KP-sagsnr\. skrevet", runs["reconcile --update-worksheet"].output)
    assert "afkrydsninger for 0 sager er overført" in runs["re-run"].output
    for name, result in runs.items():
        assert not FULL_CPR.search(console(result)), (name, FULL_CPR.search(console(result)))


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_key_is_made_once_next_to_the_config_owner_only(batch_dir: Path) -> None:
    config = str(batch_dir / "kp-convert.toml")
    result = kp_convert("run", config, "--pseudonymise")
    key = batch_dir / "kp-convert.key"
    assert result.exit_code == 0 and f"Ny nøgle til pseudonymisering skrevet i {key}" in result.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and re.fullmatch(r"[0-9a-f]{64}\n", key.read_text())
    out = batch_dir / "output-pseudonymiseret"
    assert sorted(p.name for p in out.iterdir()) == ["konverteringsark.xlsx", "ledger.csv", "lukkenotater.csv",
                                                     "manifest.json", "rapport.html"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in out.iterdir())
    again = kp_convert("run", config, "--pseudonymise")
    assert "Ny nøgle" not in again.output and key.read_text() == key.read_text()


def _texts(folder: Path) -> list[str]:
    """Every text in every output: cells of every sheet, and the CSV/JSON files."""
    texts = [(folder / n).read_text(encoding="utf-8-sig") for n in ("ledger.csv", "lukkenotater.csv", "manifest.json",
                                                                    "rapport.html")]
    book = openpyxl.load_workbook(folder / "konverteringsark.xlsx", read_only=True)
    for sheet in book.sheetnames:
        texts += [str(v) for row in sheet_values(book, sheet) for v in row if v is not None]
    return texts


def test_pseudonymised_outputs_carry_no_cpr_and_no_names(batch_dir: Path) -> None:
    write_csv(batch_dir / "sager.csv", CASE_HEADER, [
        case_row("32.03.12-G01-1-24", "010150-1234", title="Fodbehandling – Søren Ærø, 010150-1234"),
        case_row("32.03.12-G01-2-24", "020250-2345", name="Åse Østergård"),
        case_row("S-3", "310250-1234", name="Bjørn Møller"),  # rejected: the masked CPR in the reason must go too
    ])
    write_csv(batch_dir / "dokumenter.csv", DOC_HEADER, [
        ["32.03.12-G01-1-24", "D1", "Ansøgning fra Søren Ærø", "", "", "Søren Ærø 0101501234.pdf"]])
    real, pseudo = batch_dir / "ud", batch_dir / "ps"
    assert run_batch(batch_dir, out=real).exit_code == 0
    result = run_batch(batch_dir, "--pseudonymise", out=pseudo)
    assert result.exit_code == 0 and "Pseudonymiseret: CPR-numre er erstattet af pseudonymer" in result.output
    texts = "\n".join(_texts(pseudo))
    cpr_in_text = re.compile(r"(?<![0-9A-Za-z])[0-9]{6}[- ]?[0-9]{4}(?![0-9A-Za-z])")  # not inside a SHA-256
    assert not cpr_in_text.search(texts) and not MASKED_CPR.search(texts)
    for name in ("Søren", "Ærø", "Åse", "Østergård", "Bjørn", "Møller"):
        assert name not in texts, name
    real_wb, ps_wb = (openpyxl.load_workbook(f / "konverteringsark.xlsx") for f in (real, pseudo))
    assert real_wb.sheetnames == ps_wb.sheetnames
    ps_rows = sheet_rows(ps_wb, "Sager")
    assert len(ps_rows) == real_wb["Sager"].max_row - header_row(real_wb["Sager"]) == 2
    first = ps_rows[0]
    cpr = first["CPR-nr."]
    assert PSEUDONYM.fullmatch(cpr) and first["Navn"] is None  # CPR -> pseudonym, name removed
    assert first["Sagstitel"] == f"Fodbehandling – [fjernet] [fjernet], {cpr}"  # the same citizen, the same pseudonym
    doc = sheet_values(ps_wb, "Dokumenter", min_row=2)[0]
    assert doc[2] == "Ansøgning fra [fjernet] [fjernet]" and doc[5] == f"[fjernet] [fjernet] {cpr}.pdf"
    real_ledger = list(csv.DictReader(io.StringIO((real / "ledger.csv").read_text(encoding="utf-8"))))
    ps_ledger = list(csv.DictReader(io.StringIO((pseudo / "ledger.csv").read_text(encoding="utf-8"))))
    assert [(r["source_row"], r["outcome"]) for r in real_ledger] == [(r["source_row"], r["outcome"])
                                                                      for r in ps_ledger]
    assert "CPR-nr.: '[CPR]' er ikke et gyldigt CPR-nummer" in (pseudo / "ledger.csv").read_text(encoding="utf-8")
    manifest = json.loads((pseudo / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pseudonymised"] is True and len(manifest["key_fingerprint"]) == 12
    assert manifest["config"]["file"] == "kp-convert.toml"  # names, not paths that may name the user
    assert [i["path"] for i in manifest["inputs"].values()] == ["sager.csv", "dokumenter.csv", "formue.csv"]


def test_pseudonyms_are_stable_with_the_key_and_differ_without_it(batch_dir: Path) -> None:
    for folder in ("a", "b"):
        assert run_batch(batch_dir, "--pseudonymise", out=folder).exit_code == 0
    assert (batch_dir / "a" / "konverteringsark.xlsx").read_bytes() == \
        (batch_dir / "b" / "konverteringsark.xlsx").read_bytes()
    other = batch_dir / "anden.key"
    other.write_text("ab" * 32)
    assert run_batch(batch_dir, "--pseudonymise", "--key-file", other, out="c").exit_code == 0
    cprs = [{r[1] for r in sheet_data(batch_dir / f / "konverteringsark.xlsx", "Sager")}
            for f in ("a", "c")]
    assert len(cprs[0]) == len(cprs[1]) == 3 and not cprs[0] & cprs[1]


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A batch with its real outputs and its pseudonymised outputs, each in its default folder."""
    folder = make_batch(tmp_path_factory.mktemp("both"))
    config = str(folder / "kp-convert.toml")
    assert kp_convert("run", config).exit_code == 0 and kp_convert("run", config, "--pseudonymise").exit_code == 0
    return folder


@pytest.mark.parametrize("args, code, message", [
    (["--pseudonymise", "--out", "{real}"], 4, "indeholder det rigtige konverteringsark"),
    (["--out", "{pseudo}"], 4, "indeholder pseudonymiserede filer til deling"),
    (["--pseudonymise", "--key-file", "{dir}/mangler.key"], 2, "Nøglefilen findes ikke"),
    (["--pseudonymise", "--key-file", "{dir}/ps/x.key", "--out", "{dir}/ps"], 2, "ligger i mappen med de "
                                                                                  "pseudonymiserede filer"),
    (["--key-file", "{dir}/kp-convert.key"], 2, "--key-file bruges kun sammen med --pseudonymise"),
    (["--pseudonymise", "--key-file", "{dir}/sager.csv"], 2, "indeholder ikke en nøgle fra kp-convert"),
])
def test_real_and_pseudonymised_outputs_never_mix(both_runs: Path, args: list[str], code: int, message: str) -> None:
    batch_dir = both_runs
    config = str(batch_dir / "kp-convert.toml")
    real, pseudo = batch_dir / "output", batch_dir / "output-pseudonymiseret"
    before = (real / "konverteringsark.xlsx").read_bytes()
    filled = [a.format(real=real, pseudo=pseudo, dir=batch_dir) for a in args]
    result = kp_convert("run", config, *filled)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert (real / "konverteringsark.xlsx").read_bytes() == before
