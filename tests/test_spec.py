"""`kp-convert spec`: the order to Netcompany and the letter material, read back and checked against the run."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from lxml import etree

from convert.danish.format import format_size
from convert.errors import ConfigError
from convert.pipeline import build_batch
from convert.settings.batch import load_config
from tests.conftest import (
    ASSET_HEADER,
    CASE_HEADER,
    DOC_HEADER,
    case_row,
    header_row,
    kp_convert,
    sheet_rows,
    sheet_values,
    write_config,
    write_csv,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CPR_PATTERN = re.compile(r"\b\d{6}-?\d{4}\b")
NAMES = ["Søren Ærø", "Åse Østergård", "Bjørn Møller", "Ida Ibsen"]
CPRS = ["010150-1234", "020250-2345", "030350-3456", "040450-4567", "050550-5678"]
LETTER = """
[letter]
agreement_price = "435,00"
price_page_url = "https://www.testkommune.dk/prisaftaler"
merge_question_key = "KONV01"
wrap_intro_in_merge_question = true
intro = 'Fra {startdato} behandler {kommune} din bevilling i KP. Du skal "ikke" gøre noget.'

[order]
contact_name = "Pia Pension"
contact_email = "pension@testkommune.dk"
convert_documents = true
closing_notes = true
desired_timing = "uge 48 2026"
"""


def _order_files(tmp_path: Path) -> Path:
    """4 foot-care cases (one 75,5 % with a 500 kr. estimate, one without estimate, one at 0 %), a glasses case, one
    rejected line (bad CPR) and 4 documents whose files lie in 'filer/' with known sizes (one file missing). Every
    foot-care case can be ordered (tests/test_order.py has the cases that cannot)."""
    write_csv(tmp_path / "sager.csv", CASE_HEADER, [
        case_row("32.03.12-G01-1-24", CPRS[0]),
        case_row("32.03.12-G01-2-24", CPRS[1], name="Åse Østergård", pct="75,5", estimate="500,00"),
        case_row("32.03.12-G01-3-24", CPRS[2], name="Bjørn Møller", estimate=""),
        case_row("32.03.12-G01-4-24", CPRS[3], name="Ida Ibsen", title="Briller", benefit="Briller"),
        case_row("32.03.12-G01-5-24", "310250-9999", name="Ida Ibsen"),  # 31 February: rejected
        case_row("32.03.12-G01-6-24", CPRS[4], name="Ida Ibsen", pct="0"),
    ])
    write_csv(tmp_path / "dokumenter.csv", DOC_HEADER, [
        ["32.03.12-G01-1-24", "D1", "Ansøgning om udvidet helbredstillæg", "Indgående", "01-01-2020", "D1.pdf"],
        ["32.03.12-G01-1-24", "D2", "Lægeerklæring", "Indgående", "02-01-2020", "D2.pdf"],
        ["32.03.12-G01-2-24", "D3", "Faktura fra fodterapeut", "Indgående", "03-01-2020", r"C:\ESDH\export\D3.pdf"],
        ["32.03.12-G01-6-24", "D5", "Scannet faktura", "Indgående", "03-01-2020", "D5.pdf"],
        ["32.03.12-G01-4-24", "D4", "Faktura", "Indgående", "03-01-2020", "D4.pdf"],
    ])
    write_csv(tmp_path / "formue.csv", ASSET_HEADER, [
        [CPRS[0], "01.03.2024", "45.000,00"], [CPRS[1], "15.06.2024", "12.000,00"],
        [CPRS[2], "01.02.2024", "5.000,00"], [CPRS[4], "01.02.2024", "5.000,00"]])
    files = tmp_path / "filer"
    files.mkdir()
    for name, size in (("D1.pdf", 1000), ("D2.pdf", 2500), ("D3.pdf", 123_456)):  # D5.pdf is missing
        (files / name).write_bytes(b"x" * size)
    write_config(tmp_path, extra=LETTER)
    return tmp_path


@pytest.fixture
def order_dir(tmp_path: Path) -> Path:
    return _order_files(tmp_path)


@pytest.fixture(scope="module")
def spec_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    """One `spec` run shared by the read-only checks (folder, output folder, CLI result)."""
    folder = _order_files(tmp_path_factory.mktemp("order"))
    out = folder / "ud"
    result = kp_convert("spec", folder / "kp-convert.toml", "--out", out, "--documents", folder / "filer")
    return folder, out, result


def _docx_tables(path: Path) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in docx.Document(str(path)).tables]


def _table_with(tables: list[list[list[str]]], header: str) -> list[list[str]]:
    return next(t for t in tables if t[0][0] == header)


def _all_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_spec_writes_the_order_and_its_numbers_equal_the_run(spec_run) -> None:  # type: ignore[no-untyped-def]
    order_dir, out, result = spec_run
    assert result.exit_code == 0, result.output  # one rejected line: said, not an exit code
    assert sorted(p.name for p in out.iterdir()) == ["bestilling.docx", "bestilling.md", "bestilling_data.xlsx",
                                                     "brevtekst.docx", "retur_skabelon.xlsx"]
    batch = build_batch(load_config(order_dir / "kp-convert.toml"))
    tables = _docx_tables(out / "bestilling.docx")
    cases = dict(map(tuple, _table_with(tables, "Sager")[1:]))
    assert cases == {"Poster i sagsudtrækket": "6", "Løbende fodbehandlingssager": str(len(batch.cases)),
                     "– i denne bestilling (udtrækket)": "4", "– ikke med i denne bestilling": "0",
                     "Udeladt efter reglerne": "1", "Afvist (kan ikke bruges)": str(batch.rejected_count)}
    assert len(batch.cases) == 4 and batch.rejected_count == 1
    categories = {row[0]: row[1:] for row in _table_with(tables, "Dokumentkategori (KP)")[1:]}
    counts = batch.documents["category"].value_counts()
    assert {k: int(v[0]) for k, v in categories.items() if k != "I alt"} == counts.to_dict()
    assert categories["Ansøgning"] == ["1", format_size(1000)]
    assert categories["Faktura"] == ["2", format_size(123_456)]  # D3 found by the last part of the Windows path;
    # D5's file is missing: not counted, and said so
    assert categories["I alt"] == ["4", format_size(126_956)] and format_size(126_956) == "127,0 kB (126.956 byte)"
    flags = dict(map(tuple, _table_with(tables, "Bemærkning")[1:]))
    assert flags == {"Tillægsprocent er 0": "1"}
    decisions = dict(map(tuple, _table_with(tables, "Beslutning")[1:]))
    assert decisions["Konvertering med dokumenter"] == "Ja"
    assert decisions["Nyt bevillingsbrev til borgerne"].startswith("Ikke besluttet")
    assert decisions["Ønsket tidspunkt"] == "uge 48 2026"
    mapping = _table_with(tables, "Fil")
    assert ["sager.csv (sager)", "CPR-nr.", "Borgeren: bevillingen oprettes på CPR-nummeret"] in mapping
    assert ["formue.csv (formueoplysninger)", "Formue oplyst dato",
            "Ansøgningsdato (den seneste på eller før startdatoen)"] in mapping
    text = "\n".join(p.text for p in docx.Document(str(out / "bestilling.docx")).paragraphs)
    assert "3 af 4 filer fundet" in text and "1 fil blev ikke fundet" in text
    assert "»fodbehandling«, »fodpleje« eller »fodterapi«" in text
    assert "Udtrækket indeholder CPR-numre." in text


def test_markdown_holds_the_same_tables_as_the_docx(spec_run) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = spec_run
    md = (out / "bestilling.md").read_text(encoding="utf-8").replace("\\_", "_").replace("\\|", "|")
    for table in _docx_tables(out / "bestilling.docx"):
        for row in table:
            assert "| " + " | ".join(row) + " |" in md, row


def test_the_specification_holds_no_cpr_and_no_names(spec_run) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = spec_run
    for name in ("bestilling.docx", "bestilling.md", "brevtekst.docx"):
        path = out / name
        text = path.read_text(encoding="utf-8") if name.endswith(".md") else _all_text(path)
        assert not CPR_PATTERN.search(text), name
        for cpr in CPRS + ["310250-9999"]:
            assert cpr not in text and cpr.replace("-", "") not in text, (name, cpr)
        for person in NAMES:
            assert person not in text, (name, person)
    # the extract does hold them, by design
    data = openpyxl.load_workbook(out / "bestilling_data.xlsx")
    assert data.sheetnames == ["Læs mig", "Sager", "Dokumenter"]
    rows = sheet_values(data, "Sager")
    assert rows[0][:5] == ("ESDH-sagsnr.", "CPR-nr.", "Sagstype (KP)", "Ansøgningsdato (KP)", "Startdato (KP)")
    assert [r[1] for r in rows[1:]] == [CPRS[0], CPRS[1], CPRS[2], CPRS[4]]
    assert rows[1][3].date().isoformat() == "2024-03-01" and rows[1][4].date().isoformat() == "2027-01-04"
    assert rows[4][7] == "Tillægsprocent er 0"
    docs = sheet_values(data, "Dokumenter")
    assert [(d[1], d[5]) for d in docs[1:]] == [("D1", "Ansøgning"), ("D2", "Erklæring"), ("D3", "Faktura"),
                                               ("D5", "Faktura")]
    assert not any(person in str(cell) for row in rows for cell in row for person in NAMES)  # no names needed


def test_letter_has_the_kombit_table_and_a_real_nested_merge_field(spec_run) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = spec_run
    document = docx.Document(str(out / "brevtekst.docx"))
    table = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert table == [
        ["Beskrivelse", "Overslag", "Prisaftale", "Tilskud", "Egenbetaling"],
        ["Fodbehandling dyrere end prisaftale", "500,00 kr.", "435,00 kr.", "369,75 kr.", "130,25 kr."],
        ["Fodbehandling efter prisaftale", "435,00 kr.", "435,00 kr.", "369,75 kr.", "65,25 kr."],
        ["Fodbehandling billigere end prisaftale", "350,00 kr.", "435,00 kr.", "297,50 kr.", "52,50 kr."],
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Prisaftalen og den personlige tillægsprocent, som nævnes i brevet, er dem, der gælder på " \
           "bevillingstidspunktet. De kan ændre sig." in text
    rels = [r.target_ref for r in document.part.rels.values() if r.reltype.endswith("/hyperlink")]
    assert rels == ["https://www.testkommune.dk/prisaftaler"]

    body = etree.fromstring(zipfile.ZipFile(out / "brevtekst.docx").read("word/document.xml"))
    field_paragraphs = [p for p in body.iter(W + "p") if p.find(f".//{W}fldChar") is not None]
    assert len(field_paragraphs) == 1
    events, depth, max_depth = [], 0, 0
    for el in field_paragraphs[0].iter(W + "fldChar", W + "instrText"):
        if el.tag == W + "fldChar":
            kind = el.get(W + "fldCharType")
            depth += {"begin": 1, "end": -1}.get(kind, 0)
            max_depth = max(max_depth, depth)
            events.append(kind)
        else:
            events.append(el.text)
    intro = 'Fra 4. januar 2027 behandler Testkommune din bevilling i KP. Du skal \\"ikke\\" gøre noget.'
    assert events == ["begin", " IF ", "begin", " MERGEFIELD Question:flettespoergsmaal-KONV01 ", "separate", "end",
                      f' = "J" "{intro}" ', "separate", "end"]
    assert depth == 0 and max_depth == 2  # nested, and every field closed
    assert not any("\n" in e or "\r" in e for e in events)  # codes back to back, no line breaks
    shown = "".join(t.text for t in field_paragraphs[0].iter(W + "t"))
    assert "{" not in shown and shown.endswith('Du skal "ikke" gøre noget.')  # no literal braces: real fields


def test_letter_without_agreement_says_so_and_has_no_table(batch_dir: Path) -> None:
    out = batch_dir / "ud"
    result = kp_convert("spec", batch_dir / "kp-convert.toml", "--out", out)
    assert result.exit_code == 0 and "[letter] agreement_price = " in result.output  # the console says what to fill
    document = docx.Document(str(out / "brevtekst.docx"))
    assert document.tables == [] and "Ingen prisaftale angivet" in "\n".join(
        p.text for p in document.paragraphs)
    md = (out / "bestilling.md").read_text(encoding="utf-8")
    assert "Den samlede filstørrelse er ukendt" in md  # no folder given: size unknown, never invented
    assert not any(p._p.find(f".//{W}fldChar") is not None for p in document.paragraphs)  # not wrapped by default


def test_without_documents_the_extract_and_spec_leave_them_out(order_dir: Path) -> None:
    config = order_dir / "kp-convert.toml"
    config.write_text(config.read_text(encoding="utf-8").replace("convert_documents = true",
                                                                 "convert_documents = false"), encoding="utf-8")
    out = order_dir / "ud"
    kp_convert("spec", config, "--out", out)
    assert openpyxl.load_workbook(out / "bestilling_data.xlsx").sheetnames == ["Læs mig", "Sager"]
    md = (out / "bestilling.md").read_text(encoding="utf-8")
    assert "**Dokumenter** konverteres ikke." in md and "| Konvertering med dokumenter | Nej |" in md


def test_worksheet_gains_subsidy_check_figures(order_dir: Path) -> None:
    out = order_dir / "ark"
    kp_convert("run", order_dir / "kp-convert.toml", "--out", out)
    wb = openpyxl.load_workbook(out / "konverteringsark.xlsx")
    cols = ["Tillægsprocent", "Overslag (kr.)", "Tilskud ved overslag (kr.)", "Tilskud ved prisaftale (kr.)"]
    rows = {r["ESDH-sagsnr."]: [r[c] for c in cols] for r in sheet_rows(wb, "Sager")}
    assert rows == {
        "32.03.12-G01-1-24": [100, 435, 369.75, 369.75],
        "32.03.12-G01-2-24": [75.5, 500, 279.16, 279.16],   # 85 % × 435 × 75,5 % = 279,16125
        "32.03.12-G01-3-24": [100, None, None, 369.75],     # no estimate: empty, never a guess
        "32.03.12-G01-6-24": [0, 435, 0, 0],
    }
    ws = wb["Sager"]
    top = header_row(ws)  # under the row of group headings
    cell = ws.cell(row=top + 1, column=[c.value for c in ws[top]].index("Tilskud ved overslag (kr.)") + 1)
    assert cell.number_format == "#,##0.00"


@pytest.mark.parametrize("section, expected", [
    ('[letter]\nagreement_prise = "435,00"\n', "mente du 'agreement_price'"),
    ('[letter]\nagreement_price = "mange"\n', "'letter.agreement_price' er ikke et gyldigt beløb"),
    ('[letter]\nagreement_price = true\n', "'letter.agreement_price' skal være et beløb"),
    ('[letter]\nagreement_price = "435,00"\ndearer_example = "400,00"\n', "dearer_example' skal være dyrere"),
    ('[letter]\nagreement_price = "300"\n', "cheaper_example' skal være billigere"),
    ('[letter]\nrounding = "bankers"\n', "'letter.rounding' er ukendt"),
    ("[letter]\nwrap_intro_in_merge_question = true\n", "merge_question_key' er tom"),
    ('[letter]\nmerge_question_key = "a b"\n', "må kun indeholde"),
    ('[letter]\nprice_page_url = "www.x.dk"\n', "skal være en webadresse"),
    ('[letter]\nintro = "Fra {dato}"\n', "Ukendt felt '{dato}'"),
    ('[letter]\nwrap_intro_in_merge_question = "ja"\n', "skal være true/false"),
    ('[order]\ncontact_email = "pia"\n', "ikke en e-mailadresse"),
    ('[order]\nconvert_documents = "ja"\n', "'order.convert_documents' skal være true/false"),
    ("[order]\nnew_leter = true\n", "mente du 'new_letter'"),
])
def test_letter_and_order_config_mistakes_name_the_key(tmp_path: Path, section: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path, extra=section))
    assert expected in str(info.value) and info.value.exit_code == 2


def test_letter_config_values_and_labelled_defaults(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path, extra='[letter]\nagreement_price = 435\nrounding = "down"\n'))
    assert cfg.letter.agreement_price == Decimal("435.00")
    assert cfg.letter.dearer_example == Decimal("500.00") and cfg.letter.cheaper_example == Decimal("350.00")
    assert cfg.order.convert_documents is None and cfg.order.kp_case_type == "Udvidet helbredstillæg til fodbehandling"
    template = (Path(__file__).parent.parent / "convert" / "templates" / "kp-convert.toml").read_text(encoding="utf-8")
    assert "[letter]" in template and "[order]" in template


def test_a_documents_folder_that_does_not_exist_is_a_config_error(batch_dir: Path) -> None:
    config = write_config(batch_dir, extra='[order]\ndocuments_folder = "findes-ikke"\n')
    result = kp_convert("spec", config, "--out", batch_dir / "ud")
    assert result.exit_code == 2 and "Mappen med dokumentfilerne findes ikke" in result.output
    assert not (batch_dir / "ud" / "bestilling.docx").exists()  # nothing half-written
