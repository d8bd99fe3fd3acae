"""Document staging: folders per batch and case, names in order with the category, problems listed, re-runs safe.

Fixture `staged` is the small clean batch (`batch_dir`) with one caseworker and a folder of dummy files,
with deliberate defects: D2's file is missing, D5 repeats D1's content on the same case, D6's "file" is a
folder (unreadable), D7 names a file outside the documents folder, D8 has no file name at all.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from convert.pipeline import build_batch, run
from convert.plan.staging import plan_staging, safe_name
from convert.settings.batch import load_config
from convert.write.documents import copy_staged_files
from tests.conftest import ASSET_HEADER, DOC_HEADER, pipe_table, run_batch, sheet_rows, write_config, write_csv


def stage_documents(cases, documents, source, out):  # type: ignore[no-untyped-def]
    """Decide, then copy: what `run` does at its writing edge."""
    return copy_staged_files(plan_staging(cases, documents, source, out))

PLANNING = """
[planning]
batch_size = 1
flagged = "with_others"
[[planning.caseworkers]]
name = "ABJ"
hours_per_day = 3
"""
CASE1, CASE2 = "32.03.12-G01-1-24", "32.03.12-G01-2-24"


@pytest.fixture
def staged(batch_dir: Path) -> Path:
    write_csv(batch_dir / "dokumenter.csv", DOC_HEADER, [
        [CASE1, "D1", "Ansøgning om udvidet helbredstillæg", "Indgående", "01-01-2020", "D1.pdf"],
        [CASE1, "D2", "Lægeerklæring", "Indgående", "02-01-2020", "D2.pdf"],
        [CASE1, "D3", "Faktura", "Indgående", "03-01-2020", "sub\\D3.PDF"],
        [CASE1, "D5", "Kopi af ansøgning", "Indgående", "04-01-2020", "D5.pdf"],
        [CASE1, "D6", "Bevilling", "Udgående", "05-01-2020", "D6.pdf"],
        [CASE2, "D7", "Faktura fra fodterapeut", "Indgående", "03-01-2020", "../hemmelig.pdf"],
        [CASE2, "D8", "Diverse", "Indgående", "03-01-2020", ""],
        [CASE2, "D9", "Faktura", "Indgående", "04-01-2020", "D9.msg"],
    ])
    files = batch_dir / "filer"
    (files / "sub").mkdir(parents=True)
    (files / "D1.pdf").write_bytes(b"ansoegning")
    (files / "sub" / "D3.PDF").write_bytes(b"faktura")
    (files / "D5.pdf").write_bytes(b"ansoegning")  # same content as D1, same case
    (files / "D6.pdf").mkdir()  # a folder where a file should be
    (files / "D9.msg").write_bytes(b"ansoegning")  # same content as D1, but another case: copied
    (batch_dir / "hemmelig.pdf").write_bytes(b"outside")
    write_config(batch_dir, extra=PLANNING)
    return batch_dir


def _files(result) -> dict[str, tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {r.document_id: (r.status, r.target) for r in result.files.itertuples() if r.document_id}


def test_files_are_staged_per_batch_and_case_in_order_with_their_category(staged: Path) -> None:
    batch = build_batch(load_config(staged / "kp-convert.toml"))
    result = stage_documents(batch.cases, batch.documents, staged / "filer", staged / "ud")
    assert _files(result) == {
        "D1": ("copied", f"Batch 01/{CASE1}/01 - Ansøgning - D1.pdf"),
        "D2": ("missing", ""),
        "D3": ("copied", f"Batch 01/{CASE1}/02 - Faktura - D3.PDF"),
        "D5": ("duplicate", ""),
        "D6": ("unreadable", ""),
        "D7": ("unreadable", ""),
        "D8": ("missing", ""),
        "D9": ("copied", f"Batch 02/{CASE2}/01 - Faktura - D9.msg"),
    }
    messages = result.files.set_index("document_id")["message"]
    assert "D2.pdf" in messages["D2"] and "Samme indhold som D1" in messages["D5"]
    assert "uden for dokumentmappen" in messages["D7"] and "Filnavn mangler" in messages["D8"]
    root = staged / "ud" / "dokumenter"
    assert (root / "Batch 01" / CASE1 / "01 - Ansøgning - D1.pdf").read_bytes() == b"ansoegning"
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == sorted(
        t for s, t in _files(result).values() if t)
    sha = result.files.set_index("document_id")["sha256"]
    assert sha["D3"] == hashlib.sha256(b"faktura").hexdigest()
    assert result.counts() == {"copied": 3, "missing": 2, "unreadable": 2, "duplicate": 1}


def test_a_rerun_copies_nothing_twice_and_picks_up_changes(staged: Path) -> None:
    batch = build_batch(load_config(staged / "kp-convert.toml"))
    stage_documents(batch.cases, batch.documents, staged / "filer", staged / "ud")
    copied = staged / "ud" / "dokumenter" / "Batch 01" / CASE1 / "01 - Ansøgning - D1.pdf"
    before = copied.stat()
    again = stage_documents(batch.cases, batch.documents, staged / "filer", staged / "ud")
    assert again.counts()["already_staged"] == 3 and "copied" not in again.counts()
    assert copied.stat().st_mtime_ns == before.st_mtime_ns and copied.stat().st_ino == before.st_ino
    (staged / "filer" / "sub" / "D3.PDF").write_bytes(b"faktura, rettet")
    (staged / "ud" / "dokumenter" / "Batch 9").mkdir()
    (staged / "ud" / "dokumenter" / "Batch 9" / "gammel.pdf").write_bytes(b"x")  # from an earlier plan
    third = stage_documents(batch.cases, batch.documents, staged / "filer", staged / "ud")
    assert _files(third)["D3"][0] == "replaced"
    assert (staged / "ud" / "dokumenter" / "Batch 01" / CASE1 / "02 - Faktura - D3.PDF").read_bytes() == \
        b"faktura, rettet"
    stale = third.files[third.files["status"] == "not_in_plan"]
    assert stale["target"].tolist() == ["Batch 9/gammel.pdf"]
    assert (staged / "ud" / "dokumenter" / "Batch 9" / "gammel.pdf").exists()  # listed, never deleted


def test_held_back_cases_are_listed_not_staged(staged: Path) -> None:
    write_config(staged, extra=PLANNING.replace('"with_others"', '"hold_back"\nattention_flags = ["formue_ikke_oplyst"]'))
    write_csv(staged / "formue.csv", ASSET_HEADER, [
        ["020250-2345", "15.06.2024", "12.000,00"], ["030350-3456", "01.02.2024", "5.000,00"]])  # case 1: none
    batch = build_batch(load_config(staged / "kp-convert.toml"))
    result = stage_documents(batch.cases, batch.documents, staged / "filer", staged / "ud")
    statuses = _files(result)
    assert statuses["D1"] == ("held_back", "") and statuses["D2"] == ("missing", "")  # problems still found
    assert statuses["D9"][0] == "copied"


def test_a_missing_documents_folder_is_an_input_error(staged: Path) -> None:
    result = run_batch(staged, "--documents-folder", staged / "nope")
    assert result.exit_code == 3 and "Mappen med dokumentfiler findes ikke" in result.output


def test_run_lists_problems_in_the_worksheet_and_hashes_in_the_manifest(staged: Path) -> None:
    (staged / "kp-convert.toml").write_text((staged / "kp-convert.toml").read_text(encoding="utf-8")
                                            .replace("[planning]", '[planning]\ndocuments_folder = "filer"'),
                                            encoding="utf-8")
    batch, written = run(load_config(staged / "kp-convert.toml"), staged / "ud")
    manifest = json.loads(written["manifest.json"].read_text(encoding="utf-8"))
    files = manifest["staging"]["files"]
    assert {f["document_id"] for f in files} == {"D1", "D3", "D9"}
    for f in files:
        target = staged / "ud" / "dokumenter" / f["target"]
        assert hashlib.sha256(target.read_bytes()).hexdigest() == f["sha256"]
    assert manifest["staging"]["counts"] == {"copied": 3, "duplicate": 1, "missing": 2, "unreadable": 2}
    rows = {r["Dokument-id"]: r for r in sheet_rows(written["konverteringsark.xlsx"], "Dokumentfiler")}
    assert rows["D2"]["Status"] == "Mangler" and rows["D5"]["Status"] == "Dublet – ikke kopieret"
    assert rows["D6"]["Status"] == "Kan ikke læses" and rows["D1"]["Lagt klar som"].endswith("01 - Ansøgning - D1.pdf")


# | text                     | safe name
SAFE = """
| 32.03.12-G01-17-24       | 32.03.12-G01-17-24
| 2024/123:A               | 2024_123_A
| Ansøgning?*              | Ansøgning__
| CON                      | _CON
| com1.pdf                 | _com1.pdf
| sag.                     | sag
| <>                       | __
"""


@pytest.mark.parametrize("text, expected", pipe_table(SAFE))
def test_safe_names(text: str, expected: str) -> None:
    assert safe_name(text) == expected


def test_case_numbers_that_clash_once_made_safe_get_their_own_folder(tmp_path: Path) -> None:
    import pandas as pd

    cases = pd.DataFrame({"case_id": ["A/1", "A:1"], "plan_batch": pd.array([1, 1], dtype="Int64"),
                          "plan_status": ["planned", "planned"]})
    docs = pd.DataFrame({"case_id": ["A/1", "A:1"], "document_id": ["D1", "D2"], "filename": ["x.pdf", "y.pdf"],
                         "category": ["Faktura", "Faktura"]})
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "x.pdf").write_bytes(b"1")
    (tmp_path / "f" / "y.pdf").write_bytes(b"2")
    result = stage_documents(cases, docs, tmp_path / "f", tmp_path / "ud")
    targets = result.files["target"].tolist()
    assert targets[0] == "Batch 01/A_1/01 - Faktura - D1.pdf"
    assert targets[1].startswith("Batch 01/A_1 (") and len(set(t.split("/")[1] for t in targets)) == 2
