"""An XLSX export's used range is found from its cells, not from the dimension the sheet declares.

openpyxl pads every row to the declared width and reads every row up to the declared height: one stray cell in
column 16,000 of the sample's 302 cases took a run 543 s, a sheet declaring A1:XFD1048576 (the whole sheet) ran
past two minutes. Each workbook here holds the sample's cases; the runs are compared with the clean workbook's:
the same fate for every row, and the stray cell said like any data under a blank header ("kolonne 16000 … bruges
ikke"). The runs go in a process of their own, so a regression fails the test instead of hanging it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from convert.read.table import build_table
from convert.read.xlsx import xlsx_records
from convert.settings.batch import load_config

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"
FAR = 16_000  # column WQJ
STRAY_ROW = 150

# the run, timed from its start (Python's own start-up and the imports are not the tool's time)
TIMED_RUN = """
import sys, time
import convert.pipeline, convert.read.table, convert.write.outputs, openpyxl, xlsxwriter
from click.testing import CliRunner
from convert.cli import cli
start = time.perf_counter()
result = CliRunner().invoke(cli, ["run", sys.argv[1], "--out", sys.argv[2]])
seconds = time.perf_counter() - start
print(result.output)
print("exit", result.exit_code, "seconds", seconds)
"""


def sample_cases() -> list[list[str]]:
    """The sample's cases export as rows of text (it is written in Windows-1252, as ESDH exports are)."""
    text = (SAMPLE / "sager.csv").read_bytes().decode("cp1252")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def write_cases_xlsx(path: Path, rows: list[list[str]], *, stray: tuple[int, int] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sager"
    for row in rows:
        ws.append(row)
    if stray:
        ws.cell(row=stray[0], column=stray[1], value="x")
    wb.save(path)
    return path


def declare_dimension(path: Path, ref: str) -> Path:
    """The workbook with its sheet's <dimension ref> replaced (as some ESDH exports write it)."""
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            part = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                part, found = re.subn(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), part)
                assert found == 1
            dst.writestr(item, part)
    return path


def batch_with(folder: Path, workbook: Path) -> Path:
    """The sample batch with the cases export replaced by `workbook` (named sager.xlsx in every batch)."""
    folder.mkdir()
    shutil.copy(workbook, folder / "sager.xlsx")
    for name in ("dokumenter.csv", "formue.csv"):
        shutil.copy(SAMPLE / name, folder / name)
    config = (SAMPLE / "kp-convert.toml").read_text(encoding="utf-8")
    assert 'path = "sager.csv"' in config
    (folder / "kp-convert.toml").write_text(config.replace('path = "sager.csv"', 'path = "sager.xlsx"', 1),
                                            encoding="utf-8")
    return folder


def timed_run(batch: Path) -> tuple[float, str]:
    done = subprocess.run([sys.executable, "-c", TIMED_RUN, str(batch / "kp-convert.toml"), str(batch / "ud")],
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    last = done.stdout.split()
    assert last[-4:-2] == ["exit", "0"], done.stdout
    return float(last[-1]), done.stdout


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("xlsx")
    rows = sample_cases()
    assert len(rows) == 303  # the header and 302 cases
    clean = write_cases_xlsx(folder / "clean.xlsx", rows)
    return {
        "clean": clean,
        "stray": write_cases_xlsx(folder / "stray.xlsx", rows, stray=(STRAY_ROW, FAR)),
        "stray header": write_cases_xlsx(folder / "stray_header.xlsx", rows, stray=(1, FAR)),
        "full width": declare_dimension(write_cases_xlsx(folder / "full.xlsx", rows), "A1:XFD1048576"),
    }


@pytest.fixture(scope="module")
def runs(workbooks: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[float, Path, str]]:
    """Each workbook's run: (seconds, its batch folder, the console output)."""
    out = {}
    for name, book in workbooks.items():
        batch = batch_with(tmp_path_factory.mktemp("batch") / name.replace(" ", "_"), book)
        seconds, output = timed_run(batch)
        out[name] = (seconds, batch, output)
    return out


def ledger(batch: Path) -> str:
    return (batch / "ud" / "ledger.csv").read_text(encoding="utf-8-sig")


def test_a_sheet_declaring_the_whole_sheet_runs_as_fast_as_the_clean_one(runs) -> None:  # type: ignore[no-untyped-def]
    seconds, batch, _ = runs["full width"]
    assert seconds < 5.0, f"{seconds:.1f} s"
    assert ledger(batch) == ledger(runs["clean"][1])


def test_a_stray_far_cell_changes_no_fate_and_is_said(runs) -> None:  # type: ignore[no-untyped-def]
    seconds, batch, output = runs["stray"]
    assert ledger(batch) == ledger(runs["clean"][1])
    assert f"sager.xlsx: kolonne {FAR} har ingen overskrift, men 1 række(r) har data i den – kolonnen bruges ikke" \
        in output
    manifest = json.loads((batch / "ud" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["cases"]["unnamed_columns_with_data"][str(FAR)] == 1
    # 543 s before; then ~3 s in read/table.py's build_table, which visited every blank header position (16,000
    # here). It counts only the cells there are now: the run takes as long as the clean one (~1.5 s).
    assert seconds < 5.0, f"{seconds:.1f} s"


def test_a_stray_cell_in_the_header_row_makes_no_16000_columns(runs: dict[str, tuple[float, Path, str]],
                                                              workbooks: dict[str, Path], tmp_path: Path) -> None:
    """A stray cell in the header row is a header far to the right: the positions between it and the real headers
    have neither a name nor data, and the table keeps no column for them (it made 16,000, and the run took 6–9 s)."""
    seconds, batch, _ = runs["stray header"]
    assert ledger(batch) == ledger(runs["clean"][1])
    assert seconds < 5.0, f"{seconds:.1f} s"
    spec = load_config(batch_with(tmp_path / "b", workbooks["stray header"]) / "kp-convert.toml").inputs["cases"]
    records, meta = xlsx_records(spec, spec.path.read_bytes())
    table = build_table(spec, records, meta, pad_short_rows=True)
    assert len(table.headers) == FAR and table.headers[-1] == "x"
    assert len(table.frame.columns) < 20, len(table.frame.columns)  # 13 headers, 1 column of data under none, x


def test_the_reader_returns_the_cells_there_are(workbooks: dict[str, Path], tmp_path: Path) -> None:
    """The stray workbook reads as the clean one, but for its one far cell and the header row padded to reach it
    (so the far cell is data under a blank header, not a line longer than its header); nothing else is padded."""
    rows = {}
    for name in ("clean", "stray"):
        batch = batch_with(tmp_path / name, workbooks[name])
        spec = load_config(batch / "kp-convert.toml").inputs["cases"]
        records, _ = xlsx_records(spec, spec.path.read_bytes())
        rows[name] = (records.fields.to_pylist(), records.starts.tolist())
    (clean, clean_starts), (stray, stray_starts) = rows["clean"], rows["stray"]
    assert stray_starts == clean_starts
    header, far_row = 0, stray_starts.index(STRAY_ROW)
    assert stray[header] == clean[header] + [""] * (FAR - len(clean[header]))
    assert stray[far_row] == clean[far_row] + [""] * (FAR - 1 - len(clean[far_row])) + ["x"]
    assert [r for i, r in enumerate(stray) if i not in (header, far_row)] == \
        [r for i, r in enumerate(clean) if i not in (header, far_row)]
    assert max(len(r) for i, r in enumerate(clean) if i != header) <= 14  # no row is padded to a declared width
