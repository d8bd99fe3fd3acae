"""Stage timing and the progress line: silent off a terminal and on short runs, one line per stage on long ones."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from convert import progress
from convert.progress import StageClock, stage, stage_block
from tests.conftest import run_batch


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@stage("nap", "Sover")
def nap(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def test_stages_are_timed_only_inside_a_clock() -> None:
    assert nap(0) == "done"  # no clock: just the function
    with StageClock() as clock:
        nap(0.01)
        nap(0.01)
        with stage_block("sheet:Sager", "ark Sager"):
            pass
    report = clock.report()
    by_name = {s["name"]: s for s in report["stages"]}
    assert by_name["nap"]["calls"] == 2 and by_name["nap"]["seconds"] >= 0.02
    assert by_name["sheet:Sager"]["depth"] == 0 and report["peak_rss_mb"] > 0


def test_long_run_on_a_terminal_shows_each_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DISPLAY_AFTER", 0.0)
    monkeypatch.setattr(progress, "_TICK", 0.01)
    out = Terminal()
    with StageClock(display=True, stream=out):
        nap(0.05)
        nap(0.05)
    text = out.getvalue()
    assert text.count("Sover") >= 2 and "\033" not in text  # no ANSI codes: plain Windows consoles too
    assert text.endswith("s\n") or text.rstrip(" ").endswith("\r")  # the live line is cleared at the end


def test_progress_lines_mask_a_cpr_and_survive_the_console_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stage label may name an input file, and a file name may hold a CPR number; a Latin-1 console has no '–'."""
    monkeypatch.setattr(progress, "DISPLAY_AFTER", 0.0)
    monkeypatch.setattr(progress, "_TICK", 0.01)
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="latin-1")
    out.isatty = lambda: True  # type: ignore[method-assign]
    with StageClock(display=True, stream=out):
        with stage_block("read:x", "Læser sager – 010150–1234 Hans.csv"):
            time.sleep(0.05)
    text = raw.getvalue().decode("latin-1")
    assert "Læser sager ? 010150-xxxx" in text and "1234" not in text


@pytest.mark.parametrize("stream, after", [(io.StringIO(), 0.0), (Terminal(), 60.0)])
def test_silent_off_a_terminal_and_on_short_runs(monkeypatch: pytest.MonkeyPatch, stream: io.StringIO,
                                                 after: float) -> None:
    monkeypatch.setattr(progress, "DISPLAY_AFTER", after)
    monkeypatch.setattr(progress, "_TICK", 0.01)
    with StageClock(display=True, stream=stream):
        nap(0.05)
    assert stream.getvalue() == ""


def test_run_writes_timings_and_stays_quiet_on_stderr(batch_dir: Path) -> None:
    timings = batch_dir / "timings.json"
    result = run_batch(batch_dir, "--timings", timings)
    assert result.exit_code == 0, result.output
    report = json.loads(timings.read_text(encoding="utf-8"))
    names = [s["name"] for s in report["stages"]]
    assert {"read", "validate", "select", "worksheet", "sheet:Sager", "ledger_csv"} <= set(names)
    sager = next(s for s in report["sheets"] if s["sheet"] == "Sager")
    assert sager["rows"] == 3 and sager["columns"][0] == {"header": "ESDH-sagsnr.", "kind": "text", "cells": 3}
    assert "Sover" not in result.output and "Læser" not in result.output
