"""The order to Netcompany as something a supplier can carry out: a firm scope, a draft that says it is one, a return
file that closes the loop with `reconcile`, a test conversion with acceptance criteria, and what a supplier asks.

The batch holds every kind of case that cannot be created as ordered (all fictitious):

| case       | planted                                                   | in the order?                           |
|------------|-----------------------------------------------------------|-----------------------------------------|
| S-01       | clean, one document                                       | yes (test conversion)                   |
| S-02       | no asset declaration: no application date                 | no – no application date                |
| S-03       | replacement CPR (day + 60)                                | no – erstatningspersonnummer            |
| S-04       | a 9-digit CPR, padded with a 0                            | no – the 0 is a guess                   |
| S-05, S-06 | one citizen, two running grants; the config chooses S-05  | S-05 yes (test conversion); S-06 no     |
| S-07, S-08 | one citizen, two running grants; no choice                | no – both wait                          |
| S-09       | a document no category rule matches ("Skal vurderes")     | no – documents without a KP category    |
| S-10       | tillægsprocent 0 (a remark, nothing that stops the order) | yes, with its remark                    |
| S-11       | clean, one document                                       | yes                                     |
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from convert.errors import ConfigError
from convert.order.returnfile import RETURN_COLUMNS
from convert.order.scope import IN_ORDER_HEADER, order_scope
from convert.pipeline import build_batch
from convert.reconcile.pipeline import reconcile
from convert.settings.batch import load_config, reconcile_settings
from convert.write.worksheet.read import read_worksheet
from tests.conftest import (
    ASSET_HEADER,
    CASE_HEADER,
    DOC_HEADER,
    case_row,
    kp_convert,
    sheet_values,
    write_config,
    write_csv,
)
from tests.conftest import fictitious_cpr as cpr

CPR_PATTERN = re.compile(r"\b\d{6}-?\d{4}\b|\b\d{9}\b")
NAMES = ["Søren Ærø", "Åse Østergård"]
REPLACEMENT = "64" + cpr(3)[2:]  # day 04 + 60
NINE_DIGITS = cpr(4).replace("-", "")[1:]  # Excel dropped the leading 0
ORDERED = ["S-01", "S-05", "S-10", "S-11"]
PILOT = ["S-01", "S-05"]
FILLED_IN = """
[letter]
agreement_price = "435,00"

[order]
contact_name = "Pia Pension"
contact_email = "pension@testkommune.dk"
convert_documents = true
closing_notes = true
new_letter = false
desired_timing = "uge 48 2026"
delivery_channel = "sikker filoverførsel aftalt med Netcompany"
responsible_unit = "Pension og Boligstøtte"
data_processing_agreement = "databehandleraftalen af 1. marts 2026"
chosen_grants = ["S-05"]
pilot_cases = 2
order_date = 2026-11-02
"""


def _exports(folder: Path) -> Path:
    write_csv(folder / "sager.csv", CASE_HEADER, [
        case_row("S-01", cpr(1)), case_row("S-02", cpr(2), name="Åse Østergård"), case_row("S-03", REPLACEMENT),
        case_row("S-04", NINE_DIGITS), case_row("S-05", cpr(5)), case_row("S-06", cpr(5)),
        case_row("S-07", cpr(7)), case_row("S-08", cpr(7)), case_row("S-09", cpr(9)),
        case_row("S-10", cpr(10), pct="0"), case_row("S-11", cpr(11)),
    ])
    write_csv(folder / "dokumenter.csv", DOC_HEADER, [
        ["S-01", "D1", "Ansøgning om udvidet helbredstillæg", "Indgående", "01-01-2020", "D1.pdf"],
        ["S-05", "D5", "Faktura fra fodterapeut", "Indgående", "01-02-2020", "D5.docx"],
        ["S-09", "D9a", "Scannet post", "Indgående", "01-03-2020", "D9a.tif"],
        ["S-09", "D9b", "Faktura", "Indgående", "01-03-2020", "D9b.pdf"],
        ["S-11", "D11", "Lægeerklæring", "Indgående", "01-04-2020", "D11.pdf"],
    ])
    write_csv(folder / "formue.csv", ASSET_HEADER, [[c, "01.03.2024", "10.000,00"] for c in (
        cpr(1), REPLACEMENT, cpr(4), cpr(5), cpr(7), cpr(9), cpr(10), cpr(11))])  # none for S-02
    return folder


def _config(folder: Path, extra: str = FILLED_IN) -> Path:
    return write_config(folder, extra=extra)


@pytest.fixture(scope="module")
def ordered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The batch with everything filled in: `run` into ud/, `spec` into spec/ (read-only for the tests)."""
    d = _exports(tmp_path_factory.mktemp("order"))
    _config(d)
    assert kp_convert("run", d / "kp-convert.toml", "--out", d / "ud").exit_code == 0
    result = kp_convert("spec", d / "kp-convert.toml", "--out", d / "spec")
    assert result.exit_code == 0, result.output
    return d


def _text(path: Path) -> str:
    document = docx.Document(str(path))
    return "\n".join([p.text for p in document.paragraphs]
                     + [" | ".join(c.text for c in row.cells) for t in document.tables for row in t.rows])


def _rows(book: Path, sheet: str, first: str = "ESDH-sagsnr.") -> list[dict[str, object]]:
    """The rows under a sheet's header row (the row whose first cell is `first`, below any title block)."""
    values = sheet_values(book, sheet)
    at = next(i for i, r in enumerate(values) if r and r[0] == first)
    return [dict(zip(values[at], r, strict=True)) for r in values[at + 1:]]


def _table(path: Path, first_header: str) -> list[list[str]]:
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in docx.Document(str(path)).tables]
    return next(t for t in tables if t[0][0] == first_header)


# ---- 1. firm scope ---------------------------------------------------------------------------------------------

def test_the_extract_holds_only_cases_netcompany_can_create_and_the_order_lists_the_others(ordered: Path) -> None:
    data = ordered / "spec" / "bestilling_data.xlsx"
    cases = {r["ESDH-sagsnr."]: r for r in _rows(data, "Sager")}
    assert list(cases) == ORDERED
    assert cases["S-10"]["Bemærkninger"] == "Tillægsprocent er 0"  # flagged, and in: with its remark
    assert [c for c, r in cases.items() if r["Prøvekonvertering"] == "Ja"] == PILOT
    assert {r["ESDH-sagsnr."] for r in _rows(data, "Dokumenter")} == {"S-01", "S-05", "S-11"}  # not S-09's
    left_out = {row[0]: row[1:] for row in _table(ordered / "spec" / "bestilling.docx", "ESDH-sagsnr.")[1:]}
    assert list(left_out) == ["S-02", "S-03", "S-04", "S-06", "S-07", "S-08", "S-09"]
    assert left_out["S-02"][0].startswith("Ingen formueoplysning")
    assert left_out["S-03"] == ["Erstatningspersonnummer – findes ikke i CPR", "Kommunen finder borgerens rigtige CPR-nr."]
    assert "9 cifre" in left_out["S-04"][0]
    assert left_out["S-06"][0].endswith("(S-05 bestilles)")
    assert left_out["S-07"][0] == left_out["S-08"][0] == ("Borgeren har flere løbende fodbehandlingssager "
                                                          "(S-07, S-08)")
    assert left_out["S-09"][0] == "Dokumenter uden dokumentkategori i KP (1)"
    text = _text(ordered / "spec" / "bestilling.docx")
    assert "Kommunens plan for sagerne: Sagerne er ikke med i udtrækket" in text


def test_order_scope_is_the_worksheet_column_and_follows_the_configuration(tmp_path: Path) -> None:
    _exports(tmp_path)
    scope = order_scope(build_batch(load_config(_config(tmp_path)))).set_index("case_id")
    assert list(scope.index[scope["in_order"]]) == ORDERED and list(scope.index[scope["pilot"]]) == PILOT
    assert scope.loc["S-01", "worksheet_text"] == "Ja – prøvekonvertering" and scope.loc["S-10", "worksheet_text"] == "Ja"
    assert scope.loc["S-03", "worksheet_text"] == "Nej – Erstatningspersonnummer – findes ikke i CPR"
    assert IN_ORDER_HEADER == "I bestillingen"
    # no choice: both of the citizen's grants wait; no documents ordered: a document without category stops nothing
    no_choice = FILLED_IN.replace('chosen_grants = ["S-05"]', "").replace("convert_documents = true",
                                                                            "convert_documents = false")
    scope = order_scope(build_batch(load_config(_config(tmp_path, no_choice)))).set_index("case_id")
    assert list(scope.index[scope["in_order"]]) == ["S-01", "S-09", "S-10", "S-11"]
    assert scope.loc["S-05", "codes"] == scope.loc["S-06", "codes"] == "duplicate_grant"


# ---- 2. a draft says it is a draft ----------------------------------------------------------------------------

def test_the_draft_marking_appears_and_disappears_with_the_configuration(tmp_path: Path) -> None:
    _exports(tmp_path)
    result = kp_convert("spec", _config(tmp_path, ""), "--out", tmp_path / "udkast")
    assert result.exit_code == 0 and "Bestillingen er et UDKAST: 8 oplysninger mangler" in result.output
    for line in ("[order] contact_name", "[order] desired_timing", "[order] convert_documents", "[order] closing_notes",
                 "[order] new_letter", "[letter] agreement_price", "[order] delivery_channel",
                 "[order] responsible_unit"):
        assert line in result.output, line
    md = (tmp_path / "udkast" / "bestilling.md").read_text(encoding="utf-8").splitlines()
    assert md[0].startswith("# UDKAST – Bestilling af konvertering til KP")
    assert md[4] == "## Udkast – det mangler, før bestillingen kan sendes"  # the first section
    assert "- Kommunens prisaftale på fodbehandling (prisen, eller at kommunen ingen prisaftale har)" in md
    draft = docx.Document(str(tmp_path / "udkast" / "bestilling.docx"))
    assert draft.core_properties.title.startswith("UDKAST – ") and draft.paragraphs[0].text.startswith("UDKAST – ")
    assert docx.Document(str(tmp_path / "udkast" / "brevtekst.docx")).core_properties.title.startswith("UDKAST – ")

    result = kp_convert("spec", _config(tmp_path), "--out", tmp_path / "klar")
    assert result.exit_code == 0 and "UDKAST" not in result.output
    for name in ("bestilling.docx", "brevtekst.docx"):
        document = docx.Document(str(tmp_path / "klar" / name))
        assert "UDKAST" not in _text(tmp_path / "klar" / name) and "Udkast" not in _text(tmp_path / "klar" / name)
        props = document.core_properties
        assert not props.title.startswith("UDKAST") and props.author == "Testkommune"
        assert props.created.date() == dt.date(2026, 11, 2)
    assert "UDKAST" not in (tmp_path / "klar" / "bestilling.md").read_text(encoding="utf-8")


def test_the_documents_carry_date_version_and_page_numbers(ordered: Path) -> None:
    sha = hashlib.sha256((ordered / "spec" / "bestilling_data.xlsx").read_bytes()).hexdigest()
    path = ordered / "spec" / "bestilling.docx"
    text = _text(path)
    assert f"Dato: 02-11-2026 · Version: {sha[:12]}" in text and sha in text
    with zipfile.ZipFile(path) as z:
        footers = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/footer")]
    assert any(" PAGE " in f and " NUMPAGES " in f and f"Version {sha[:12]}" in f for f in footers)
    assert f"Version: {sha[:12]}" in _text(ordered / "spec" / "brevtekst.docx")


def test_spec_runs_again_into_the_same_folder(ordered: Path, tmp_path: Path) -> None:
    """The documents' author is the municipality; the tool still knows them as its own and replaces them."""
    out = tmp_path / "igen"
    for _ in range(2):
        result = kp_convert("spec", ordered / "kp-convert.toml", "--out", out)
        assert result.exit_code == 0, result.output


# ---- 3. the return file ---------------------------------------------------------------------------------------

def _fill_return(spec: Path, path: Path, *, cases: list[str] | None = None, documents: dict[str, int] | None = None,
                 esdh: dict[str, str] | None = None) -> Path:
    """As Netcompany would: one row per converted case of the extract, with the KP case number KP gave it."""
    wb = openpyxl.load_workbook(spec / "retur_skabelon.xlsx")
    ws = wb["Retur"]
    assert tuple(c.value for c in ws[1]) == tuple(h for h, *_ in RETURN_COLUMNS)  # the headers are fixed
    for i, r in enumerate(_rows(spec / "bestilling_data.xlsx", "Sager"), start=1):
        if cases is not None and r["ESDH-sagsnr."] not in cases:
            continue
        case = r["ESDH-sagsnr."]
        ws.append([(esdh or {}).get(case, case), r["CPR-nr."], f"KP-{i}", r["Ansøgningsdato (KP)"],
                   r["Startdato (KP)"], r["Bevilling slut (KP)"], (documents or {}).get(case, r["Antal dokumenter"])])
    wb.save(path)
    return path


def _reconcile(d: Path, kp: Path, *extra: str | Path):  # type: ignore[no-untyped-def]
    return kp_convert("reconcile", d / "kp-convert.toml", "--kp-report", kp, "--worksheet",
                      d / "ud" / "konverteringsark.xlsx", "--out", d / "afstemning", *extra)


def test_the_filled_in_return_file_reconciles_and_fills_kp_numbers(ordered: Path, tmp_path: Path) -> None:
    d = tmp_path / "b"
    shutil.copytree(ordered, d)
    back = _fill_return(d / "spec", d / "retur.xlsx")
    settings = reconcile_settings(load_config(d / "kp-convert.toml"), kp_report=back,
                                  worksheet=d / "ud" / "konverteringsark.xlsx", order_extract=d / "spec" /
                                  "bestilling_data.xlsx")
    # read as it is: every header known without mapping
    assert reconcile(load_config(d / "kp-convert.toml"), settings).kp_mapping == {f: h for h, f, *_ in RETURN_COLUMNS}
    result = _reconcile(d, back, "--order", d / "spec" / "bestilling_data.xlsx", "--update-worksheet")
    assert result.exit_code == 0, result.output
    assert "Alt stemmer." in result.output and "4 KP-sagsnr. skrevet" in result.output
    rows = read_worksheet(d / "ud" / "konverteringsark.xlsx").rows.set_index("ESDH-sagsnr.")["KP-sagsnr."]
    assert {c: v for c, v in rows.items() if v} == {"S-01": "KP-1", "S-05": "KP-2", "S-10": "KP-3", "S-11": "KP-4"}
    left = {r["Sagsnr."]: r["Regel"] for r in _rows(d / "afstemning" / "afstemning.xlsx", "Ikke medtaget", "Kilde")}
    assert left["S-06"] == "ikke med i bestillingen" and len(left) == 7

    # without the order every held-back case is missing in KP, and no one ticked "Oprettet i KP"
    assert _reconcile(d, back).exit_code == 1


def test_the_test_conversion_and_a_return_file_that_differs(ordered: Path, tmp_path: Path) -> None:
    order = ordered / "spec" / "bestilling_data.xlsx"
    pilot = _fill_return(ordered / "spec", tmp_path / "prove.xlsx", cases=PILOT)
    result = kp_convert("reconcile", ordered / "kp-convert.toml", "--kp-report", pilot, "--worksheet",
                        ordered / "ud" / "konverteringsark.xlsx", "--out", tmp_path / "a", "--order", order, "--pilot")
    assert result.exit_code == 0, result.output
    assert "Alt stemmer." in result.output
    wrong = _fill_return(ordered / "spec", tmp_path / "forkert.xlsx", documents={"S-11": 3}, esdh={"S-10": "S-99"})
    result = kp_convert("reconcile", ordered / "kp-convert.toml", "--kp-report", wrong, "--worksheet",
                        ordered / "ud" / "konverteringsark.xlsx", "--out", tmp_path / "b", "--order", order)
    assert result.exit_code == 1
    report = tmp_path / "b" / "afstemning.xlsx"
    assert [r["ESDH-sagsnr."] for r in _rows(report, "Antal dokumenter afviger")] == ["S-11"]
    assert [(r["ESDH-sagsnr."], r["ESDH-sagsnr. (returfil)"]) for r in _rows(report, "ESDH-sagsnr. afviger")] == [
        ("S-10", "S-99")]
    assert kp_convert("reconcile", ordered / "kp-convert.toml", "--kp-report", pilot, "--pilot").exit_code == 2


# ---- 4. and 5. what the order says ---------------------------------------------------------------------------

def test_the_order_names_the_return_file_the_test_conversion_and_the_data_processing_basis(ordered: Path) -> None:
    text = _text(ordered / "spec" / "bestilling.docx")
    assert "retur_skabelon.xlsx" in text and "Returfil: hvilken KP-sag hver ESDH-sag blev til" in text
    assert "Netcompany konverterer først disse 2 sager" in text and "S-01, S-05." in text
    assert "Antal dokumenter vedhæftet i KP er lig med »Antal dokumenter« i udtrækket" in text
    assert "Behandlingsgrundlag:" in text and "efter databehandleraftalen af 1. marts 2026" in text
    assert "Sletning: Netcompany sletter udtrækket" in text
    assert "Dokumentfilerne: 3 filer, samlet størrelse ukendt; filtyper efter filnavnene i dokumentudtrækket: " \
           "PDF 2, DOCX 1." in text
    assert "årsskiftet 2027/2028" in text and "Ansvarlig enhed i KP = Pension og Boligstøtte." in text
    assert "Hvor tager KP formuedatoen fra" in text
    assert "= seneste dato for oplyst formue (KOMBITs implementeringsplan)" in text
    assert "bevidst" not in text  # no reason KOMBIT's plan does not give
    assert "brevet fjernes, før bevillingen færdiggøres" in text  # no new letter: an instruction, not a wish


def test_the_order_holds_no_cpr_number_and_no_name(ordered: Path) -> None:
    for name in ("bestilling.docx", "bestilling.md", "brevtekst.docx", "retur_skabelon.xlsx"):
        path = ordered / "spec" / name
        with zipfile.ZipFile(path) if name.endswith(("docx", "xlsx")) else open(path, "rb") as f:  # noqa: SIM115
            text = ("\n".join(f.read(n).decode("utf-8", "replace") for n in f.namelist())
                    if isinstance(f, zipfile.ZipFile) else f.read().decode("utf-8"))
        assert not CPR_PATTERN.search(text), name
        assert REPLACEMENT not in text and NINE_DIGITS not in text
        assert not any(person in text for person in NAMES), name


# ---- 6. letter material ---------------------------------------------------------------------------------------

def test_the_letter_material_warns_about_web_accessibility(ordered: Path) -> None:
    text = _text(ordered / "spec" / "brevtekst.docx")
    assert "kommunen overtager ansvaret for, at brevet med overskrivninger er webtilgængeligt" in text
    rows = sheet_values(ordered / "ud" / "konverteringsark.xlsx", "Sager")
    assert any("KP kan give afslag ved revurdering" in str(c) for r in rows for c in r)


def test_no_price_agreement_is_an_answer(tmp_path: Path) -> None:
    _exports(tmp_path)
    extra = FILLED_IN.replace('agreement_price = "435,00"', 'agreement_price = "ingen"')
    result = kp_convert("spec", _config(tmp_path, extra), "--out", tmp_path / "ud")
    assert result.exit_code == 0 and "UDKAST" not in result.output
    text = _text(tmp_path / "ud" / "brevtekst.docx")
    assert "Kommunen har ingen prisaftale på fodbehandling" in text
    assert "Kommunens prisaftale på fodbehandling | Kommunen har ingen prisaftale" in _text(
        tmp_path / "ud" / "bestilling.docx")


@pytest.mark.parametrize("section, expected", [
    ('[order]\nchosen_grants = "S-05"\n', "'order.chosen_grants' skal være liste"),
    ("[order]\nchosen_grants = [5]\n", "skal være en liste af ESDH-sagsnumre"),
    ("[order]\npilot_cases = -1\n", "'order.pilot_cases' må ikke være negativ"),
    ("[order]\npilot_cases = true\n", "'order.pilot_cases' skal være heltal"),
    ('[order]\norder_date = "i morgen"\n', "'order.order_date' er ikke en gyldig dato"),
    ("[order]\npilot_case = 3\n", "mente du 'pilot_cases'"),
    ('[order]\nresponsible_unt = "x"\n', "mente du 'responsible_unit'"),
])
def test_order_config_mistakes_name_the_key(tmp_path: Path, section: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path, extra=section))
    assert expected in str(info.value) and info.value.exit_code == 2
