"""Exit codes mean what they say, and no command overwrites a file it did not write.

A bug is exit 70 with one line (never 1, which automation reads as "done, some rows rejected"); Ctrl+C is 130;
an output folder that cannot be one (a file, a symlink loop, a name too long, "") is refused before the work with
exit 4 (2 for the empty name); a console that cannot print a character gets a replacement, not a crash;
`--timings`, `sample` and `init --force` refuse to replace exports, configurations and the team's worksheet.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from convert import pipeline
from convert.cli import cli
from convert.errors import EXIT_INTERNAL, EXIT_INTERRUPTED
from tests.conftest import kp_convert, run_batch

REPO = Path(__file__).resolve().parent.parent


def _run_as_user(*args: str | Path) -> tuple[int, str]:
    """The CLI as a user gets it: bugs are not re-raised for the test (see conftest)."""
    result = CliRunner(env={"KP_CONVERT_RAISE_INTERNAL_ERRORS": None}).invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def test_a_bug_is_exit_70_with_one_line_and_no_data(batch_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(*_a: object, **_k: object) -> None:
        raise ValueError("row 7: 010150-1234 Søren Ærø")  # a message that carries a citizen's data

    monkeypatch.setattr(pipeline, "convert_tables", bug)
    code, output = _run_as_user("run", batch_dir / "kp-convert.toml", "--out", batch_dir / "ud")
    assert code == EXIT_INTERNAL == 70
    assert "Intern fejl i kp-convert (ValueError i convert/pipeline.py:" in output
    assert "rapportér" in output and "--debug" in output
    assert "Traceback" not in output and "1234" not in output and "Søren" not in output
    assert len(output.strip().splitlines()) == 1


def test_debug_shows_the_traceback_of_a_bug(batch_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(*_a: object, **_k: object) -> None:
        raise ValueError("bug")

    monkeypatch.setattr(pipeline, "convert_tables", bug)
    result = CliRunner(env={"KP_CONVERT_RAISE_INTERNAL_ERRORS": None}).invoke(
        cli, ["--debug", "run", str(batch_dir / "kp-convert.toml"), "--out", str(batch_dir / "ud")])
    assert isinstance(result.exception, ValueError)  # re-raised: Python prints the traceback


def test_ctrl_c_is_exit_130_and_leaves_no_partial_files(batch_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "convert_tables", interrupted)
    code, output = _run_as_user("run", batch_dir / "kp-convert.toml", "--out", batch_dir / "ud")
    assert code == EXIT_INTERRUPTED == 130
    assert "Afbrudt" in output
    assert not (batch_dir / "ud").exists() or not list((batch_dir / "ud").iterdir())


@pytest.mark.parametrize("make_out, expected", [
    (lambda d: d / "fil", "er en fil, ikke en mappe"),
    (lambda d: d / "fil" / "ud", "er ikke en mappe"),
    (lambda d: d / "løkke", "peger på sig selv"),
    (lambda d: d / "løkke" / "ud", "peger på sig selv"),
    (lambda d: d / ("x" * 300), "for langt"),
], ids=["a file", "under a file", "a symlink loop", "under a symlink loop", "a name too long"])
def test_an_output_folder_that_cannot_be_one_is_exit_4_with_one_line(batch_dir: Path, make_out, expected) -> None:  # type: ignore[no-untyped-def]
    (batch_dir / "fil").write_text("x")
    os.symlink(batch_dir / "løkke2", batch_dir / "løkke")
    os.symlink(batch_dir / "løkke", batch_dir / "løkke2")
    result = run_batch(batch_dir, out=make_out(batch_dir))
    assert result.exit_code == 4, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert (batch_dir / "fil").read_text() == "x"


def test_an_empty_out_is_refused_not_the_current_folder(batch_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(batch_dir)
    result = kp_convert("run", batch_dir / "kp-convert.toml", "--out", "")
    assert result.exit_code == 2 and "må ikke være tom" in result.output
    assert not (batch_dir / "konverteringsark.xlsx").exists()


def test_a_console_that_cannot_print_a_character_gets_a_replacement_not_a_crash(batch_dir: Path) -> None:
    """A Latin-1 console (and a Windows console redirected to a file in its ANSI code page) has no '–'."""
    env = {**os.environ, "PYTHONIOENCODING": "latin-1", "PYTHONPATH": str(REPO)}
    env.pop("KP_CONVERT_RAISE_INTERNAL_ERRORS", None)
    done = subprocess.run([sys.executable, "-m", "convert", "run", str(batch_dir / "kp-convert.toml"), "--out",
                           str(batch_dir / "ud")], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode("latin-1")
    text = done.stdout.decode("latin-1")
    assert "startdato i KP" in text and "?" in text  # '–' replaced, the line still printed
    assert (batch_dir / "ud" / "konverteringsark.xlsx").exists()


# ---- never overwrite what the tool did not write -----------------------------------------------------------

@pytest.mark.parametrize("target", ["kp-convert.toml", "sager.csv", "ud/konverteringsark.xlsx", "noter.txt"])
def test_timings_never_overwrite_the_config_an_input_the_worksheet_or_a_stranger(batch_dir: Path,
                                                                                  target: str) -> None:
    (batch_dir / "noter.txt").write_text("mine noter", encoding="utf-8")
    assert run_batch(batch_dir).exit_code == 0
    before = (batch_dir / target).read_bytes()
    result = run_batch(batch_dir, "--timings", batch_dir / target)
    assert result.exit_code == 4, result.output
    assert "--timings" in result.output and "bliver ikke overskrevet" in result.output
    assert (batch_dir / target).read_bytes() == before


def test_timings_replace_their_own_earlier_report(batch_dir: Path) -> None:
    assert run_batch(batch_dir, "--timings", batch_dir / "t.json").exit_code == 0
    assert run_batch(batch_dir, "--timings", batch_dir / "t.json").exit_code == 0
    assert '"tool": "kp-convert"' in (batch_dir / "t.json").read_text(encoding="utf-8")


def test_sample_refuses_a_folder_that_holds_exports(batch_dir: Path) -> None:
    before = (batch_dir / "sager.csv").read_bytes()
    result = kp_convert("sample", "--out", batch_dir, "--cases", "60")
    assert result.exit_code == 4
    assert "sager.csv" in result.output and "eksempeldata skrives kun i en mappe uden eksportfiler" in result.output
    assert (batch_dir / "sager.csv").read_bytes() == before


@pytest.mark.parametrize("name, content", [("sager.csv", "Sagsnr.;CPR-nr.\n"), ("noter.toml", "a = 1\n"),
                                           ("ødelagt.toml", "[batch\n")])
def test_init_force_replaces_only_a_configuration(tmp_path: Path, name: str, content: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    result = kp_convert("init", tmp_path / name, "--force")
    assert result.exit_code == 4 and "ikke en kp-convert-konfiguration" in result.output
    assert (tmp_path / name).read_text(encoding="utf-8") == content


def test_init_force_replaces_a_configuration(tmp_path: Path) -> None:
    assert kp_convert("init", tmp_path / "k.toml").exit_code == 0
    assert kp_convert("init", tmp_path / "k.toml", "--force").exit_code == 0


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_staged_document_folders_are_owner_only_also_the_new_parents(batch_dir: Path) -> None:
    files = batch_dir / "filer"
    files.mkdir()
    for i in range(1, 4):
        (files / f"D{i}.pdf").write_bytes(b"pdf")
    out = batch_dir / "ny" / "dybere" / "ud"
    result = run_batch(batch_dir, "--documents-folder", files, out=out)
    assert result.exit_code == 0, result.output
    for folder in [batch_dir / "ny", batch_dir / "ny" / "dybere", out,
                   *[p for p in (out / "dokumenter").rglob("*") if p.is_dir()]]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
