"""Trust an export only as far as it was understood.

A column that decides which cases are converted cannot go missing in silence: the run stops with exit 2 and the
lines to paste, and with those lines pasted the conversion is right. A check whose column is absent is
"ikke kontrolleret", never 0. A header matched by its name is used only when its cells fit. Every column with
data that nothing uses is listed. All data here is fictitious.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import (
    CASE_HEADER,
    case_row,
    kp_convert,
    run_batch,
    sheet_rows,
    sheet_values,
    write_config,
    write_csv,
)

# An SBSYS-like cases export whose grant-period columns have headers no built-in alias knows.
RENAMED = {"Slutdato": "Periode ophør", "Sagsstatus": "Sagens tilstand", "Ydelse": "Ydelsens art",
           "Sagstitel": "Sagens overskrift"}


def _cases(folder: Path, header: list[str]) -> None:
    write_csv(folder / "sager.csv", header, [
        case_row("S-1", "010150-1234"),
        case_row("S-2", "020250-2345", end="31-12-2026"),            # ended before the cut-over: excluded
        case_row("S-3", "030350-3456", end="31-12-9999"),            # "no end": converted
        case_row("S-4", "040450-4567", status="Afsluttet"),          # not running: excluded
        case_row("S-5", "050550-5678", title="Briller", benefit="Briller"),  # not foot care: excluded
    ])


def _pasted(message: str) -> dict[str, str]:
    """The `field = "header"` lines the refusal suggests."""
    return dict(re.findall(r'^\s+([a-z_]+) = "([^"]+)"', message, flags=re.M))


def _fates(folder: Path, out: str = "ud") -> dict[str, str]:
    ledger = (folder / out / "ledger.csv").read_text(encoding="utf-8").splitlines()[1:]
    return {line.split(",")[3]: line.split(",")[5] or line.split(",")[4] for line in ledger
            if line.split(",")[2] == "cases"}


@pytest.mark.parametrize("renamed", [["Slutdato"], ["Sagsstatus"], ["Ydelse", "Sagstitel"]],
                         ids=["end date", "status", "benefit and title"])
def test_a_missing_decision_field_stops_with_the_lines_to_paste_and_they_work(batch_dir: Path,
                                                                              renamed: list[str]) -> None:
    header = [RENAMED.get(h, h) if h in renamed else h for h in CASE_HEADER]
    _cases(batch_dir, header)
    result = run_batch(batch_dir)
    assert result.exit_code == 2, result.output
    assert "ingen kolonne til" in result.output and "not_in_export" in result.output
    lines = _pasted(result.output)
    expected = {{"Slutdato": "end_date", "Sagsstatus": "status", "Ydelse": "benefit",
                 "Sagstitel": "title"}[h]: RENAMED[h] for h in renamed}
    assert expected.items() <= lines.items(), lines
    assert not (batch_dir / "ud").exists()  # nothing written

    columns = "\n".join(f'{f} = "{h}"' for f, h in lines.items())
    write_config(batch_dir, case_columns=columns)
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert _fates(batch_dir) == {"S-1": "converted", "S-2": "grant_ended", "S-3": "converted",
                                 "S-4": "status_not_active", "S-5": "not_foot_care"}


def test_an_export_without_an_end_date_column_says_so_in_the_config(batch_dir: Path) -> None:
    header = [h for h in CASE_HEADER if h != "Slutdato"]
    rows = [r[:7] + r[8:] for r in (case_row("S-1"), case_row("S-2", "020250-2345"))]
    write_csv(batch_dir / "sager.csv", header, rows)
    assert run_batch(batch_dir).exit_code == 2
    write_config(batch_dir, extra='[input.cases]\npath = "sager.csv"\nnot_in_export = ["end_date"]\n')
    (batch_dir / "kp-convert.toml").write_text((batch_dir / "kp-convert.toml").read_text(encoding="utf-8")
                                               .replace('[input.cases]\npath = "sager.csv"\n\n', "", 1),
                                               encoding="utf-8")
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    rows = sheet_values(batch_dir / "ud" / "konverteringsark.xlsx", "Oversigt")
    assert ("sager.csv", "(ingen kolonne)", "Slutdato", "ikke i udtrækket (input.cases.not_in_export)") in [
        r[:4] for r in rows]


@pytest.mark.parametrize("config_line, message", [
    ('not_in_export = ["case_id"]', "Sagsnr. skal findes i udtrækket"),
    ('not_in_export = ["slutdato"]', "Ukendt nøgle 'input.cases.not_in_export: slutdato'"),
])
def test_not_in_export_is_checked(batch_dir: Path, config_line: str, message: str) -> None:
    text = (batch_dir / "kp-convert.toml").read_text(encoding="utf-8")
    (batch_dir / "kp-convert.toml").write_text(text.replace('[input.cases]\npath = "sager.csv"\n',
                                                            f'[input.cases]\npath = "sager.csv"\n{config_line}\n'),
                                               encoding="utf-8")
    result = run_batch(batch_dir)
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_check_without_its_column_is_not_checked_never_zero(batch_dir: Path) -> None:
    keep = [i for i, h in enumerate(CASE_HEADER) if h not in ("Tillægsprocent", "Pensionstype")]
    write_csv(batch_dir / "sager.csv", [CASE_HEADER[i] for i in keep],
              [[r[i] for i in keep] for r in (case_row("S-1"), case_row("S-2", "020250-2345"))])
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert "Ikke kontrolleret (ingen kolonne): Tillægsprocent er 0, Tillægsprocent ikke oplyst, " \
           "Pensionstype giver ikke ret, Pensionstype ikke oplyst" in result.output
    flags = dict(r[:2] for r in sheet_values(batch_dir / "ud" / "konverteringsark.xlsx", "Oversigt") if r[0])
    assert flags["Tillægsprocent er 0"] == "ikke kontrolleret – ingen kolonne"
    assert flags["Pensionstype ikke oplyst"] == "ikke kontrolleret – ingen kolonne"
    assert flags["Formue over formuegrænsen"] == 0  # this check ran
    html = (batch_dir / "ud" / "rapport.html").read_text(encoding="utf-8")
    assert re.search(r'data-metric="flag.tillaegsprocent_zero">ikke kontrolleret – ingen kolonne<', html)
    manifest = json.loads((batch_dir / "ud" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["cases"]["columns"].keys().isdisjoint({"tillaegsprocent", "pension_type"})
    order = kp_convert("spec", batch_dir / "kp-convert.toml", "--out", batch_dir / "spec")
    assert order.exit_code == 0, order.output
    md = (batch_dir / "spec" / "bestilling.md").read_text(encoding="utf-8")
    assert "Ikke kontrolleret:" in md and "Tillægsprocent er 0 (ikke kontrolleret – ingen kolonne)" in md


def test_no_asset_source_leaves_the_application_date_check_not_run(batch_dir: Path) -> None:
    write_config(batch_dir, assets=None)
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    flags = dict(r[:2] for r in sheet_values(batch_dir / "ud" / "konverteringsark.xlsx", "Oversigt") if r[0])
    assert flags["Formue ikke oplyst"] == "ikke kontrolleret – ingen kolonne"
    assert flags["Formue over formuegrænsen"] == "ikke kontrolleret – ingen kolonne"


def test_a_header_that_matches_by_name_is_used_only_when_its_cells_fit(batch_dir: Path) -> None:
    """WorkZone-like: 'Bevilget' holds Ja/Nej (not a grant date); Acadre-like: the title holds the CPR number."""
    header = [{"Bevilget dato": "Bevilget", "Sagstitel": "Titel"}.get(h, h) for h in CASE_HEADER]
    rows = [case_row("S-1", grant="Ja", title="010150-1234"), case_row("S-2", "020250-2345", grant="Nej",
                                                                       title="020250-2345")]
    write_csv(batch_dir / "sager.csv", header, rows)
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert "kolonnen 'Bevilget' er ikke brugt som Bevilget dato – kun 0 % af de udfyldte celler er datoer " \
           "(mest ja/nej)" in result.output
    assert "kolonnen 'Titel' er ikke brugt som Sagstitel – kolonnen indeholder CPR-numre (100 % af de " \
           "udfyldte celler), ikke Sagstitel" in result.output
    cases = {r["ESDH-sagsnr."]: r for r in sheet_rows(batch_dir / "ud" / "konverteringsark.xlsx", "Sager")}
    assert cases["S-1"]["Sagstitel"] is None  # no title: the CPR number is not shown as one
    blocks = [r[:4] for r in sheet_values(batch_dir / "ud" / "konverteringsark.xlsx", "Oversigt")]
    assert ("sager.csv", "Bevilget", None, "ikke brugt som Bevilget dato: kun 0 % af de udfyldte celler er datoer "
            "(mest ja/nej) (2 rækker med data)") in blocks


def test_every_column_with_data_that_nothing_uses_is_listed(batch_dir: Path) -> None:
    write_csv(batch_dir / "sager.csv", [*CASE_HEADER, "Journalnotat", "Tom kolonne"],
              [[*case_row("S-1"), "Ring til borgeren", ""], [*case_row("S-2", "020250-2345"), "", ""]])
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert "sager.csv: 1 kolonne(r) med data bruges ikke: 'Journalnotat'" in result.output
    manifest = json.loads((batch_dir / "ud" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["cases"]["unused_columns"] == {"Journalnotat": 1}
    blocks = [r[:4] for r in sheet_values(batch_dir / "ud" / "konverteringsark.xlsx", "Oversigt")]
    assert ("sager.csv", "Journalnotat", None, "ikke brugt (1 række med data)") in blocks
    order = kp_convert("spec", batch_dir / "kp-convert.toml", "--out", batch_dir / "spec")
    assert "| sager.csv (sager) | Journalnotat | Ikke brugt |" in (batch_dir / "spec" / "bestilling.md").read_text(
        encoding="utf-8"), order.output


def test_a_padded_cpr_is_named_in_the_order_for_a_person_to_check(batch_dir: Path) -> None:
    """The 0 put in front is a guess: the case is not ordered until a person has checked the CPR number."""
    write_csv(batch_dir / "sager.csv", CASE_HEADER, [case_row("S-1", "010150-1234"),
                                                     case_row("S-9", "406501234")])
    result = kp_convert("spec", batch_dir / "kp-convert.toml", "--out", batch_dir / "spec")
    assert result.exit_code == 0, result.output
    md = (batch_dir / "spec" / "bestilling.md").read_text(encoding="utf-8")
    line = next(ln for ln in md.splitlines() if ln.startswith("| S-9 |"))  # under "Ikke med i denne bestilling"
    assert "CPR-nr. havde 9 cifre i ESDH-udtrækket; et 0 foran er et gæt" in line
    assert "kommunen kontrollerer CPR-nr. på ESDH-sagen" in line
    assert "040650" not in md  # the order holds no CPR number, padded or not


def test_acadre_the_cpr_in_the_case_title_is_suggested_never_taken_as_the_title(batch_dir: Path) -> None:
    """Acadre PWS (SyddjursAcadreIntegration, see shared/reference/esdh-headers.md): CaseFileTitleText holds the
    citizen's CPR number, TitleAlternativeText the name, CaseFileStatusCode B (open) / A (closed)."""
    header = ["CaseFileNumberIdentifier", "CaseFileTitleText", "TitleAlternativeText", "CaseFileStatusCode",
              "Ydelse", "Slutdato"]
    write_csv(batch_dir / "sager.csv", header, [["S-1", "010150-1234", "Søren Ærø", "B", "Fodbehandling", ""],
                                                ["S-2", "020250-2345", "Åse Østergård", "A", "Fodbehandling", ""]])
    result = run_batch(batch_dir)
    assert result.exit_code == 3, result.output
    assert _pasted(result.output) == {"cpr": "CaseFileTitleText"}
    assert "indholdet er CPR-numre (100 % af de udfyldte celler)" in result.output
    assert "010150" not in result.output and "Søren" not in result.output  # the hint shows headers, no values
    write_config(batch_dir, case_columns='cpr = "CaseFileTitleText"',
                 extra='[selection]\nactive_statuses = ["B"]\n')
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    cases = {r["ESDH-sagsnr."]: r for r in sheet_rows(batch_dir / "ud" / "konverteringsark.xlsx", "Sager")}
    assert list(cases) == ["S-1"] and cases["S-1"]["Navn"] == "Søren Ærø" and cases["S-1"]["Sagstitel"] is None


def test_a_column_another_field_already_uses_is_never_suggested(batch_dir: Path) -> None:
    """Tried as a new user: with the end date under a header nothing resembles, the refusal suggested
    end_date = "Bevilget dato" – the grant-date column, already mapped by its built-in alias. Pasted, it would have
    converted on the grant date. A column a field uses is never a candidate; the unknown column, whose cells are
    dates, is (for its content alone) or nothing is, and the hint says what to write."""
    header = ["Kolonne 8" if h == "Slutdato" else h for h in CASE_HEADER]
    _cases(batch_dir, header)
    result = run_batch(batch_dir)
    assert result.exit_code == 2, result.output
    lines = _pasted(result.output)
    used = {"Bevilget dato", "Sagsnr.", "CPR-nr.", "Navn", "Sagstitel", "Ydelse", "Sagsstatus", "Formue"}
    assert not set(lines.values()) & used, lines
    assert lines == {"end_date": "Kolonne 8"} and "overskriften ligner ikke 'Slutdato'" in result.output, lines

    write_config(batch_dir, case_columns='end_date = "Kolonne 8"')  # pasted: the conversion is right
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert _fates(batch_dir) == {"S-1": "converted", "S-2": "grant_ended", "S-3": "converted",
                                 "S-4": "status_not_active", "S-5": "not_foot_care"}


def test_a_check_whose_column_has_an_unknown_header_says_which_column_it_may_be(batch_dir: Path) -> None:
    """Tried as a user: the Tillægsprocent column renamed to 'Procentsats for tillæg'. The run said the check was
    not run and that the column was unused, but not that the one may be the other; now it says so with the line to
    write – and does not use the column until it is written."""
    header = ["Procentsats for tillæg" if h == "Tillægsprocent" else h for h in CASE_HEADER]
    write_csv(batch_dir / "sager.csv", header, [case_row("S-1"), case_row("S-2", "020250-2345", pct="0")])
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert "Ikke kontrolleret (ingen kolonne): Tillægsprocent er 0" in result.output
    lines = _pasted(result.output.replace("[input.cases.columns]: ", "\n    "))
    assert lines == {"tillaegsprocent": "Procentsats for tillæg"}, result.output
    assert "kolonnen 'Procentsats for tillæg' er ikke brugt, men kan være Tillægsprocent" in result.output
    assert "bruges ikke: 'Procentsats for tillæg'" not in result.output  # said once, with the suggestion
    cases = {r["ESDH-sagsnr."]: r for r in sheet_rows(batch_dir / "ud" / "konverteringsark.xlsx", "Sager")}
    assert "Tillægsprocent er 0" not in (cases["S-2"]["Bemærkninger"] or "")  # not guessed

    write_config(batch_dir, case_columns='tillaegsprocent = "Procentsats for tillæg"')  # written: now checked
    result = run_batch(batch_dir)
    assert result.exit_code == 0, result.output
    assert "Ikke kontrolleret (ingen kolonne)" not in result.output and "kan være" not in result.output
    cases = {r["ESDH-sagsnr."]: r for r in sheet_rows(batch_dir / "ud" / "konverteringsark.xlsx", "Sager")}
    assert "Tillægsprocent er 0" in cases["S-2"]["Bemærkninger"]
