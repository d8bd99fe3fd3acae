"""The real client: LibreOffice prints what the tool writes, and keeps what the team typed.

The committed sample's konverteringsark.xlsx, an afstemning.xlsx, kortlaegning.xlsx, bestilling.docx and
brevtekst.docx are converted to PDF once (`soffice --headless --convert-to pdf`, as printing to a PDF printer),
and every page is read back: the size of every character on paper is its font size times the page's and the
text's scaling (read with pdfminer.six from the PDF's text operators, not estimated from word boxes), and none
may be under 8 pt. A worksheet whose checklist was filled and then re-saved by LibreOffice keeps every entry on
the next run.

Needs LibreOffice (`soffice`; .ci/run installs it on CI): skipped, with the reason, where it is missing.
`pytest -m "not print"` leaves these tests out.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from convert.rerun import read_checklist
from tests.conftest import header_index, header_row, kp_convert, kp_report_from_worksheet, sheet_rows, sheet_values

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "sample_data" / "kp-convert.toml"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
MIN_PT = 8.0
pytestmark = [
    pytest.mark.print,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed – .ci/run installs it; on "
                                               "Debian: apt-get install libreoffice-calc-nogui libreoffice-writer-nogui"),
]
pdfminer = pytest.importorskip("pdfminer", reason="pdfminer.six (the test extra) reads the PDF's font sizes")


@dataclass
class Page:
    text: str  # the characters in the order they are drawn (no spaces: LibreOffice positions words)
    sizes: list[float]  # every character's size on paper, in pt


def soffice(*args: str | Path, profile: Path) -> None:
    """LibreOffice headless with its own profile (another LibreOffice running on the machine does not interfere)."""
    cmd = [str(SOFFICE), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           *[str(a) for a in args]]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)}: {done.stdout}{done.stderr}"


def read_pdf(path: Path) -> list[Page]:
    """Each page's characters and their sizes on paper: font size × the text matrix × the page's transformation."""
    from pdfminer.pdfdevice import PDFTextDevice
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    class Sizes(PDFTextDevice):  # records each character; no layout analysis (several times faster)
        def __init__(self, resources: PDFResourceManager) -> None:
            super().__init__(resources)
            self.text: list[str] = []
            self.sizes: list[float] = []

        def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:  # noqa: ANN001
            try:
                char = font.to_unichr(cid)
            except Exception:  # noqa: BLE001 – a glyph without a Unicode value is still drawn text
                char = "?"
            if char.strip():
                _, _, c, d, _, _ = matrix
                self.text.append(char)
                self.sizes.append(fontsize * math.hypot(c, d))  # the glyph's height on the page, in pt
            return font.char_width(cid) * fontsize * scaling

    resources = PDFResourceManager()
    pages = []
    with path.open("rb") as fh:
        for pdf_page in PDFPage.get_pages(fh):
            device = Sizes(resources)
            PDFPageInterpreter(resources, device).process_page(pdf_page)
            pages.append(Page("".join(device.text), device.sizes))
    return pages


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample's five documents: run, spec, inspect and reconcile (KP lists all but the last ten cases)."""
    out = tmp_path_factory.mktemp("print")
    assert kp_convert("run", CONFIG, "--out", out / "run").exit_code == 0
    assert kp_convert("spec", CONFIG, "--out", out / "spec").exit_code == 0
    assert kp_convert("inspect", CONFIG, "--out", out / "inspect").exit_code == 0
    worksheet = out / "run" / "konverteringsark.xlsx"
    kp_report = kp_report_from_worksheet(worksheet, out / "kp.csv", cases=slice(-10))
    result = kp_convert("reconcile", CONFIG, "--kp-report", kp_report, "--worksheet", worksheet,
                        "--out", out / "reconcile")
    assert result.exit_code == 1, result.output  # differences found
    return {"konverteringsark": worksheet, "afstemning": out / "reconcile" / "afstemning.xlsx",
            "kortlaegning": out / "inspect" / "kortlaegning.xlsx", "bestilling": out / "spec" / "bestilling.docx",
            "brevtekst": out / "spec" / "brevtekst.docx"}


@pytest.fixture(scope="module")
def printed(outputs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Page]]:
    """Every document printed to PDF by LibreOffice (one start for all five) and read back page by page."""
    folder = tmp_path_factory.mktemp("pdf")
    soffice("--convert-to", "pdf", "--outdir", folder, *outputs.values(), profile=folder / "profile")
    return {name: read_pdf(folder / f"{path.stem}.pdf") for name, path in outputs.items()}


@pytest.mark.parametrize("name", ["konverteringsark", "afstemning", "kortlaegning", "bestilling", "brevtekst"])
def test_every_page_prints_its_text_at_8_pt_or_more(printed: dict[str, list[Page]], name: str) -> None:
    pages = printed[name]
    assert pages and all(p.sizes for p in pages), f"{name}: a page without text"
    smallest = [round(min(p.sizes), 1) for p in pages]  # pdfminer's float arithmetic: 8.0 may read 7.99
    too_small = [(i, s) for i, s in enumerate(smallest, start=1) if s < MIN_PT]
    assert not too_small, f"{name}: pages with text under {MIN_PT} pt (page, pt): {too_small[:10]}"


@pytest.mark.parametrize("name", ["konverteringsark", "afstemning", "kortlaegning"])
def test_every_sheet_is_printed(outputs: dict[str, Path], printed: dict[str, list[Page]], name: str) -> None:
    """Each page's footer names its sheet: no sheet is left out of the print."""
    sheets = openpyxl.load_workbook(outputs[name]).sheetnames
    text = "".join(p.text for p in printed[name])
    assert [s for s in sheets if s.replace(" ", "") not in text] == []


def test_the_sager_sheet_prints_the_caseworkers_columns_and_each_batch_prints_alone(
        outputs: dict[str, Path], printed: dict[str, list[Page]]) -> None:
    pages = [p.text for p in printed["konverteringsark"]]
    with_groups = [t for t in pages if "Skrivesafkp-convertvedhverkørsel" in t]  # Sager and the batch sheets
    sager = [t for t in with_groups if "–sagsbehandler" not in t and "–ingensagsbehandler" not in t]
    assert sager and len(sager) < len(with_groups)
    for text in sager:  # the checklist is printed, the columns for the screen are not
        assert all(h in text for h in ("Ansøgningsdato", "Bemærkninger", "Udfyldesafteamet", "Initialer"))
        assert not any(h in text for h in ("Sagstitel", "Kilde(fil:linje)", "Planstatus", "Estimerettid"))
    assert any("Batch01–sagsbehandler" in t and "planlagt" in t for t in pages)  # the page header
    wb = openpyxl.load_workbook(outputs["konverteringsark"])
    first = sorted((r for r in sheet_rows(wb, "Sager") if r["Batch"] == 1), key=lambda r: r["Nr. i batch"])
    assert [r["ESDH-sagsnr."] for r in sheet_rows(wb, "Batch 01")] == [r["ESDH-sagsnr."] for r in first]


def test_a_checklist_filled_and_saved_by_libreoffice_keeps_every_entry_on_the_next_run(
        outputs: dict[str, Path], tmp_path: Path) -> None:
    """The team ticks cases off, LibreOffice saves the workbook in its own way (styles, shared strings, dates,
    the row of group headings), and `kp-convert run` carries every entry to the same case."""
    folder = tmp_path / "ud"
    shutil.copytree(outputs["konverteringsark"].parent, folder)
    worksheet = folder / "konverteringsark.xlsx"
    wb = openpyxl.load_workbook(worksheet)
    ws = wb["Sager"]
    top = header_row(ws)  # under the row of group headings
    col = {c.value: c.column for c in ws[top]}
    entries = {}
    for i, r in enumerate(range(top + 1, top + 9)):
        case = ws.cell(r, col["ESDH-sagsnr."]).value
        typed = {"Oprettet i KP": "Ja", "KP-sagsnr.": f"KP-{1000 + i}", "Dokumenter tilknyttet": "Nej" if i % 2 else "Ja",
                 "Lukket i ESDH": "Ja", "Initialer": "ABJ", "Dato": dt.datetime(2027, 1, 5 + i)}
        for header, value in typed.items():
            ws.cell(r, col[header], value)
        entries[case] = typed
    wb.save(worksheet)
    resaved = tmp_path / "libreoffice"
    soffice("--convert-to", "xlsx", "--outdir", resaved, worksheet, profile=tmp_path / "profile")
    shutil.copyfile(resaved / "konverteringsark.xlsx", worksheet)
    assert read_checklist(worksheet).loc[list(entries)].to_dict("index") == {
        case: {h: pd_value(v) for h, v in typed.items()} for case, typed in entries.items()}

    result = kp_convert("run", CONFIG, "--out", folder)
    assert result.exit_code == 0, result.output
    assert "afkrydsninger for 8 sager er overført" in result.output
    kept = read_checklist(worksheet)
    assert kept.loc[list(entries)].to_dict("index") == {
        case: {h: pd_value(v) for h, v in typed.items()} for case, typed in entries.items()}
    assert len(kept) == len(entries)
    values = sheet_values(worksheet, "Sager")
    assert values[header_index(values)][0] == "ESDH-sagsnr."  # the header under its group headings still


def pd_value(v: object) -> object:
    """An entry as read_checklist gives it back: dates as Timestamps, the rest as text."""
    import pandas as pd

    return pd.Timestamp(v) if isinstance(v, dt.datetime) else v
