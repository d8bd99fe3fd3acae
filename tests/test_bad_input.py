"""The catalogue of bad input, end to end through the CLI: every case asserts its exact outcome.

File and configuration problems: the documented exit code, one Danish message naming the file (and line, key or
column where there is one), no traceback, and no output written. Row problems: `tests/test_bad_rows.py`.
All data is fictitious.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import (
    CASE_HEADER,
    DOC_HEADER,
    case_row,
    csv_line,
    run_batch,
    sheet_data,
    sheet_values,
    write_config,
    write_csv,
)

FULL_CPR = re.compile(r"(?<![0-9])[0-9]{6}-?[0-9]{4}(?![0-9])")
H = csv_line(CASE_HEADER)
R1, R2 = csv_line(case_row("S-1")), csv_line(case_row("S-2", "020250-2345"))


def cases_text(folder: Path, text: str, encoding: str = "cp1252") -> None:
    (folder / "sager.csv").write_bytes(text.encode(encoding))


def set_input_key(folder: Path, table: str, line: str) -> None:
    """Add a key line to [input.<table>] in the batch's config."""
    path = folder / "kp-convert.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"[input.{table}]\n", f"[input.{table}]\n{line}\n", 1), encoding="utf-8")


def xlsx_cases(folder: Path, sheet: str = "Sager") -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = sheet
    wb.active.append(CASE_HEADER)
    wb.active.append(case_row("S-1"))
    wb.save(folder / "sager.xlsx")
    write_config(folder, cases="sager.xlsx")
    return folder / "sager.xlsx"


def truncated_xlsx(folder: Path) -> None:
    data = xlsx_cases(folder).read_bytes()
    (folder / "sager.xlsx").write_bytes(data[: len(data) // 2])


def config_text(folder: Path, text: str) -> None:
    (folder / "kp-convert.toml").write_text(text, encoding="utf-8")


def replace_in_config(folder: Path, old: str, new: str) -> None:
    path = folder / "kp-convert.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BASE_CONFIG = '[batch]\ncutover_date = 2027-01-04\n[input.cases]\npath = "sager.csv"\n'
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000  # .xls and encrypted .xlsx share this container

Setup = Callable[[Path], object]
# (id, what the user did, exit code, fragments the one message must contain)
FAILING: list[tuple[str, Setup, int, list[str]]] = [
    # ---- files
    ("missing cases file", lambda d: (d / "sager.csv").unlink(), 3, ["Filen findes ikke", "sager.csv",
                                                                      "input.cases.path"]),
    ("missing documents file", lambda d: (d / "dokumenter.csv").unlink(), 3, ["Filen findes ikke",
                                                                              "input.documents.path"]),
    ("path is a folder", lambda d: ((d / "formue.csv").unlink(), (d / "formue.csv").mkdir()), 3,
     ["Stien er ikke en fil", "formue.csv", "input.assets.path"]),
    ("empty file", lambda d: cases_text(d, ""), 3, ["Filen er tom: sager.csv"]),
    ("only blank lines", lambda d: cases_text(d, " \r\n\r\n  \r\n"), 3, ["Filen er tom: sager.csv"]),
    ("binary file named .csv", lambda d: (d / "sager.csv").write_bytes(bytes(range(256)) * 40), 3,
     ["sager.csv ser ud til at være en binær fil", "NUL-tegn"]),
    ("PDF named .csv", lambda d: (d / "dokumenter.csv").write_bytes(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj"), 3,
     ["dokumenter.csv er en PDF-fil, ikke et regneark eller en CSV-fil"]),
    ("PNG named .csv", lambda d: (d / "formue.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50), 3,
     ["formue.csv er en PNG-fil"]),
    ("old .xls", lambda d: ((d / "sager.xls").write_bytes(OLE2), write_config(d, cases="sager.xls")), 3,
     ["sager.xls er en gammel Excel-fil (.xls)", "gem den som .xlsx eller CSV"]),
    ("password-protected .xlsx", lambda d: ((d / "sager.xlsx").write_bytes(OLE2),
                                            write_config(d, cases="sager.xlsx")), 3,
     ["sager.xlsx", "adgangskodebeskyttet .xlsx", "fjern en eventuel adgangskode"]),
    ("truncated .xlsx", truncated_xlsx, 3, ["sager.xlsx er ikke en gyldig .xlsx-fil (måske afkortet eller "
                                            "beskadiget)"]),
    ("CSV text named .xlsx", lambda d: ((d / "sager.xlsx").write_text(H + "\r\n" + R1),
                                        write_config(d, cases="sager.xlsx")), 3,
     ["sager.xlsx er ikke en gyldig .xlsx-fil"]),
    ("empty .xlsx sheet", lambda d: (openpyxl.Workbook().save(d / "sager.xlsx"),
                                     write_config(d, cases="sager.xlsx")), 3, ["sager.xlsx indeholder ingen data"]),
    ("pinned encoding that does not decode", lambda d: set_input_key(d, "cases", 'encoding = "utf-8"'), 3,
     ["sager.csv kan ikke læses som utf-8: ugyldigt tegn på linje 1", "input.cases.encoding"]),
    ("broken UTF-16", lambda d: (d / "sager.csv").write_bytes(b"\xff\xfe" + (H + "\r\n" + R1).encode("utf-16-le")
                                                              + b"\x00"), 3,
     ["sager.csv kan ikke læses som utf-16: ugyldigt tegn på linje 2"]),
    ("unterminated quote", lambda d: cases_text(d, f'{H}\r\n{R1}\r\nS-2;"020250-2345;x\r\n{R2}\r\n'), 3,
     ["sager.csv, linje 3: CSV-strukturen er brudt", "anførselstegn"]),
    ("text after a closing quote", lambda d: cases_text(d, f'{H}\r\n{R1.replace("Søren", chr(34) + "Søren" + chr(34) + "x")}\r\n'), 3,
     ["sager.csv, linje 2: CSV-strukturen er brudt"]),
    ("duplicate header of a used field", lambda d: write_csv(d / "sager.csv", [*CASE_HEADER, "CPR-nr."],
                                                             [[*case_row("S-1"), "020250-2345"]]), 3,
     ["sager.csv: kolonnen 'CPR-nr.' findes 2 gange i overskriften"]),
    ("required column missing", lambda d: write_csv(d / "sager.csv", CASE_HEADER[2:],
                                                    [case_row("S-1")[2:]]), 3,
     ["sager.csv mangler en påkrævet kolonne: case_id ('Sagsnr.'), cpr ('CPR-nr.')", "[input.cases.columns]",
      "'Navn'"]),
    # a field that decides the selection: exit 2 with the lines to paste, not exit 3 (see test_decision_fields.py)
    ("status column missing", lambda d: write_csv(d / "sager.csv", CASE_HEADER[:5] + CASE_HEADER[6:],
                                                  [case_row("S-1")[:5] + case_row("S-1")[6:]]), 2,
     ["sager.csv: ingen kolonne til Sagsstatus (status)", 'not_in_export = ["status"]']),
    ("required column missing in documents", lambda d: write_csv(d / "dokumenter.csv", DOC_HEADER[1:],
                                                                 [["D1", "Ansøgning", "", "", ""]]), 3,
     ["dokumenter.csv mangler en påkrævet kolonne: case_id ('Sagsnr.')"]),
    ("no header line, data first", lambda d: cases_text(d, f"{R1}\r\n{R2}\r\n"), 3,
     ["sager.csv mangler en påkrævet kolonne", "Linje 1 ligner data", "header_row"]),
    ("title lines only", lambda d: cases_text(d, "Udtræk fra SBSYS\r\nDannet 27-11-2026\r\n"), 3,
     ["sager.csv mangler en påkrævet kolonne: case_id ('Sagsnr.'), cpr ('CPR-nr.')"]),
    # ---- configuration (exit 2)
    ("missing config file", lambda d: (d / "kp-convert.toml").unlink(), 2,
     ["Konfigurationsfilen findes ikke", "kp-convert init"]),
    ("config not saved as UTF-8", lambda d: (d / "kp-convert.toml").write_bytes(
        (BASE_CONFIG + '[closing_note]\ntemplate = "Tønder {startdato}"\n').encode("cp1252")), 2,
     ["Konfigurationsfilen kp-convert.toml er ikke gemt som UTF-8 (ugyldigt tegn på linje 6)"]),
    ("config not TOML", lambda d: config_text(d, "[batch\ncutover_date = 2027-01-04\n"), 2,
     ["kp-convert.toml er ikke gyldig TOML"]),
    ("unknown key, nearest suggested", lambda d: replace_in_config(d, "cutover_date", "cutover_dato"), 2,
     ["Ukendt nøgle 'batch.cutover_dato'", "mente du 'cutover_date'?"]),
    ("unknown section, nearest suggested", lambda d: config_text(d, BASE_CONFIG + "[selektion]\n"), 2,
     ["Ukendt nøgle 'selektion'", "mente du 'selection'?"]),
    ("unknown field in a column mapping", lambda d: config_text(d, BASE_CONFIG + '[input.cases.columns]\n'
                                                                'cprnr = "CPR-nr."\n'), 2,
     ["Ukendt nøgle 'input.cases.columns.cprnr'", "mente du 'cpr'?"]),
    ("wrong type: text for true/false", lambda d: config_text(d, BASE_CONFIG + '[selection]\n'
                                                              'include_time_limited = "ja"\n'), 2,
     ["'selection.include_time_limited' skal være true/false, men er 'ja'"]),
    ("wrong type: text for a list", lambda d: config_text(d, BASE_CONFIG + '[selection]\n'
                                                          'active_statuses = "Aktiv"\n'), 2,
     ["'selection.active_statuses' skal være liste, men er 'Aktiv'"]),
    ("wrong type: number for a path", lambda d: config_text(d, BASE_CONFIG.replace('"sager.csv"', "7")), 2,
     ["'input.cases.path' skal være tekst, men er 7"]),
    ("cut-over date unparsable", lambda d: replace_in_config(d, "cutover_date = 2027-01-04",
                                                             'cutover_date = "i morgen"'), 2,
     ["'batch.cutover_date' er ikke en gyldig dato: 'i morgen'", "2027-01-04"]),
    ("cut-over date impossible (31-11)", lambda d: replace_in_config(d, "cutover_date = 2027-01-04",
                                                                     'cutover_date = "31-11-2026"'), 2,
     ["'batch.cutover_date' er ikke en gyldig dato: '31-11-2026'"]),
    ("mapping to a column not in the file", lambda d: write_config(d, case_columns='cpr = "Personnr"'), 2,
     ["input.cases.columns.cpr = 'Personnr', men sager.csv har ingen kolonne med den overskrift",
      "'CPR-nr.'"]),
    ("selection pattern not a regex", lambda d: config_text(d, BASE_CONFIG + '[selection]\n'
                                                            'foot_care_pattern = "fod(behandling"\n'), 2,
     ["'selection.foot_care_pattern' er ikke et gyldigt regulært udtryk: 'fod(behandling'"]),
    ("category pattern not a regex", lambda d: config_text(d, BASE_CONFIG + '[[document_categories]]\n'
                                                           'title_pattern = "[faktura"\ncategory = "Faktura"\n'), 2,
     ["'document_categories[1].title_pattern' er ikke et gyldigt regulært udtryk"]),
    ("closing note with an unknown field", lambda d: config_text(d, BASE_CONFIG + '[closing_note]\n'
                                                                 'template = "Fra {startdatoo}"\n'), 2,
     ["Ukendt nøgle 'closing_note.template: {startdatoo'", "mente du 'startdato'?"]),
    ("unknown encoding", lambda d: set_input_key(d, "cases", 'encoding = "ebcdic"'), 2,
     ["'input.cases.encoding' er ukendt: 'ebcdic'"]),
    ("same file given twice", lambda d: replace_in_config(d, 'path = "dokumenter.csv"', 'path = "./sager.csv"'), 2,
     ["Samme fil er angivet to gange: input.cases og input.documents (./sager.csv)"]),
    ("sheet that does not exist", lambda d: (xlsx_cases(d, sheet="Rapport"), set_input_key(d, "cases",
                                                                                          'sheet = "Ark1"')), 2,
     ["Arket 'Ark1' findes ikke i sager.xlsx (input.cases.sheet)", "arkene hedder: Rapport"]),
    ("header_row on an empty line", lambda d: set_input_key(d, "cases", "header_row = 50"), 2,
     ["input.cases.header_row = 50, men den række er tom eller findes ikke i sager.csv"]),
]


@pytest.mark.parametrize("setup, code, fragments", [pytest.param(s, c, f, id=i) for i, s, c, f in FAILING])
def test_file_and_config_problems_stop_with_one_clear_message(batch_dir: Path, setup: Setup, code: int,
                                                              fragments: list[str]) -> None:
    setup(batch_dir)
    result = run_batch(batch_dir)
    assert result.exit_code == code, result.output
    assert result.output.startswith("Fejl: ") and "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output
    assert not FULL_CPR.search(result.output)
    assert not (batch_dir / "ud" / "konverteringsark.xlsx").exists()  # nothing half-done


def test_output_folder_that_cannot_be_created_is_exit_4(batch_dir: Path) -> None:
    (batch_dir / "fil").write_text("x")
    result = run_batch(batch_dir, out=batch_dir / "fil" / "ud")
    assert result.exit_code == 4 and "Fejl: Resultatmappen" in result.output and "er ikke en mappe" in result.output
    assert "vælg en anden mappe med --out" in result.output


def test_output_that_would_overwrite_an_input_is_exit_4(batch_dir: Path) -> None:
    (batch_dir / "ud").mkdir()
    (batch_dir / "formue.csv").rename(batch_dir / "ud" / "ledger.csv")
    replace_in_config(batch_dir, 'path = "formue.csv"', 'path = "ud/ledger.csv"')
    result = run_batch(batch_dir)
    assert result.exit_code == 4
    assert "Inputfilen" in result.output and "ville blive overskrevet af resultatfilen ledger.csv" in result.output
    assert (batch_dir / "ud" / "ledger.csv").read_text(encoding="cp1252").startswith("CPR-nr.;")


def test_output_folder_given_as_a_file_is_an_output_error(batch_dir: Path) -> None:
    (batch_dir / "fil").write_text("x")
    result = run_batch(batch_dir, out="fil")
    assert result.exit_code == 4 and "er en fil, ikke en mappe" in result.output
    assert (batch_dir / "fil").read_text() == "x"


# ---- file problems the run survives: it goes on, and says so ---------------------------------------

def _ledger_rows(folder: Path, name: str) -> list[int]:
    import csv

    with (folder / "ud" / "ledger.csv").open(encoding="utf-8") as fh:
        return [int(r["source_row"]) for r in csv.DictReader(fh) if r["source_file"] == name]


def test_header_only_file_gives_zero_records_and_says_so(batch_dir: Path) -> None:
    cases_text(batch_dir, H + "\r\n")
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert re.search(r"Sager\s+0 læst", result.output)
    assert "Bemærk: sager.csv indeholder kun overskriften – ingen poster" in result.output
    assert _ledger_rows(batch_dir, "sager.csv") == []
    assert len(_ledger_rows(batch_dir, "dokumenter.csv")) == 4  # every document still has its fate (orphans)


def test_mixed_line_endings_and_blank_lines_keep_every_record(batch_dir: Path) -> None:
    cases_text(batch_dir, f"{H}\r\n{R1}\n\r\n{R2}\r" + csv_line(case_row("S-3", "030350-3456")) + "\n")
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert _ledger_rows(batch_dir, "sager.csv") == [2, 4, 5]


def test_a_field_past_the_csv_modules_size_limit_is_one_rejected_row(batch_dir: Path) -> None:
    huge = "x" * 200_000  # the csv module's default field_size_limit is 131,072
    cases_text(batch_dir, f'{H}\r\n{R1.replace("Søren Ærø", huge)}\r\n{R2}\r\n')
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    book = batch_dir / "ud" / "konverteringsark.xlsx"
    rejected = sheet_values(book, "Afviste", min_row=2)
    assert [(r[0], r[1], r[3], r[4]) for r in rejected] == [("sager.csv", 2, "S-1", "for lang tekst")]
    assert "Navn: teksten er 200000 tegn – mere end Excels grænse på 32.767 tegn" in rejected[0][5]
    assert [r[0] for r in sheet_data(book, "Sager")] == ["S-2"]


def test_a_few_nul_bytes_are_removed_and_reported(batch_dir: Path) -> None:
    cases_text(batch_dir, f'{H}\r\n{R1.replace("Søren", "Sø" + chr(0) + "ren")}\r\n{R2}\r\n')
    result = run_batch(batch_dir)
    assert result.exit_code == 0 and "Bemærk: sager.csv: 1 NUL-tegn (\\0) er fjernet" in result.output
    names = [r[2] for r in sheet_data(batch_dir / "ud" / "konverteringsark.xlsx", "Sager")]
    assert names == ["Søren Ærø", "Søren Ærø"]


def test_blank_header_with_data_is_reported_not_lost_silently(batch_dir: Path) -> None:
    cases_text(batch_dir, f"{H};\r\n{R1};ring til hende\r\n{R2};\r\n")
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert ("Bemærk: sager.csv: kolonne 14 har ingen overskrift, men 1 række(r) har data i den – kolonnen bruges "
            "ikke") in result.output
    assert _ledger_rows(batch_dir, "sager.csv") == [2, 3]
    oversigt = [r[0] for r in sheet_values(batch_dir / "ud" / "konverteringsark.xlsx", "Oversigt")]
    assert any(isinstance(v, str) and "kolonne 14 har ingen overskrift" in v for v in oversigt)


def test_duplicate_header_of_an_unused_column_is_fine(batch_dir: Path) -> None:
    write_csv(batch_dir / "sager.csv", [*CASE_HEADER, "Note", "Note"], [[*case_row("S-1"), "a", "b"]])
    assert run_batch(batch_dir).exit_code == 0


def test_utf16_and_a_title_block_above_the_header_are_read(batch_dir: Path) -> None:
    text = "Udtræk fra Acadre;;\r\n\r\n" + H + "\r\n" + R1 + "\r\n"
    (batch_dir / "sager.csv").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert _ledger_rows(batch_dir, "sager.csv") == [4]


def test_the_catalogue_is_complete() -> None:
    """At least 40 distinct file/config cases here, and the row cases in test_bad_rows.py on top."""
    from tests import test_bad_rows

    assert len(FAILING) >= 40
    assert len(FAILING) + len(test_bad_rows.CASE_ROWS) + len(test_bad_rows.OTHER_ROWS) >= 100
    assert len({i for i, *_ in FAILING}) == len(FAILING)
