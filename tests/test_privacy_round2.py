"""Personal data stays where it was promised (issue 14, part 3): no CPR number or name in rapport.html, in a
pseudonymised share, on the console or in an error hint – whatever the exports hold.

The hostile batch below is fictitious. Its defects, on purpose:
- every citizen's CPR number written in titles and file names in every spelling people and systems use (no
  separator, -, space, en/em dash, " - ", /, ., 01.01.50-1234, no-break spaces, a 9-digit number that lost its
  leading 0, an Excel float);
- the citizen's name in titles and file names as people write it: possessive ("Knudsens ansøgning"), joined by
  _ . - or camel case, upper case;
- a case number built from the citizen's surname and a document number holding a CPR number;
- input files given by absolute paths in a folder named after the user.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from convert.privacy import CPR_IN_TEXT, remove_name, scrub_cpr_text
from tests.conftest import (
    ASSET_HEADER,
    CASE_HEADER,
    DOC_HEADER,
    case_row,
    kp_convert,
    pipe_table,
    run_batch,
    write_config,
    write_csv,
)

# ---- scanning an output for CPR numbers and names --------------------------------------------------------

# everything that may sit between the digits of a CPR number in a spelling the tool must catch
SEPARATORS = re.compile("[\\s\\-\u00ad\u2010-\u2015\u2212./\u00a0\u2007\u2009\u200b\u202f\u2060]")


def cpr_leaks(text: str, cprs: list[str]) -> list[str]:
    """The CPR numbers (10 digits) found in `text`, compared digits only: all separators removed first, so
    010150–1234, 01.01.50-1234 and 010150 1234 all count; also the 9 digits of one that lost its leading 0."""
    squeezed = SEPARATORS.sub("", text)
    runs = re.findall(r"[0-9]{9,}", squeezed)
    return [c for c in cprs if any(c in run or (c.startswith("0") and run == c[1:]) for run in runs)]


def name_leaks(text: str, names: list[str]) -> list[str]:
    """The words of the citizens' names found in `text` (case ignored)."""
    folded = text.casefold()
    return [w for n in names for w in re.split(r"[ -]", n) if len(w) > 1 and w.casefold() in folded]


def output_texts(folder: Path) -> dict[str, str]:
    """Every text of every file under `folder`: each cell of each sheet, CSV, JSON, HTML, by where it is."""
    texts: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        texts[f"file name {rel}"] = rel
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            for sheet in book.worksheets:
                for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                    for c, value in enumerate(row, start=1):
                        if value is not None:
                            texts[f"{rel}!{sheet.title}!R{r}C{c}"] = str(value)
            book.close()
        elif path.suffix in (".csv", ".json", ".html", ".txt", ".md"):
            texts[rel] = path.read_text(encoding="utf-8-sig")
    return texts


# ---- the hostile batch -----------------------------------------------------------------------------------

CITIZENS = {  # case id: (CPR, name)
    "S-1": ("010150-1234", "Hans Knudsen"),
    "S-2": ("020250-2345", "Åse Østergård"),
    "Møller-3": ("070345-1987", "Bjørn Møller"),  # a case number built from the name; CPR without its 0 below
    "S-4": ("230961-3579", "Karen Bøgh-Jensen"),
}
CPRS = [cpr.replace("-", "") for cpr, _ in CITIZENS.values()]
NAMES = [name for _, name in CITIZENS.values()]


def spellings(cpr: str) -> list[str]:
    """One CPR number in every spelling the tool must recognise in free text."""
    d, s = cpr[:6], cpr[7:]
    dd, mm, yy = d[:2], d[2:4], d[4:]
    return [d + s, f"{d}-{s}", f"{d} {s}", f"{d}–{s}", f"{d}—{s}", f"{d} - {s}", f"{d} – {s}", f"{d}/{s}",
            f"{d}.{s}", f"{dd}.{mm}.{yy}-{s}", f"{dd}.{mm}.{yy} - {s}", f"{dd}-{mm}-{yy}-{s}", f"{dd}/{mm}/{yy}/{s}",
            f"{d}\u00a0{s}", f"{d}\u00a0-\u00a0{s}", f"{d}\u2011{s}", f"{d}\u2212{s}", f"{d}\u202f{s}"]


def hostile_batch(folder: Path, *, absolute: bool = False) -> Path:
    """The hostile batch in `folder` (the exports in `folder/Users/hans.knudsen/` when `absolute`, named in the
    configuration by their absolute paths, as is the documents folder), with document files in `folder/filer`."""
    exports = folder / "Users" / "hans.knudsen" if absolute else folder
    exports.mkdir(parents=True, exist_ok=True)
    cases, docs = [], []
    for i, (case, (cpr, name)) in enumerate(CITIZENS.items()):
        first, last = name.split(" ")
        forms = spellings(cpr)
        cases.append(case_row(case, "703451987" if cpr == "070345-1987" else cpr, name=name,
                              title=f"{last}s ansøgning om fodbehandling, {forms[i % len(forms)]}"))
        file_forms = [f"{first}_{last}_ansoegning {forms[0]}.pdf", f"{first}{last.replace('-', '')}.pdf",
                      f"{first.lower()}.{last.lower()}.{forms[9]}.pdf", f"{last.upper()}-{first} {forms[5]}.pdf",
                      f"{last}'s faktura {forms[3]}.pdf", f"Brev til {first}-{last} {forms[13]}.pdf"]
        for j, form in enumerate(forms):
            docs.append([case, f"D{i}-{j}", f"Ansøgning fra {name} ({last}s), CPR {form}", "Indgående",
                         "2020-01-01", file_forms[j % len(file_forms)]])
    docs.append(["S-1", "D-010150–1234", "Kopi af Knudsens ansøgning", "Indgående", "2020-01-02",
                 "kopi af Hans_Knudsen_ansoegning.pdf"])  # a document number with a CPR in it
    docs.append(["Møller-3", "D-m", "Brev 703451987 og 703451987.0", "Udgående", "2020-01-03", "Bjørn 703451987.pdf"])
    docs.append(["S-2", "D-tom", "Notat om Åse Østergård", "Notat", "2020-01-04", ""])  # no file name
    write_csv(exports / "sager.csv", CASE_HEADER, cases, encoding="utf-8")
    write_csv(exports / "dokumenter.csv", DOC_HEADER, docs, encoding="utf-8")
    write_csv(exports / "formue.csv", ASSET_HEADER, [[cpr, "01.03.2024", "45.000,00"] for cpr, _ in CITIZENS.values()],
              encoding="utf-8")
    names = {t: (exports / f).as_posix() if absolute else f
             for t, f in (("cases", "sager.csv"), ("documents", "dokumenter.csv"), ("assets", "formue.csv"))}
    files = folder / "filer"
    write_config(folder, cases=names["cases"], documents=names["documents"], assets=names["assets"],
                 extra=f'[planning]\ndocuments_folder = "{files.as_posix()}"\n' if absolute else "")
    files.mkdir()
    (files / docs[0][5]).write_bytes(b"ansoegning")  # found and copied
    (files / "kopi af Hans_Knudsen_ansoegning.pdf").write_bytes(b"ansoegning")  # the same content: a duplicate
    (files / docs[1][5]).mkdir()  # a folder where a file should be: unreadable
    return folder


# ---- 1. rapport.html ------------------------------------------------------------------------------------

def test_rapport_html_shows_no_cpr_and_no_name_from_hostile_file_names_and_titles(tmp_path: Path) -> None:
    batch = hostile_batch(tmp_path)
    stale = tmp_path / "ud" / "dokumenter" / "Batch 1" / "Hans Knudsen 010150-1234"
    stale.mkdir(parents=True)
    (stale / "Knudsens ansøgning 010150–1234.pdf").write_bytes(b"gammel")  # not in the plan
    result = run_batch(batch, "--documents-folder", batch / "filer")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "ud" / "rapport.html").read_text(encoding="utf-8")
    staging = html[html.index("Dokumentfiler lagt klar"):]
    assert re.search(r'data-metric="files\.missing">[1-9]', staging)  # the table has rows to leak from
    assert "Filer der kræver handling (" in staging and "<td>Mangler</td>" in staging
    assert "Dublet – ikke kopieret" in staging and "Samme indhold som dokument D0-0 på samme sag" in staging
    assert "<td>Kan ikke læses</td>" in staging and "<td>Filnavnet mangler i dokumentudtrækket</td>" in staging
    assert "Ligger i mappen, men hører ikke til planen</td>" in staging
    assert "Filnavnene vises ikke her" in staging
    assert cpr_leaks(html, CPRS) == [] and name_leaks(html, NAMES) == []
    assert not re.search(r"[0-9]{6}-xxxx", html)  # not even a masked one: it tells the birth date
    assert "<td>[navn]-3</td>" in staging and "<td>D-[CPR]</td>" in staging  # the numbers, without what they held
    # the same names and numbers are in the worksheet, where they belong
    worksheet = "\n".join(output_texts(tmp_path / "ud").values())
    assert cpr_leaks(worksheet, CPRS) and name_leaks(worksheet, NAMES)


# ---- 2. pseudonymised outputs ----------------------------------------------------------------------------

def test_pseudonymised_outputs_hold_no_cpr_in_any_spelling_no_name_and_no_folder(tmp_path: Path) -> None:
    batch = hostile_batch(tmp_path, absolute=True)
    result = run_batch(batch, "--pseudonymise", out=tmp_path / "delt")
    assert result.exit_code == 0, result.output
    texts = output_texts(tmp_path / "delt")
    assert any(k.startswith("konverteringsark.xlsx!Dokumenter") for k in texts)
    leaks = {where: (cpr_leaks(t, CPRS), name_leaks(t, NAMES)) for where, t in texts.items()}
    assert {where: found for where, found in leaks.items() if found != ([], [])} == {}
    everything = "\n".join(texts.values())
    assert "Users/" not in everything and str(tmp_path) not in everything and "hans.knudsen" not in everything
    assert not re.search(r"[0-9]{6}-xxxx", everything)
    manifest = json.loads((tmp_path / "delt" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["as_used"]["input"]["cases"]["path"] == "sager.csv"
    assert manifest["config"]["as_used"]["planning"]["documents_folder"] == "filer"
    assert manifest["plan"]["settings"]["documents_folder"] == "filer"
    assert {i["file"] for i in manifest["inputs"].values()} == {"sager.csv", "dokumenter.csv", "formue.csv"}
    oversigt = [v for k, v in texts.items() if "!Oversigt!" in k]
    assert "sager.csv" in oversigt and "dokumenter.csv" in oversigt
    # what is left is still useful: the titles keep their words, the file names their form
    docs = {k: v for k, v in texts.items() if "!Dokumenter!" in k}
    assert "[fjernet]_[fjernet]_ansoegning PS-" in "\n".join(docs.values())
    assert any(v.startswith("[fjernet] ansøgning om fodbehandling, PS-") for k, v in texts.items() if "!Sager!" in k)


PSEUDONYMISED_FORMS = """
# name              | text                                   | pseudonymised
Hans Knudsen        | Knudsens ansøgning                     | [fjernet] ansøgning
Hans Knudsen        | Hans_Knudsen_ansoegning.pdf            | [fjernet]_[fjernet]_ansoegning.pdf
Hans Knudsen        | HansKnudsen.pdf                        | [fjernet][fjernet].pdf
Hans Knudsen        | hans.knudsen-2020.pdf                  | [fjernet].[fjernet]-2020.pdf
Hans Knudsen        | KNUDSEN, HANS                          | [fjernet], [fjernet]
Hans Knudsen        | Hans' og Knudsen's breve               | [fjernet] og [fjernet] breve
Hans Knudsen        | Hansen og Knudsensvej                  | Hansen og Knudsensvej
Karen Bøgh-Jensen   | Bøgh-Jensens faktura, BøghJensen.pdf   | [fjernet]-[fjernet] faktura, [fjernet][fjernet].pdf
Anne de la Cour     | de la Cour skriver til de andre        | de la [fjernet] skriver til de andre
Knudsen, Hans       | Hans Knudsen                           | [fjernet] [fjernet]
"""


@pytest.mark.parametrize("name, text, expected", pipe_table(PSEUDONYMISED_FORMS))
def test_a_name_is_removed_in_possessive_and_file_name_forms(name: str, text: str, expected: str) -> None:
    assert remove_name(text, name, "[fjernet]") == expected


# ---- 3. masking on the console ----------------------------------------------------------------------------

MASKED = """
# written                    | masked
0101501234                   | 010150-xxxx
010150-1234                  | 010150-xxxx
010150 1234                  | 010150-xxxx
010150–1234                  | 010150-xxxx
010150—1234                  | 010150-xxxx
010150 - 1234                | 010150-xxxx
010150 – 1234                | 010150-xxxx
010150/1234                  | 010150-xxxx
010150.1234                  | 010150-xxxx
01.01.50-1234                | 010150-xxxx
01.01.50 - 1234              | 010150-xxxx
01-01-50-1234                | 010150-xxxx
01/01/50/1234                | 010150-xxxx
010150\u00a01234             | 010150-xxxx
010150\u00a0–\u00a01234      | 010150-xxxx
010150\u2011\u20091234       | 010150-xxxx
010150\u22121234             | 010150-xxxx
610150-1234                  | 610150-xxxx
CPR: 0101501234.             | CPR: 010150-xxxx.
fil_0101501234.pdf           | fil_010150-xxxx.pdf
'0101501234.0'               | '010150-xxxx.0'
"""


@pytest.mark.parametrize("written, masked", pipe_table(MASKED))
def test_every_cpr_spelling_is_masked(written: str, masked: str) -> None:
    assert scrub_cpr_text(written) == masked
    assert scrub_cpr_text(f"Fejl i linje 4: '{written}' – se arket") == f"Fejl i linje 4: '{masked}' – se arket"


LEFT_ALONE = """
# text                       | why it is not a CPR number
01-01-2024                   | a date
01.01.2024 10.15             | a date and a time
2024-01-01                   | an ISO date
1.234.567,89                 | an amount
12.345,00 kr.                | an amount
123456789012                 | 12 digits: a longer number
123456-789012                | 6 and 6 digits
+4512345678                  | a phone number in +45 form
+45 12 34 56 78              | a phone number in +45 form
+45 1234 5678                | a phone number in +45 form
202401/1234                  | a journal number: 20-24 is not a day and a month
32.03.12-0001                | a KLE number: 32 is not a day
01.01.24 1500 kr.            | a date with a 2-digit year and an amount
PS-3F9A-2C4E-1B7D-8A06       | a pseudonym
010150-xxxx                  | already masked
"""


@pytest.mark.parametrize("text, why", pipe_table(LEFT_ALONE))
def test_what_is_not_a_cpr_number_is_left_alone(text: str, why: str) -> None:
    assert scrub_cpr_text(text) == text, why


def test_privacy_imports_no_pandas() -> None:  # it runs on every line the CLI prints, also on --help
    code = "import sys, convert.privacy; sys.exit('pandas' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize("spelling", range(len(spellings("010150-1234"))))
def test_no_console_line_shows_a_cpr_in_any_spelling(tmp_path: Path, spelling: int) -> None:
    """An export without its header line: the first line is data, with the CPR number in this spelling and ISO
    dates; the error and its hint show neither it nor the name."""
    cpr = spellings("010150-1234")[spelling]
    row = case_row("S-1", cpr, name="Hans Knudsen", title=f"Knudsens ansøgning {cpr}", grant="2020-02-01")
    (tmp_path / "sager.csv").write_text(";".join(row) + "\n" + ";".join(case_row("S-2", "020250-2345")) + "\n",
                                        encoding="utf-8")
    write_config(tmp_path, documents=None, assets=None)
    for result in (run_batch(tmp_path), kp_convert("inspect", tmp_path / "kp-convert.toml", "--out", tmp_path / "k")):
        console = result.output + (result.stderr if result.stderr_bytes else "")
        assert cpr_leaks(console, ["0101501234"]) == [] and name_leaks(console, ["Hans Knudsen"]) == [], console
        assert "ligner data" in console and not CPR_IN_TEXT.search(console)


# ---- 4. the "headers in the file" hint ----------------------------------------------------------------------

HEADER_ROW_AT_DATA = """
# table     | the row header_row points at (; between cells)
cases       | S-1;010150–1234;Hans Knudsen;Fodbehandling;Fodbehandling;Aktiv;2020-02-01;;100;Folkepension;45.000,00;ABJ;435,00
cases       | S-1;010150 - 1234;Hans Knudsen;Knudsens sag;;Aktiv;;;;;;;
documents   | S-1;D1;Ansøgning fra Hans Knudsen;Indgående;2020-01-01;Hans_Knudsen.pdf
documents   | S-1;D1;Ansøgning fra Hans Knudsen;Indgående;;Hans_Knudsen.pdf
documents   | S-1;D1;Ansøgning fra Hans Knudsen;Indgående;01-01-20;
assets      | 010150/1234;1.3.24;45.000,00
assets      | Hans Knudsen;100;45.000,00
"""
FILES = {"cases": ("sager.csv", CASE_HEADER), "documents": ("dokumenter.csv", DOC_HEADER),
         "assets": ("formue.csv", ASSET_HEADER)}


def _header_row_at(tmp_path: Path, table: str, row: str, columns: str = "") -> str:
    """A clean batch whose `table` export has `row` as line 2 and `header_row = 2`: the console of `run`."""
    batch = {"cases": [case_row("S-9", "020250-2345", name="Åse Østergård")],
             "documents": [["S-9", "D9", "Faktura", "Indgående", "01-01-2020", "D9.pdf"]],
             "assets": [["020250-2345", "01.03.2024", "12.000,00"]]}
    for t, (file, header) in FILES.items():
        rows: list[list[str] | str] = [*([row] if t == table else []), *batch[t]]
        write_csv(tmp_path / file, header, rows, encoding="utf-8")
    write_config(tmp_path)
    config = tmp_path / "kp-convert.toml"
    text = config.read_text(encoding="utf-8").replace(f'path = "{FILES[table][0]}"\n',
                                                      f'path = "{FILES[table][0]}"\nheader_row = 2\n{columns}')
    config.write_text(text, encoding="utf-8")
    result = run_batch(tmp_path)
    assert result.exit_code in (2, 3), result.output
    return result.output + (result.stderr if result.stderr_bytes else "")


@pytest.mark.parametrize("table, row", pipe_table(HEADER_ROW_AT_DATA))
def test_a_header_row_at_data_is_said_never_listed(tmp_path: Path, table: str, row: str) -> None:
    console = _header_row_at(tmp_path, table, row)
    assert "Linje 2 ligner data" in console and f"input.{table}.header_row" in console
    assert "Overskrifterne i filen er" not in console
    assert cpr_leaks(console, ["0101501234"]) == [] and name_leaks(console, ["Hans Knudsen"]) == [], console


def test_a_configured_header_not_found_lists_no_data_row(tmp_path: Path) -> None:
    console = _header_row_at(tmp_path, "documents", "S-1;D1;Ansøgning fra Hans Knudsen;Indgående;;Hans_Knudsen.pdf",
                             '[input.documents.columns]\ntitle = "Titel"\n')
    assert "input.documents.columns.title = 'Titel'" in console and "ligner data" in console
    assert name_leaks(console, ["Hans Knudsen"]) == [], console


def test_real_headers_are_listed_and_a_name_shaped_cell_hidden(tmp_path: Path) -> None:
    """A header row that is not data (no CPR, date, file name or numbers) is listed, but a cell shaped like a
    person's name is shown as hidden – a title row or a stray cell may hold one."""
    console = _header_row_at(tmp_path, "documents", "Nummer;Bilag;Hans Knudsen;Art")
    assert "Overskrifterne i filen er: 'Nummer', 'Bilag', (skjult), 'Art'" in console
    assert name_leaks(console, ["Hans Knudsen"]) == [], console
