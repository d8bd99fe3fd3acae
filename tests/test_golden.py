"""Golden workbooks: the committed sample batch's three workbooks, compared cell by cell with tests/golden/.

A golden file is a text copy of one workbook, one line per non-empty cell (sheet, cell, repr of the value, number
format), so a change in the output shows in review as the cells that changed. A mismatch lists the first differing
cells. After checking that a change is intended, regenerate the files with

    KP_CONVERT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

Dates the tool writes are fixed (the cut-over date), so the goldens do not depend on the day they are made.
"""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import kp_convert, kp_report_from_worksheet

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "sample_data" / "kp-convert.toml"
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("KP_CONVERT_UPDATE_GOLDEN") == "1"
SHOWN = 20  # differing cells listed in a failure


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    """`run`, `spec` and `reconcile` on the committed sample, into a temporary folder: (folder, name -> workbook)."""
    out = tmp_path_factory.mktemp("golden")
    assert kp_convert("run", CONFIG, "--out", out / "run").exit_code == 0  # rejected rows are said, not an exit
    assert kp_convert("spec", CONFIG, "--out", out / "spec").exit_code == 0
    worksheet = out / "run" / "konverteringsark.xlsx"
    # KP lists all but the last ten converted cases, so 'Mangler i KP' has rows too
    kp_report = kp_report_from_worksheet(worksheet, out / "kp.csv", cases=slice(-10))
    result = kp_convert("reconcile", CONFIG, "--kp-report", kp_report, "--worksheet", worksheet,
                        "--out", out / "reconcile")
    assert result.exit_code == 1, result.output  # differences found
    return out, {"konverteringsark": worksheet, "bestilling_data": out / "spec" / "bestilling_data.xlsx",
                 "afstemning": out / "reconcile" / "afstemning.xlsx"}


def cell_lines(path: Path, folder: Path) -> list[str]:
    """The workbook as text: its sheet names, then `sheet<TAB>cell<TAB>repr(value)<TAB>number format` per cell.
    The temporary `folder` in a text (afstemning.xlsx names its input files) is written as <ud>."""
    def shown(value: object) -> str:
        return repr(value.replace(str(folder), "<ud>") if isinstance(value, str) else value)

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        lines = [f"(workbook)\tsheets\t{wb.sheetnames!r}"]
        for ws in wb.worksheets:
            lines += [f"{ws.title}\t{c.coordinate}\t{shown(c.value)}\t{c.number_format}"
                      for row in ws.iter_rows() for c in row if c.value is not None]
        return lines
    finally:
        wb.close()


def _cells(lines: list[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(sheet, cell) -> (value repr, number format), in the order of the lines (the sheets line has no format)."""
    cells = {}
    for line in lines:
        if line and not line.startswith("#"):
            sheet, cell, value, *number_format = line.split("\t")
            cells[(sheet, cell)] = (value, number_format[0] if number_format else "")
    return cells


def _differences(golden: list[str], actual: list[str]) -> list[str]:
    """One line per differing cell: `sheet!cell: golden VALUE [FORMAT], now VALUE [FORMAT]`."""
    def shown(entry: tuple[str, str] | None) -> str:
        return "(empty)" if entry is None else f"{entry[0]} [{entry[1]}]"

    want, got = _cells(golden), _cells(actual)
    keys = dict.fromkeys([*got, *want])  # in the order of the new workbook, then the cells no longer there
    return [f"  {sheet}!{cell}: golden {shown(want.get((sheet, cell)))}, now {shown(got.get((sheet, cell)))}"
            for sheet, cell in keys if want.get((sheet, cell)) != got.get((sheet, cell))]


@pytest.mark.parametrize("name", ["konverteringsark", "bestilling_data", "afstemning"])
def test_workbook_equals_its_golden_copy_cell_by_cell(outputs: tuple[Path, dict[str, Path]], name: str) -> None:
    folder, workbooks = outputs
    golden = GOLDEN / f"{name}.tsv"
    actual = cell_lines(workbooks[name], folder)
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        header = (f"# {name}.xlsx of the committed sample (tests/test_golden.py), one line per non-empty cell:\n"
                  "# sheet<TAB>cell<TAB>repr(value)<TAB>number format. Regenerate: KP_CONVERT_UPDATE_GOLDEN=1\n")
        golden.write_text(header + "\n".join(actual) + "\n", encoding="utf-8")
        pytest.skip(f"golden file written: {golden.relative_to(REPO)} – review its diff before committing")
    assert golden.exists(), f"{golden} is missing: make it with KP_CONVERT_UPDATE_GOLDEN=1"
    differences = _differences(golden.read_text(encoding="utf-8").splitlines(), actual)
    if differences:
        pytest.fail(f"{name}.xlsx differs from {golden.relative_to(REPO)} in {len(differences)} cells; the first "
                    f"{min(SHOWN, len(differences))} (value [number format]):\n" + "\n".join(differences[:SHOWN])
                    + "\nIf the change is intended: KP_CONVERT_UPDATE_GOLDEN=1 .venv/bin/python -m pytest "
                    "tests/test_golden.py", pytrace=False)
