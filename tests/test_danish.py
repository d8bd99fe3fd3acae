"""Danish wherever a caseworker or Netcompany reads: no code (`not_foot_care`) in any sheet, no configuration key
(`order.convert_documents`, `[letter]`) in the Word documents. Codes stay in ledger.csv and the manifest, and what
the operator must still fill in is said on the console."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest

from tests.conftest import kp_convert, kp_report_from_worksheet

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # not_foot_care, asset_limits, pad_nine_digit_cpr
CONFIG_KEY = re.compile(r"\b(?:batch|input|selection|criteria|parsing|letter|order|planning|reconcile|closing_note)"
                        r"\.[a-z_]+|\[(?:batch|input|selection|criteria|asset_limits|parsing|letter|order|planning|"
                        r"reconcile|closing_note)[].]")
FILE_NAMES = re.compile(r"\b[\w.-]+\.(?:xlsx|csv|docx|md|html|json|toml|pdf)\b")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("danish")
    shutil.copytree(SAMPLE, d / "sample")
    config = d / "sample" / "kp-convert.toml"
    for _ in range(2):  # a re-run adds its own sheets and blocks
        assert kp_convert("run", config, "--out", d / "ud").exit_code in (0, 1)
    assert kp_convert("spec", config, "--out", d / "spec").exit_code in (0, 1)
    kp_report_from_worksheet(d / "ud" / "konverteringsark.xlsx", d / "kp.csv", cases=slice(0, -5))
    result = kp_convert("reconcile", config, "--kp-report", d / "kp.csv", "--worksheet",
                        d / "ud" / "konverteringsark.xlsx", "--out", d / "afstemning")
    assert result.exit_code in (0, 1), result.output
    return d


SECTION = re.compile(r"\[[a-z_]+\]")  # '[asset_limits]': where the team lead writes a value – a place, not a code


def _codes(text: str) -> list[str]:
    return SNAKE.findall(SECTION.sub("", FILE_NAMES.sub("", text)))


@pytest.mark.parametrize("workbook", ["ud/konverteringsark.xlsx", "spec/bestilling_data.xlsx",
                                      "afstemning/afstemning.xlsx"])
def test_no_code_in_any_sheet(outputs: Path, workbook: str) -> None:
    found = []
    wb = openpyxl.load_workbook(outputs / workbook, read_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and (codes := _codes(cell.value)):
                    found.append((ws.title, cell.coordinate, codes))
    wb.close()
    assert not found, found[:10]


@pytest.mark.parametrize("document", ["bestilling.docx", "brevtekst.docx"])
def test_no_configuration_key_in_the_word_documents(outputs: Path, document: str) -> None:
    d = docx.Document(str(outputs / "spec" / document))
    texts = [p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]
    found = [t for t in texts if CONFIG_KEY.search(FILE_NAMES.sub("", t)) or _codes(t)]
    assert not found, found[:5]


def test_the_report_shows_no_code(outputs: Path) -> None:
    html = (outputs / "ud" / "rapport.html").read_text(encoding="utf-8")
    body = re.sub(r"<[^>]+>", " ", html[html.index("<body"):])
    assert not _codes(body)
