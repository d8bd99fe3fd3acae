"""The catalogue of bad rows, end to end through the CLI, in one batch run once.

Every row below is one distinct case: its exact fate in ledger.csv (outcome, reason code, a Danish reason that
names the column and the value, a CPR masked), rejected rows listed on the Afviste sheet with file and line, and
every other row still processed. Rows marked "control" are valid forms that must NOT be rejected. Fictitious data.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import openpyxl
import pytest

from convert.codes import reason_label
from tests.conftest import (
    ASSET_HEADER,
    CASE_HEADER,
    DOC_HEADER,
    case_row,
    fictitious_cpr,
    run_batch,
    sheet_rows,
    sheet_values,
    write_config,
    write_csv,
)

FULL_CPR = re.compile(r"(?<![0-9])[0-9]{6}-?[0-9]{4}(?![0-9])")
LONG_TITLE = "Fodbehandling " + "x" * 9_986  # 10,000 characters: fits an Excel cell (32,767)
TOO_LONG = "Fodbehandling " + "x" * 39_986  # 40,000: cannot be written to Excel


# | id | change to a valid running foot-care case | outcome | reason code(s) | fragment of the reason |
CASE_ROWS: list[tuple[str, dict[str, str], str, str, str]] = [
    # CPR
    ("cpr letters", {"cpr": "abcdef-ghij"}, "rejected", "invalid_cpr",
     "CPR-nr.: 'abcdef-xxxx' er ikke et gyldigt CPR-nummer (skal have 10 cifre)"),
    ("cpr too short", {"cpr": "12345"}, "rejected", "invalid_cpr", "'12345' er ikke et gyldigt CPR-nummer"),
    ("cpr eleven digits", {"cpr": "010150-12345"}, "rejected", "invalid_cpr", "(skal have 10 cifre)"),
    ("cpr day 32", {"cpr": "320190-1234"}, "rejected", "invalid_cpr",
     "'320190-xxxx' er ikke et gyldigt CPR-nummer (datodelen er ikke en gyldig dato)"),
    ("cpr month 13", {"cpr": "011390-1234"}, "rejected", "invalid_cpr", "(datodelen er ikke en gyldig dato)"),
    ("cpr 29 February of a common year", {"cpr": "290223-4123"}, "rejected", "invalid_cpr",
     "'290223-xxxx' er ikke et gyldigt CPR-nummer (datodelen"),
    ("cpr day 00", {"cpr": "001050-1234"}, "rejected", "invalid_cpr", "(datodelen er ikke en gyldig dato)"),
    ("cpr with a slash", {"cpr": "010150/1234"}, "rejected", "invalid_cpr", "(skal have 10 cifre)"),
    ("cpr with dashes everywhere", {"cpr": "01-01-50-1234"}, "rejected", "invalid_cpr", "'010150-xxxx'"),
    ("cpr formula-like", {"cpr": "=010150-1234"}, "rejected", "invalid_cpr", "(skal have 10 cifre)"),
    ("cpr in Arabic-Indic digits", {"cpr": "٠١٠١٥٠١٢٣٤"}, "rejected", "invalid_cpr", "(skal have 10 cifre)"),
    ("cpr empty", {"cpr": ""}, "rejected", "missing_value", "CPR-nr. mangler"),
    ("control: cpr without dash", {"cpr": "0202501234"}, "converted", "", ""),
    ("control: cpr with a space", {"cpr": "030350 1234"}, "converted", "", ""),
    ("cpr of nine digits (Excel lost the 0): converted, but the guess is flagged",
     {"cpr": "40450123" + "4"}, "converted", "cpr_padded", "CPR-nr. havde 9 cifre – 0 er sat foran; kontrollér personen"),
    ("control: cpr failing modulus 11", {"cpr": "050550-1235"}, "converted", "", ""),
    ("control: replacement cpr (day + 60)", {"cpr": "660650-1234"}, "converted", "replacement_cpr",
     "Erstatningspersonnummer"),
    # dates
    ("date 31-11", {"grant": "31-11-2024"}, "rejected", "invalid_date",
     "Bevilget dato: '31-11-2024' findes ikke"),
    ("date not written as a date", {"grant": "i går"}, "rejected", "invalid_date",
     "Bevilget dato: 'i går' er ikke en gyldig dato (brug dd-mm-åååå)"),
    ("date in a year a date cannot hold here", {"grant": "01-01-1066"}, "rejected", "invalid_date",
     "Bevilget dato: '01-01-1066' ligger uden for årene 1678–2261"),
    ("date 29-02 of a common year", {"grant": "29-02-2023"}, "rejected", "invalid_date", "'29-02-2023'"),
    ("date with a two-digit year", {"grant": "01-02-20"}, "rejected", "invalid_date", "'01-02-20'"),
    ("date month 13", {"grant": "01-13-2020"}, "rejected", "invalid_date", "'01-13-2020'"),
    ("date day 00", {"grant": "00-01-2020"}, "rejected", "invalid_date", "'00-01-2020'"),
    ("date as words", {"grant": "i går"}, "rejected", "invalid_date", "'i går'"),
    ("date with mixed separators", {"grant": "1-2.2024"}, "rejected", "invalid_date", "'1-2.2024'"),
    ("date as an Excel day number", {"grant": "45000"}, "rejected", "invalid_date", "'45000'"),
    ("date in the year 1500", {"grant": "01-01-1500"}, "rejected", "invalid_date", "'01-01-1500'"),
    ("date with hour 25", {"grant": "01-01-2020 25:00"}, "rejected", "invalid_date", "'01-01-2020 25:00'"),
    ("end date 31-04", {"end": "31-04-2030"}, "rejected", "invalid_date", "Slutdato: '31-04-2030'"),
    ("control: date with a time", {"grant": "01-02-2020 10:15"}, "converted", "", ""),
    ("control: ISO date", {"grant": "2020-02-01"}, "converted", "", ""),
    ("control: dotted date", {"grant": "01.02.2020"}, "converted", "", ""),
    ("future: granted after the cut-over", {"grant": "01-06-2027"}, "converted", "grant_after_cutover",
     "Bevilget 01-06-2027, efter startdatoen i KP – kontrollér bevillingsdatoen"),
    ("control: end date 31-12-9999 is open-ended", {"end": "31-12-9999"}, "converted", "", ""),
    # amounts
    ("amount with two commas", {"assets": "12,34,5"}, "rejected", "invalid_amount",
     "Formue: '12,34,5' er ikke et gyldigt beløb (brug fx 1.234,50)"),
    ("amount with a misplaced dot", {"assets": "1.23,00"}, "rejected", "invalid_amount", "'1.23,00'"),
    ("amount as words", {"assets": "mange"}, "rejected", "invalid_amount", "'mange'"),
    ("amount with three decimals (never rounded)", {"assets": "12,345"}, "rejected", "invalid_amount", "'12,345'"),
    ("amount in exponent form", {"assets": "1e5"}, "rejected", "invalid_amount", "'1e5'"),
    ("amount with two signs", {"assets": "--5"}, "rejected", "invalid_amount", "'--5'"),
    ("amount in euro", {"assets": "€ 12"}, "rejected", "invalid_amount", "'€ 12'"),
    ("estimate with four decimals", {"estimate": "12,3456"}, "rejected", "invalid_amount", "Overslag: '12,3456'"),
    ("control: amount with space and kr.", {"assets": "1 234,50 kr."}, "converted", "", ""),
    ("control: amount 100,-", {"estimate": "100,-"}, "converted", "", ""),
    # percentages
    ("percentage over 100", {"pct": "150"}, "rejected", "invalid_percentage",
     "Tillægsprocent: '150' er ikke en procent mellem 0 og 100"),
    ("percentage negative", {"pct": "-5"}, "rejected", "invalid_percentage", "'-5'"),
    ("percentage as words", {"pct": "fuld"}, "rejected", "invalid_percentage", "'fuld'"),
    ("percentage with two signs", {"pct": "75%%"}, "rejected", "invalid_percentage", "'75%%'"),
    ("percentage just over 100", {"pct": "100,01"}, "rejected", "invalid_percentage", "'100,01'"),
    ("percentage in exponent form", {"pct": "1e2"}, "rejected", "invalid_percentage", "'1e2'"),
    ("control: percentage 75,5 %", {"pct": "75,5 %"}, "converted", "", ""),
    ("control: percentage 0 is flagged", {"pct": "0"}, "converted", "tillaegsprocent_zero",
     "Tillægsprocent er 0 – KP kan give afslag ved revurdering"),
    # required values, text
    ("case number empty", {"case_id": ""}, "rejected", "missing_value", "Sagsnr. mangler"),
    ("status empty", {"status": ""}, "rejected", "missing_value", "Sagsstatus mangler"),
    ("status only spaces", {"status": "   "}, "rejected", "missing_value", "Sagsstatus mangler"),
    ("title of 10,000 characters", {"title": LONG_TITLE}, "converted", "", ""),
    ("title of 40,000 characters", {"title": TOO_LONG}, "rejected", "text_too_long",
     "Sagstitel: teksten er 40000 tegn – mere end Excels grænse på 32.767 tegn"),
    ("control characters in the name", {"name": "Sø\x07ren\x1b Æ\x00rø"}, "converted", "", ""),
    ("several problems in one row", {"cpr": "320190-1234", "pct": "150"}, "rejected",
     "invalid_cpr|invalid_percentage", "'320190-xxxx' er ikke et gyldigt CPR-nummer (datodelen er ikke en gyldig "
     "dato); Tillægsprocent: '150'"),
    ("not foot care", {"title": "Briller", "benefit": "Briller"}, "excluded", "not_foot_care", "Ikke fodbehandling"),
    ("status closed", {"status": "Afsluttet"}, "excluded", "status_not_active",
     "Sagsstatus 'Afsluttet' er ikke en løbende status"),
]


@dataclass(frozen=True)
class Row:
    """A special line: `fields` (a list, or a raw line for ragged ones) for `file`; {name} refers to another row."""

    id: str
    file: str
    fields: list[str] | str
    outcome: str
    code: str
    fragment: str


OWNER = ["A-1", "150550-5555"]  # a converted case that owns documents and asset declarations
DECLARED = "15-05-2024"  # every case carries a declaration date, so a control row has no flag of its own
CASE_HEADER_X = [*CASE_HEADER, "Formue oplyst dato"]


def case_line(*args: str, declared: str = DECLARED, **kwargs: str) -> list[str]:
    return [*case_row(*args, **kwargs), declared]


OTHER_ROWS: list[Row] = [
    Row("asset owner", "sager.csv", case_line(*OWNER, declared=""), "converted", "asset_after_cutover", ""),
    Row("ragged: too few fields", "sager.csv", "R-SHORT;150550-6666;Navn", "rejected", "ragged_line",
        "Linje {ragged: too few fields} har 3 felter, men overskriften har 14"),
    Row("ragged: an extra field", "sager.csv", ";".join([*case_line("R-LONG", "160550-1234"), "ekstra"]),
        "rejected", "ragged_line", "har 15 felter, men overskriften har 14"),
    Row("duplicate, first line", "sager.csv", case_line("R-DUP", "170550-1234"), "converted", "", ""),
    Row("duplicate, identical repeat", "sager.csv", case_line("R-DUP", "170550-1234"), "excluded",
        "duplicate_identical", "Dublet: samme indhold som linje {duplicate, first line}"),
    Row("duplicate, conflicting A", "sager.csv", case_line("R-CON", "180550-1234"), "rejected",
        "duplicate_conflicting", "Sagsnr. findes flere gange med forskelligt indhold (linje "
        "{duplicate, conflicting A}, {duplicate, conflicting B})"),
    Row("duplicate, conflicting B", "sager.csv", case_line("R-CON", "180550-1234", name="En Anden"), "rejected",
        "duplicate_conflicting", "(linje {duplicate, conflicting A}, {duplicate, conflicting B})"),
    Row("two running grants, first", "sager.csv", case_line("R-TWO-1", "190550-1234"), "converted",
        "duplicate_grant", "Borgeren har flere løbende fodbehandlingssager: R-TWO-1, R-TWO-2"),
    Row("two running grants, second", "sager.csv", case_line("R-TWO-2", "190550-1234", title="Fodpleje"),
        "converted", "duplicate_grant", "R-TWO-1, R-TWO-2"),
    # documents
    Row("document of a converted case", "dokumenter.csv", ["A-1", "D-1", "Ansøgning", "", "01-01-2020", ""],
        "converted", "category", "Dokumentkategori: Ansøgning"),
    Row("document title of 10,000 characters", "dokumenter.csv", ["A-1", "D-2", "Faktura " + "x" * 9_992, "", "",
                                                                   ""], "converted", "category", "Faktura"),
    Row("document for an unknown case", "dokumenter.csv", ["R-404", "D-3", "Faktura", "", "", ""], "excluded",
        "orphan_document", "Sagen R-404 findes ikke i sagsudtrækket"),
    Row("document of a rejected case", "dokumenter.csv", ["R-004", "D-4", "Faktura", "", "", ""], "excluded",
        "case_rejected", "Sagen er afvist"),
    Row("document of a case not foot care", "dokumenter.csv", [f"R-{len(CASE_ROWS) - 2:03d}", "D-5", "Faktura", "",
                                                                "", ""], "excluded", "case_excluded",
        "Sagen konverteres ikke (ikke fodbehandling)"),
    Row("document id empty", "dokumenter.csv", ["A-1", "", "Faktura", "", "", ""], "rejected", "missing_value",
        "Dokument-id mangler"),
    Row("document title empty", "dokumenter.csv", ["A-1", "D-7", "", "", "", ""], "rejected", "missing_value",
        "Dokumenttitel mangler"),
    Row("document date 30-02", "dokumenter.csv", ["A-1", "D-8", "Faktura", "", "30-02-2024", ""], "rejected",
        "invalid_date", "Dokumentdato: '30-02-2024' findes ikke"),
    Row("document duplicate, first", "dokumenter.csv", ["A-1", "D-9", "Notat", "", "", ""], "converted", "category",
        ""),
    Row("document duplicate, identical", "dokumenter.csv", ["A-1", "D-9", "Notat", "", "", ""], "excluded",
        "duplicate_identical", "samme indhold som linje {document duplicate, first}"),
    Row("document duplicate id, conflicting A", "dokumenter.csv", ["A-1", "D-10", "Notat", "", "", ""], "rejected",
        "duplicate_conflicting", "Dokument-id findes flere gange med forskelligt indhold"),
    Row("document duplicate id, conflicting B", "dokumenter.csv", ["A-1", "D-10", "Faktura", "", "", ""],
        "rejected", "duplicate_conflicting", "Dokument-id findes flere gange"),
    Row("document ragged line", "dokumenter.csv", "A-1;D-11;Faktura", "rejected", "ragged_line",
        "har 3 felter, men overskriften har 6"),
    # asset declarations
    Row("declaration used as application date", "formue.csv", [OWNER[1], "01.03.2024", "1.000,00"], "converted",
        "application_date", "Brugt som ansøgningsdato i KP (01-03-2024)"),
    Row("declaration superseded", "formue.csv", [OWNER[1], "01.03.2023", "900,00"], "excluded", "superseded",
        "Erstattet af formueoplysningen fra 01-03-2024"),
    Row("future: declaration after the cut-over", "formue.csv", [OWNER[1], "05.01.2027", "2.000,00"], "excluded",
        "asset_after_cutover", "Dateret 05-01-2027, efter startdatoen i KP – ikke brugt"),
    Row("declaration for an unknown citizen", "formue.csv", ["200550-1234", "01.03.2024", "1,00"], "excluded",
        "unknown_citizen", "Ingen gyldig sag i sagsudtrækket for dette CPR-nummer"),
    Row("declaration for a citizen not converted", "formue.csv",
        [fictitious_cpr(len(CASE_ROWS) - 1), "01.03.2024", "1,00"], "excluded", "citizen_not_converted",
        "Borgerens sag konverteres ikke"),
    Row("declaration with an invalid CPR", "formue.csv", ["310250-1234", "01.03.2024", "1,00"], "rejected",
        "invalid_cpr", "CPR-nr.: '310250-xxxx' er ikke et gyldigt CPR-nummer"),
    Row("declaration date 31-11", "formue.csv", [OWNER[1], "31.11.2023", "1,00"], "rejected", "invalid_date",
        "Formue oplyst dato: '31.11.2023' findes ikke"),
    Row("declaration date missing", "formue.csv", [OWNER[1], "", "1,00"], "rejected", "missing_value",
        "Formue oplyst dato mangler"),
    Row("declaration amount invalid", "formue.csv", [OWNER[1], "01.02.2024", "1.0.0"], "rejected",
        "invalid_amount", "Formue: '1.0.0' er ikke et gyldigt beløb"),
]
HEADERS = {"sager.csv": CASE_HEADER_X, "dokumenter.csv": DOC_HEADER, "formue.csv": ASSET_HEADER}


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory):
    """Write the batch, run the CLI once; returns (result, folder, {row id: (file, line)}, ledger by (file, line))."""
    folder = tmp_path_factory.mktemp("bad_rows")
    rows: dict[str, list[list[str] | str]] = {name: [] for name in HEADERS}
    where: dict[str, tuple[str, int]] = {}
    for n, (row_id, change, *_rest) in enumerate(CASE_ROWS):
        kwargs = {"cpr": fictitious_cpr(n), **change}
        case_id = kwargs.pop("case_id", f"R-{n:03d}")
        rows["sager.csv"].append(case_line(case_id, **kwargs))
        where[row_id] = ("sager.csv", len(rows["sager.csv"]) + 1)  # line 1 is the header
    for row in OTHER_ROWS:
        rows[row.file].append(row.fields)
        where[row.id] = (row.file, len(rows[row.file]) + 1)
    for name, header in HEADERS.items():
        write_csv(folder / name, header, rows[name], encoding="utf-8-sig")
    write_config(folder)
    result = run_batch(folder)
    with (folder / "ud" / "ledger.csv").open(encoding="utf-8") as fh:
        ledger = list(csv.DictReader(fh))
    by_line = {(r["source_file"], int(r["source_row"])): r for r in ledger}
    return result, folder, where, by_line, ledger


ALL = [(i, o, c, f) for i, _, o, c, f in CASE_ROWS] + [(r.id, r.outcome, r.code, r.fragment) for r in OTHER_ROWS]


@pytest.mark.parametrize("row_id, outcome, code, fragment", ALL, ids=[a[0] for a in ALL])
def test_each_row_has_its_exact_fate(catalogue, row_id: str, outcome: str, code: str, fragment: str) -> None:
    _, _, where, by_line, _ = catalogue
    entry = by_line[where[row_id]]
    assert (entry["outcome"], entry["reason_code"]) == (outcome, code), entry["reason"]
    for other, (_, line) in where.items():
        fragment = fragment.replace("{" + other + "}", str(line))
    assert fragment in entry["reason"].lstrip("'")


def test_the_run_finishes_with_exit_0_and_no_traceback(catalogue) -> None:
    result, *_ = catalogue
    assert result.exit_code == 0
    assert "Traceback" not in result.output
    rejected = sum(1 for _, _, o, _, _ in CASE_ROWS if o == "rejected") + sum(1 for r in OTHER_ROWS
                                                                               if r.outcome == "rejected")
    assert f"{rejected} poster er afvist – se arket 'Afviste'" in result.output
    assert not FULL_CPR.search(result.output)


def test_every_record_is_in_the_ledger_exactly_once(catalogue) -> None:
    _, folder, where, by_line, ledger = catalogue
    assert len(ledger) == len(by_line) == len(CASE_ROWS) + len(OTHER_ROWS)
    for name in HEADERS:
        read = (folder / name).read_bytes().decode("utf-8-sig").split("\r\n")[1:-1]
        assert sorted(line for f, line in by_line if f == name) == list(range(2, len(read) + 2))


def test_rejected_rows_are_listed_with_file_line_and_reason(catalogue) -> None:
    _, folder, _, by_line, _ = catalogue
    listed = {(r[0], r[1]): r for r in sheet_values(folder / "ud" / "konverteringsark.xlsx", "Afviste", min_row=2)}
    rejected = {k: v for k, v in by_line.items() if v["outcome"] == "rejected"}
    assert set(listed) == set(rejected)
    for key, row in listed.items():
        # the sheet names the rule in Danish; ledger.csv keeps the code
        assert row[4] == reason_label(rejected[key]["reason_code"]) and row[5] == rejected[key]["reason"].lstrip("'")


def test_the_valid_rows_reach_the_worksheet_whole(catalogue) -> None:
    _, folder, _, by_line, _ = catalogue
    book = folder / "ud" / "konverteringsark.xlsx"
    cases = {c["ESDH-sagsnr."]: c for c in sheet_rows(book, "Sager")}
    converted = [v["case_id"] for (f, _), v in by_line.items() if f == "sager.csv" and v["outcome"] == "converted"]
    assert sorted(cases) == sorted(converted)
    by_title = {len(c["Sagstitel"] or ""): c for c in cases.values()}
    assert 10_000 in by_title  # a 10,000-character title fits and is not cut
    names = {c["Navn"] for c in cases.values()}
    assert "Søren Ærø" in names and not any(ch in "".join(names) for ch in "\x00\x07\x1b")
    assert any(len(d["Titel"]) == 10_000 for d in sheet_rows(book, "Dokumenter"))


# ---- formula-like text in every text column of every table ------------------------------------------

PAYLOADS = ["=1+1", "+41 12 34", "-2+3", "@SUM(A1:A9)", "\t=1+2", "\r=3+4", "=cmd|' /C calc'!A0",
            '=HYPERLINK("http://x","klik")', "-", "=-@+"]
CASE_TEXT = ["case_id", "name", "title", "benefit", "status", "pension_type", "caseworker"]
DOC_TEXT = ["case_id", "document_id", "title", "doc_type", "filename"]
RISKY = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def formula_run(tmp_path_factory: pytest.TempPathFactory):
    """One case per (text column, payload); one document per (document text column, payload)."""
    folder = tmp_path_factory.mktemp("formula")
    cases, docs, n = [], [], 0
    for column in CASE_TEXT:
        for p in PAYLOADS:
            row = dict(zip(["case_id", "cpr", "name", "title", "benefit", "status", "grant", "end", "pct", "pension",
                            "assets", "worker", "estimate"], case_row(f"F-{n}", fictitious_cpr(n)), strict=True))
            key = {"pension_type": "pension", "caseworker": "worker"}.get(column, column)
            row[key] = p
            cases.append(list(row.values()))
            n += 1
    for column in DOC_TEXT:
        for i, p in enumerate(PAYLOADS):
            doc = {"case_id": "F-10", "document_id": f"D-{column}-{i}", "title": "Faktura", "doc_type": "Indgående",
                   "doc_date": "01-01-2020", "filename": "f.pdf"}
            doc[column] = p
            docs.append(list(doc.values()))
    write_csv(folder / "sager.csv", CASE_HEADER, cases)
    write_csv(folder / "dokumenter.csv", DOC_HEADER, docs)
    write_config(folder, assets=None)
    config = folder / "kp-convert.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('name = "Testbatch"', 'name = "=1+1 batch"')
                      + '[[document_categories]]\ntitle_pattern = "faktura"\ncategory = "=cmd|\' /C calc\'!A0"\n',
                      encoding="utf-8")
    return run_batch(folder), folder / "ud"


def test_formula_like_text_is_never_a_formula_in_the_workbook(formula_run) -> None:
    result, out = formula_run
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out / "konverteringsark.xlsx")
    texts: set[str] = set()
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    for p in PAYLOADS:  # each payload is kept as the text it was (leading tab/CR are trimmed as whitespace)
        assert p.strip() in texts, p
    cases = sheet_rows(wb, "Sager")
    for header in ("Navn", "Sagstitel", "Sagsbehandler (ESDH)", "Pensionstype", "ESDH-sagsnr."):
        assert {p.strip() for p in PAYLOADS} <= {r[header] for r in cases}, header
    docs = sheet_values(wb, "Dokumenter", min_row=2)
    for i in (1, 2, 3, 5):  # document id, title, type, file name
        assert {p.strip() for p in PAYLOADS} <= {d[i] for d in docs}, i
    excluded = {r[3]: r[5] for r in sheet_values(wb, "Udeladte", min_row=2)}
    status_cases = {f"F-{CASE_TEXT.index('status') * len(PAYLOADS) + i}" for i in range(len(PAYLOADS))}
    assert set(excluded) == status_cases  # a formula-like status is not a running status: excluded, as text
    assert any("Sagsstatus '=cmd|' /C calc'!A0' er ikke en løbende status" in v for v in excluded.values())
    assert wb["Oversigt"]["B4"].value == "=1+1 batch" and wb["Oversigt"]["B4"].data_type == "s"


@pytest.mark.parametrize("name, delimiter", [("lukkenotater.csv", ";"), ("ledger.csv", ",")])
def test_formula_like_text_is_neutralised_in_the_csv_files(formula_run, name: str, delimiter: str) -> None:
    _, out = formula_run
    with (out / name).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=delimiter))
    for row in rows:
        for field in row:
            assert not field.startswith(RISKY), (name, field)
    fields = {f for row in rows for f in row}
    assert "'=1+1" in fields and "'=cmd|' /C calc'!A0" in fields  # kept, with the apostrophe Excel hides


@pytest.mark.parametrize("table", ["cases", "documents"])
def test_an_identical_repeat_alone_is_excluded_not_a_crash(batch_dir, table: str) -> None:
    """Found by the property test: with no conflicting duplicate beside it, an identical repeat raised TypeError."""
    name, header, rows = (("sager.csv", CASE_HEADER, [case_row("S-1"), case_row("S-1")]) if table == "cases" else
                          ("dokumenter.csv", DOC_HEADER, [["S-1", "D1", "Faktura", "", "", ""]] * 2))
    write_csv(batch_dir / name, header, rows)
    write_config(batch_dir, documents="dokumenter.csv" if table == "documents" else None, assets=None)
    if table == "documents":
        write_csv(batch_dir / "sager.csv", CASE_HEADER, [case_row("S-1")])
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    with (batch_dir / "ud" / "ledger.csv").open(encoding="utf-8") as fh:
        fates = [(r["source_row"], r["outcome"], r["reason_code"]) for r in csv.DictReader(fh)
                 if r["source_file"] == name]
    assert [f[:2] for f in fates] == [("2", "converted"), ("3", "excluded")]
    assert fates[1][2] == "duplicate_identical"
