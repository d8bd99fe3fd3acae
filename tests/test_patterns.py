"""Configured patterns (`selection.foot_care_pattern`, the document categories' `title_pattern` / `type_pattern`,
`reconcile.foot_care_pattern`): one engine checks and matches them, RE2, whose time is linear in the text.

A nested quantifier that makes Python's `re` backtrack for ever finishes at once; a construct RE2 does not have is a
configuration error naming the key (exit 2) instead of a crash in the middle of the run; a group prints no warning;
case is ignored, Danish letters included, on every kind of text column pandas may hand over. All data fictitious.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from convert.errors import ConfigError
from convert.settings.batch import Selection
from convert.settings.pattern import compile_pattern
from convert.stages.select import select_running_foot_care
from tests.conftest import CASE_HEADER, case_row, run_batch, sheet_rows, write_config, write_csv

REPO = Path(__file__).resolve().parents[1]
X30 = "x" * 30
# each takes Python's `re` longer than the age of the universe on thirty x's (the last also sends pandas to `re`)
CATASTROPHIC = [r"(x+x+)+y", r"(a|aa)+$", r"(\s?x+x+)+y"]


def cases_frame(titles: list[str | None]) -> pd.DataFrame:
    """Cases as the select stage gets them: running, open-ended, the title also as the benefit."""
    n = len(titles)
    return pd.DataFrame({"source_file": "sager.csv", "source_row": np.arange(2, n + 2), "case_id": [f"S-{i}" for i in
                         range(n)], "title": pd.array(titles, dtype="string"), "benefit": pd.array(titles, dtype="string"),
                         "status": pd.array(["Aktiv"] * n, dtype="string"), "end_date": pd.Series([pd.NaT] * n,
                                                                                               dtype="datetime64[ns]")})


def seconds_to_select(pattern: str) -> float:
    """The select stage's own time on 2,000 running cases titled with thirty x's (and one that matches)."""
    selection = Selection(foot_care_pattern=compile_pattern(pattern, "selection.foot_care_pattern"),
                          match_fields=("benefit", "title"), active_statuses=("Aktiv",), include_time_limited=False)
    cases = cases_frame([X30] * 2_000 + ["x" * 29 + "y", None])
    start = time.perf_counter()
    selected, excluded = select_running_foot_care(cases, selection, dt.date(2027, 1, 4),
                                                  {"benefit", "title", "status", "end_date"})
    seconds = time.perf_counter() - start
    assert len(selected) + len(excluded) == len(cases) and set(excluded["reason_code"]) == {"not_foot_care"}
    return seconds


def in_own_process(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Python with ARGS in a process of its own: a pattern that hangs Python's `re` fails the test, not hangs it."""
    return subprocess.run([sys.executable, *args], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_a_pattern_that_would_hang_pythons_re_selects_in_well_under_a_second(pattern: str) -> None:
    done = in_own_process("-c", f"from tests.test_patterns import seconds_to_select; "
                                f"print(seconds_to_select({pattern!r}))", timeout=60)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.split()[-1]) < 1.0


def test_the_run_with_a_catastrophic_pattern_finishes(tmp_path: Path) -> None:
    write_csv(tmp_path / "sager.csv", CASE_HEADER, [case_row("S-1"), case_row("S-2", "020250-2345", title=X30,
                                                                               benefit=X30)])
    write_config(tmp_path, documents=None, assets=None,
                 extra="[selection]\nfoot_care_pattern = 'fodbehandling|(\\s?x+x+)+y'\n")
    done = in_own_process("-m", "convert", "run", str(tmp_path / "kp-convert.toml"), "--out", str(tmp_path / "ud"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert [r["ESDH-sagsnr."] for r in sheet_rows(tmp_path / "ud" / "konverteringsark.xlsx", "Sager")] == ["S-1"]


@pytest.mark.parametrize("key, extra", [
    ("selection.foot_care_pattern", "[selection]\nfoot_care_pattern = '(?>fod)behandling'\n"),
    ("document_categories[1].title_pattern",
     "[[document_categories]]\ntitle_pattern = '(?>an)søgning'\ncategory = 'Ansøgning'\n"),
    ("document_categories[1].type_pattern", "[[document_categories]]\ntype_pattern = '(?>a)'\ncategory = 'X'\n"),
    ("reconcile.foot_care_pattern", "[reconcile]\nfoot_care_pattern = '(?>fod)behandling'\n"),
])
def test_a_pattern_python_accepts_and_re2_does_not_is_a_config_error(batch_dir: Path, key: str, extra: str) -> None:
    write_config(batch_dir, extra=extra)
    result = run_batch(batch_dir)
    assert result.exit_code == 2
    assert f"'{key}' er ikke et gyldigt regulært udtryk" in result.output
    assert "RE2 kender ikke »(?>«" in result.output  # the engine's reason, in Danish
    assert not (batch_dir / "ud").exists()


@pytest.mark.parametrize("pattern, reason", [
    ("fod(behandling", "der mangler en )"),
    ("fodbehandling)", "der er en ) for meget"),
    ("[æøå", "der mangler en ]"),
    (r"(fod)\1", "RE2 kender ikke »\\1«"),
    ("(?<=x)fod", "RE2 kender ikke »(?<=«"),
    ("fod{2000}", "højst 1000 gange"),
])
def test_the_reason_a_pattern_is_refused_is_said_in_danish(pattern: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        compile_pattern(pattern, "selection.foot_care_pattern")
    assert reason in str(info.value)
    assert "'selection.foot_care_pattern'" in str(info.value) and info.value.exit_code == 2


def test_a_pattern_with_groups_prints_no_warning(batch_dir: Path) -> None:
    write_config(batch_dir, extra="[selection]\nfoot_care_pattern = 'fod(behandling|pleje)'\n"
                                  "[[document_categories]]\ntitle_pattern = '(an)søgning|(læge)erkl'\n"
                                  "category = 'Ansøgning'\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert [str(w.message) for w in caught] == []
    assert "Warning" not in result.output and "site-packages" not in result.output
    assert len(sheet_rows(batch_dir / "ud" / "konverteringsark.xlsx", "Sager")) == 3


TEXT_COLUMNS = {
    "object": lambda v: pd.Series(v, dtype=object),
    "string (python)": lambda v: pd.Series(v, dtype=pd.StringDtype("python")),
    "string (pyarrow)": lambda v: pd.Series(v, dtype=pd.StringDtype("pyarrow")),
    "str (NaN for missing)": lambda v: pd.Series(v, dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
    "arrow string": lambda v: pd.Series(v, dtype=pd.ArrowDtype(pa.string())),
    "arrow large_string": lambda v: pd.Series(v, dtype=pd.ArrowDtype(pa.large_string())),
}


@pytest.mark.parametrize("kind", list(TEXT_COLUMNS))
def test_case_is_ignored_danish_letters_too_on_every_kind_of_text_column(kind: str) -> None:
    pattern = compile_pattern("fodbehandling|fodpleje|æøå", "selection.foot_care_pattern")
    values = ["FODBEHANDLING", "Fodpleje", "ÆØÅ-sagen", None, np.nan, "Briller", ""]
    column = TEXT_COLUMNS[kind](values).set_axis(list("abcdefg"))
    hit = pattern.contains(column)
    assert hit.dtype == bool and list(hit.index) == list("abcdefg")
    assert hit.tolist() == [True, True, True, False, False, False, False]
    assert pattern.contains(column.iloc[:0]).tolist() == []


AS_BEFORE = [  # (pattern, text, matches): what the default rules and the README's examples rely on
    ("fodbehandling|fodpleje", "Udvidet helbredstillæg - FODPLEJE", True),
    ("^notat$", "Notat", True),
    ("^notat$", "Notat om samtale", False),
    ("læge ?erkl", "LÆGEERKLÆRING", True),
    ("fod(behandling|terapi)", "Fodterapeut", False),
    ("fod(behandling|terapi)", "fodterapi", True),
    ("ansøgning|ansoegning", "Ansoegning om tillæg", True),
    (r"\d{2}\.\d{2}", "Sag 32.03.12", True),
    (r"^\s*fod", "  Fodbehandling", True),
]


@pytest.mark.parametrize("pattern, text, matches", AS_BEFORE)
def test_a_pattern_matches_as_before(pattern: str, text: str, matches: bool) -> None:
    compiled = compile_pattern(pattern, "document_categories[1].title_pattern")
    assert compiled.search(text) is matches
    assert compiled.contains(pd.Series([text, None])).tolist() == [matches, False]
    assert compiled.search(None) is False


def test_the_pattern_text_is_kept_for_the_reports() -> None:
    assert compile_pattern("fod(behandling|pleje)", "selection.foot_care_pattern").pattern == "fod(behandling|pleje)"


def test_the_command_line_stays_light() -> None:
    """`kp-convert --help` does not load pyarrow: the engine is imported when a pattern is checked."""
    done = in_own_process("-c", "import sys\nfrom convert.cli import cli\ntry:\n    cli(['--help'])\n"
                                "except SystemExit:\n    pass\nprint('pyarrow' in sys.modules)")
    assert done.stdout.split()[-1] == "False"
