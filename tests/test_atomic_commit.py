"""The output set is committed atomically: killed at any rename, the next run finds the team's worksheet.

A run is killed (SIGKILL, no clean-up) right after the N-th `os.replace` of its commit, for every N up to the last
one. At that instant a complete old or a complete new set must be findable; the next run must finish or undo the
commit before it reads anything, say what it recovered, carry the team's entries, and leave no hidden leftovers.
The killed run is a forked child of the test process (the modules are already imported, so each try is quick).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from convert.write.output_set import JOURNAL_PREFIX, OutputSet, recover_folder
from convert.write.ownership import written_by_kp_convert
from tests.conftest import make_batch, run_batch, sheet_rows
from tests.test_rerun import C1, C2, SHEET, edit

pytestmark = pytest.mark.skipif(sys.platform == "win32" or not hasattr(os, "fork"), reason="needs fork and SIGKILL")

OUTPUTS = ("konverteringsark.xlsx", "lukkenotater.csv", "ledger.csv", "manifest.json", "rapport.html")
ENTRIES = {C1: {"Oprettet i KP": "Ja", "KP-sagsnr.": "4711", "Initialer": "ABJ"}, C2: {"Initialer": "MKO"}}


def _hashes(folder: Path) -> dict[str, str | None]:
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() if (folder / n).exists() else None
            for n in OUTPUTS}


def _run_killed_after(batch: Path, n: int | None) -> tuple[int, int]:
    """Run `kp-convert run` in a forked child; SIGKILL it right after its n-th os.replace (None: never).
    Returns (os.replace calls made, the child's wait status)."""
    counter = batch / "replace-calls"
    counter.unlink(missing_ok=True)
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            real = os.replace
            calls = 0

            def replace(src: object, dst: object, *a: object, **k: object) -> None:
                nonlocal calls
                real(src, dst, *a, **k)  # type: ignore[arg-type]
                calls += 1
                counter.write_text(str(calls))
                if calls == n:
                    os.kill(os.getpid(), signal.SIGKILL)

            os.replace = replace  # type: ignore[assignment]
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            result = run_batch(batch, config="renamed.toml")
            os._exit(result.exit_code)
        except BaseException:  # noqa: BLE001 – the child must never fall back into the test runner
            os._exit(99)
    _, status = os.waitpid(pid, 0)
    return int(counter.read_text()) if counter.exists() else 0, status


@pytest.fixture(scope="module")
def ticked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A first run with the team's entries in it, and a config for the next run that changes every output."""
    batch = make_batch(tmp_path_factory.mktemp("atomic"))
    assert run_batch(batch).exit_code == 0
    edit(batch / "ud" / SHEET, ENTRIES, sort_descending=False)
    text = (batch / "kp-convert.toml").read_text(encoding="utf-8")
    renamed = text.replace('name = "', 'name = "Ny batch – ', 1)
    assert renamed != text
    (batch / "renamed.toml").write_text(renamed, encoding="utf-8")
    return batch


@pytest.fixture(scope="module")
def replace_calls(ticked: Path, tmp_path_factory: pytest.TempPathFactory) -> int:
    """How many os.replace calls a complete re-run makes (the kill points to try)."""
    import shutil

    copy = tmp_path_factory.mktemp("count") / "b"
    shutil.copytree(ticked, copy)
    calls, status = _run_killed_after(copy, None)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert calls >= len(OUTPUTS) + 1  # each output into place, plus the journal
    return calls


def test_a_kill_at_any_rename_leaves_a_complete_set_and_the_next_run_keeps_the_entries(
        ticked: Path, replace_calls: int, tmp_path: Path) -> None:
    import shutil

    old = _hashes(ticked / "ud")
    for n in range(1, replace_calls + 1):
        batch = tmp_path / f"kill-{n}"
        shutil.copytree(ticked, batch)
        _, status = _run_killed_after(batch, n)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, n
        out = batch / "ud"

        # at this instant: the old set as it was, or (with the journal) the new set, file by file tmp or final
        recovered = recover_folder(out)
        now = _hashes(out)
        if now == old:
            assert not recovered.completed, n
        else:
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            assert manifest["config"]["as_used"]["batch"]["name"].startswith("Ny batch"), n
            assert {k: v for k, v in now.items() if k != "manifest.json"} == manifest["outputs"], n
        assert not [p.name for p in out.iterdir() if p.name.startswith(".")], n  # no leftovers

        # the next run: the team's entries are there
        result = run_batch(batch, config="renamed.toml")
        assert result.exit_code == 0, (n, result.output)
        rows = {r["ESDH-sagsnr."]: r for r in sheet_rows(out / SHEET, "Sager")}
        assert rows[C1]["Oprettet i KP"] == "Ja" and str(rows[C1]["KP-sagsnr."]) == "4711", n
        assert rows[C2]["Initialer"] == "MKO", n


def test_the_next_run_says_what_it_recovered(ticked: Path, replace_calls: int, tmp_path: Path) -> None:
    import shutil

    batch = tmp_path / "b"
    shutil.copytree(ticked, batch)
    _run_killed_after(batch, 2)  # the journal is in place, the first file moved aside: the worksheet is gone
    assert not (batch / "ud" / SHEET).exists()
    assert any(p.name.startswith(JOURNAL_PREFIX) for p in (batch / "ud").iterdir())
    result = run_batch(batch, config="renamed.toml")
    assert result.exit_code == 0, result.output
    assert "En afbrudt kørsel er gjort færdig: konverteringsark.xlsx" in result.output
    manifest = json.loads((batch / "ud" / "manifest.json").read_text(encoding="utf-8"))
    assert "konverteringsark.xlsx" in manifest["recovered"]["completed"]
    assert "Afbrudt kørsel" in [r[0] for r in _overview(batch / "ud" / SHEET)]


def _overview(path: Path) -> list[tuple]:
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True)["Oversigt"]
    return [tuple(r) for r in ws.iter_rows(values_only=True) if r and r[0] is not None]


def test_leftovers_of_an_older_version_are_put_back_or_removed(tmp_path: Path) -> None:
    """Before the journal, a kill after the first rename left only `.konverteringsark.xlsx.previous-PID`."""
    batch = make_batch(tmp_path)
    assert run_batch(batch).exit_code == 0
    out = batch / "ud"
    dead = _dead_pid()
    os.replace(out / SHEET, out / f".{SHEET}.previous-{dead}")
    (out / f".ledger.csv.tmp-{dead}").write_text("halvt skrevet")
    (out / f".kp-convert-tmp-{dead}").mkdir()
    (out / f".kp-convert-tmp-{dead}" / "xlsxwriter-data").write_text("0101501234")
    result = run_batch(batch)
    assert result.exit_code == 0, result.output
    assert "Genskabt fra en afbrudt kørsel: konverteringsark.xlsx" in result.output
    assert "2 efterladte midlertidige filer" in result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)


def test_files_of_a_running_process_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / f".ledger.csv.tmp-{os.getppid()}").write_text("a run in progress")
    assert not recover_folder(tmp_path)
    assert (tmp_path / f".ledger.csv.tmp-{os.getppid()}").exists()


def test_a_missing_worksheet_next_to_an_earlier_run_is_not_silently_started_over(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    assert run_batch(batch).exit_code == 0
    (batch / "ud" / SHEET).unlink()
    result = run_batch(batch)
    assert result.exit_code == 4
    assert "konverteringsark.xlsx mangler" in result.output and "--force" in result.output
    assert run_batch(batch, "--force").exit_code == 0


def test_a_rename_that_fails_is_rolled_back_and_the_old_set_is_untouched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    batch = make_batch(tmp_path)
    assert run_batch(batch).exit_code == 0
    old = _hashes(batch / "ud")
    real = os.replace
    calls = {"n": 0}

    def failing(src: object, dst: object) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise PermissionError(13, "Permission denied")
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", failing)
    result = run_batch(batch, "--force")
    monkeypatch.undo()
    assert result.exit_code == 4
    assert "de tidligere filer er lagt tilbage" in result.output
    assert _hashes(batch / "ud") == old
    assert not [p.name for p in (batch / "ud").iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("name, content", [
    ("ledger.csv", "Sagsnr.;CPR-nr.\n32.03.12-G01-1-24;0101501234\n"),  # an export saved under an output's name
    ("rapport.html", "<html><body>kommunens egen side</body></html>"),
    ("manifest.json", '{"projekt": "andet"}'),
])
def test_a_file_the_tool_did_not_write_is_never_replaced(tmp_path: Path, name: str, content: str) -> None:
    batch = make_batch(tmp_path)
    (batch / "ud").mkdir()
    (batch / "ud" / name).write_text(content, encoding="utf-8")
    result = run_batch(batch)
    assert result.exit_code == 4, result.output
    assert f"{name} er ikke skrevet af kp-convert" in result.output
    assert (batch / "ud" / name).read_text(encoding="utf-8") == content
    assert not (batch / "ud" / SHEET).exists()  # nothing of the set was put in place


def test_the_tools_own_files_are_recognised_also_after_the_team_saved_them(tmp_path: Path) -> None:
    batch = make_batch(tmp_path)
    assert run_batch(batch).exit_code == 0
    for name in OUTPUTS:
        assert written_by_kp_convert(batch / "ud" / name, like=batch / "ud" / name), name
    edit(batch / "ud" / SHEET, ENTRIES)  # saved by openpyxl, as Excel would: the author stays
    assert written_by_kp_convert(batch / "ud" / SHEET)


def test_an_aborted_set_removes_its_private_temp_folder(tmp_path: Path) -> None:
    out = OutputSet(tmp_path / "ud")
    (out.temp_folder() / "sheet1.xml").write_text("0101501234")
    out.path("a.csv").write_text("x")
    out.abort()
    assert list((tmp_path / "ud").iterdir()) == []


def _dead_pid() -> int:
    """A PID that is not running (a child that has exited and been reaped)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_a_document_with_the_municipality_as_author_is_still_recognised_by_its_description(tmp_path: Path) -> None:
    import docx

    for comment, ours in (("Lavet af kp-convert", True), ("Kommunens eget notat", False)):
        doc = docx.Document()
        doc.core_properties.author, doc.core_properties.comments = "Eksempel Kommune", comment
        doc.save(str(tmp_path / "bestilling.docx"))
        assert written_by_kp_convert(tmp_path / "bestilling.docx") is ours, comment


def test_the_workbook_writers_temp_data_stays_in_the_output_folder_and_a_kill_leaves_it_for_the_next_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    from convert.write import xlsx

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    (tmp_path / "b").mkdir()
    batch = make_batch(tmp_path / "b")
    pid = os.fork()
    if pid == 0:
        try:
            def killed_before_close(self: object) -> None:  # the sheets are written, the workbook not yet zipped
                os.kill(os.getpid(), signal.SIGKILL)

            xlsx.Workbook.close = killed_before_close  # type: ignore[method-assign]
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            run_batch(batch)
        finally:
            os._exit(99)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status)
    out = batch / "ud"
    left = [p for p in out.iterdir() if p.name.startswith(".kp-convert-tmp-")]
    assert left and list(left[0].iterdir())  # the writer's sheet data: in the output folder, owner-only
    assert oct(left[0].stat().st_mode & 0o777) == "0o700"
    assert list(system_tmp.rglob("*")) == []  # nothing at all in the system temp folder
    result = run_batch(batch)
    assert result.exit_code == 0 and "efterladte midlertidige filer" in result.output
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_a_disk_error_while_the_workbook_is_zipped_leaves_no_temp_data_anywhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    import xlsxwriter

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    real_close = xlsxwriter.Workbook.close

    def disk_full(self: xlsxwriter.Workbook) -> None:
        self.fileclosed = True  # as xlsxwriter does before it packs; the temp files are already on disk
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsxwriter.Workbook, "close", disk_full)
    (tmp_path / "b").mkdir()
    batch = make_batch(tmp_path / "b")
    result = run_batch(batch)
    monkeypatch.setattr(xlsxwriter.Workbook, "close", real_close)
    assert result.exit_code == 4, result.output
    assert list(system_tmp.rglob("*")) == []
    assert not [p.name for p in (batch / "ud").iterdir()]  # nothing: no partial file, no temp folder
