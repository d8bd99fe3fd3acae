"""Outputs are all-or-nothing, byte-for-byte reproducible, and readable by the owner only."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from convert.write import output_set, outputs
from tests.conftest import CASE_HEADER, case_row, run_batch, sheet_values, write_csv

OUTPUTS = ["konverteringsark.xlsx", "ledger.csv", "lukkenotater.csv", "manifest.json", "rapport.html"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def previous_run(batch_dir: Path) -> tuple[Path, dict[str, bytes]]:
    """A finished run, then a changed export, so a new run would change every file."""
    out = batch_dir / "ud"
    assert run_batch(batch_dir, out=out).exit_code == 0
    before = snapshot(out)
    write_csv(batch_dir / "sager.csv", CASE_HEADER, [case_row("S-9", "090950-1234")])
    return out, before


# ---- atomic ----------------------------------------------------------------------------------------

def test_a_run_failing_halfway_leaves_the_previous_files_and_says_so(previous_run, batch_dir: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out, before = previous_run

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(outputs, "write_ledger", disk_full)  # after the worksheet and notes are written
    result = run_batch(batch_dir, out=out)
    assert result.exit_code == 4
    assert "Fejl: Resultatfilerne kunne ikke skrives (No space left on device)" in result.output
    assert f"de tidligere filer i {out} er urørte" in result.output
    assert snapshot(out) == before  # same names, same bytes: no temp file left, nothing replaced


def test_a_bug_halfway_is_a_traceback_but_still_leaves_nothing_behind(previous_run, batch_dir: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out, before = previous_run

    def bug(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("bug")
    monkeypatch.setattr(outputs, "write_closing_notes", bug)
    with pytest.raises(RuntimeError):
        run_batch(batch_dir, out=out)
    assert snapshot(out) == before


def test_a_rename_failing_midway_puts_the_earlier_files_back(previous_run, batch_dir: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Say Excel holds ledger.csv open on Windows: the worksheet was already replaced, and is put back."""
    out, before = previous_run
    real_replace = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        if Path(dst).name == "ledger.csv" and ".tmp-" in Path(src).name:
            raise PermissionError(13, "Permission denied")
        real_replace(src, dst)
    monkeypatch.setattr(output_set.os, "replace", replace)
    result = run_batch(batch_dir, out=out)
    assert result.exit_code == 4
    assert "Kunne ikke lægge ledger.csv på plads" in result.output
    assert "de tidligere filer er lagt tilbage og er urørte" in result.output and "Luk den" in result.output
    assert snapshot(out) == before


def test_the_first_run_failing_writes_nothing(batch_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outputs, "write_ledger", lambda *a, **k: (_ for _ in ()).throw(OSError(5, "I/O error")))
    result = run_batch(batch_dir)
    assert result.exit_code == 4 and "der er ikke skrevet nogen filer i" in result.output
    assert list((batch_dir / "ud").iterdir()) == []


# ---- deterministic ---------------------------------------------------------------------------------

def test_same_inputs_give_byte_identical_outputs(batch_dir: Path) -> None:
    a, b = batch_dir / "a", batch_dir / "b"
    assert run_batch(batch_dir, out=a).exit_code == run_batch(batch_dir, out=b).exit_code == 0
    for name in ("konverteringsark.xlsx", "lukkenotater.csv", "ledger.csv", "rapport.html"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ma, mb = (json.loads((f / "manifest.json").read_text(encoding="utf-8")) for f in (a, b))
    assert set(ma) == set(mb) and ma.pop("run") is not None and mb.pop("run") is not None
    assert ma == mb  # the run time is the only difference
    with zipfile.ZipFile(a / "konverteringsark.xlsx") as z:
        stamps = {i.date_time for i in z.infolist()}
        assert len(stamps) == 1 and next(iter(stamps))[0] == 1980  # one fixed timestamp, not the clock
        core = z.read("docProps/core.xml").decode()
    assert "2027-01-04T00:00:00Z" in core  # created = the cut-over date, not today


def test_row_order_in_the_export_does_not_change_the_worksheet(batch_dir: Path) -> None:
    rows = [case_row("S-1"), case_row("S-2", "020250-2345"), case_row("S-3", "030350-3456")]
    write_csv(batch_dir / "sager.csv", CASE_HEADER, rows)
    assert run_batch(batch_dir, out="a").exit_code == 0
    write_csv(batch_dir / "sager.csv", CASE_HEADER, rows[::-1])
    assert run_batch(batch_dir, out="b").exit_code == 0
    a, b = (sheet_values(batch_dir / f / "konverteringsark.xlsx", "Sager") for f in ("a", "b"))
    assert [r[:-1] for r in a] == [r[:-1] for r in b]  # sorted by case number; only the source line column differs


# ---- owner only ------------------------------------------------------------------------------------

@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_outputs_are_readable_by_the_owner_only(batch_dir: Path) -> None:
    out = batch_dir / "ny" / "mappe" / "ud"
    old_umask = os.umask(0o022)  # a usual umask would leave files world-readable
    try:
        assert run_batch(batch_dir, out=out).exit_code == 0
    finally:
        os.umask(old_umask)
    for folder in (batch_dir / "ny", batch_dir / "ny" / "mappe", out):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    for p in out.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_temporary_files_are_owner_only_from_the_start(batch_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    modes: list[int] = []
    real = outputs.write_ledger

    def spy(ledger, path: Path) -> None:  # type: ignore[no-untyped-def]
        modes.append(stat.S_IMODE(path.stat().st_mode))
        real(ledger, path)
        modes.append(stat.S_IMODE(path.stat().st_mode))
    monkeypatch.setattr(outputs, "write_ledger", spy)
    old_umask = os.umask(0o022)
    try:
        assert run_batch(batch_dir).exit_code == 0
    finally:
        os.umask(old_umask)
    assert modes == [0o600, 0o600]
