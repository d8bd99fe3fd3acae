"""Reconciliation against KP: a converted batch, a KP report with one planted difference of every kind and
unrelated KP cases for the same citizens, and an ESDH export taken after the conversion. All data fictitious.

The batch (13 running foot-care cases, one per citizen; cut-over 04-01-2027, assets declared 01-03-2024):

| case | planted                                                          | expected difference          |
|------|------------------------------------------------------------------|------------------------------|
| S-01 | everything right; the citizen also has a Helbredstillægskort     | none (matched and correct)   |
| S-02 | no foot-care case in KP (only Briller)                           | missing_in_kp                |
| S-03 | no case in KP, but the checklist says "Ja"                       | missing_in_kp, checked_not_in_kp |
| S-04 | two foot-care cases in KP                                        | ambiguous                    |
| S-05 | KP Ansøgningsdato 01-04-2024; also a Tandprotese case            | application_date_differs     |
| S-06 | KP Bevilling start 05-01-2027                                    | start_date_differs           |
| S-07 | KP Bevilling slut 31-12-2027                                     | end_date_set                 |
| S-08 | KP Sagstype "Helbredstillæg - fodbehandling"                     | case_type_differs            |
| S-09 | in KP, checklist "Nej"                                           | in_kp_not_checked            |
| S-10 | ESDH status still "Aktiv"                                        | esdh_still_open              |
| S-11 | ESDH note without "behandles i KP"                               | closing_note_missing         |
| S-12 | not in the ESDH export                                           | esdh_case_not_found          |
| S-13 | checklist KP-sagsnr. "KP-9999", KP says KP-13                    | kp_number_differs            |
| —    | a foot-care case in KP for a citizen not in the batch (KP-77)    | extra_in_kp                  |
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from convert.reconcile.match import AMBIGUOUS, EXTRA, MATCHED, MISSING, pair_cases
from convert.reconcile.pipeline import reconcile
from convert.settings.batch import load_config, reconcile_settings
from tests.conftest import (
    ASSET_HEADER,
    CASE_HEADER,
    case_row,
    header_row,
    kp_convert,
    pipe_table,
    run_batch,
    sheet_rows,
    sheet_values,
    write_config,
    write_csv,
)
from tests.conftest import FOOT_CARE_KP as FOOT
from tests.conftest import fictitious_cpr as cpr

FULL_CPR = re.compile(r"\b\d{6}-?\d{4}\b")
KP_HEADER = ["Sags-id", "CPR-nr.", "Navn", "Sagstype", "Titel", "Ansøgningsdato", "Bevilling start",
             "Bevilling slut", "Status"]
ESDH_AFTER_HEADER = ["Sagsnr.", "Sagsstatus", "Lukkenotat"]
RECONCILE = f'[reconcile]\nexpected_case_type = "{FOOT}"\n'


def case_id(i: int) -> str:
    return f"S-{i:02d}"


def kp_row(i: int, *, number: str = "", kind: str = FOOT, title: str = "Fodbehandling", applied: str = "01-03-2024",
           start: str = "04-01-2027", end: str = "", status: str = "Aktiv", person: int | None = None) -> list[str]:
    return [number or f"KP-{i}", cpr(person or i), f"Borger {i}", kind, title, applied, start, end, status]


def kp_rows() -> list[list[str]]:
    rows = [kp_row(i) for i in (1, 9, 10, 11, 12, 13)]
    rows += [
        kp_row(1, number="KP-101", kind="Helbredstillægskort", title="Helbredstillægskort", applied="01-01-2020",
               start="01-01-2020"),
        kp_row(2, number="KP-102", kind="Briller", title="Briller", applied="01-06-2022", start="01-07-2022"),
        kp_row(4, number="KP-4A"), kp_row(4, number="KP-4B", title="Fodbehandling, genoptaget"),
        kp_row(5, applied="01-04-2024"),
        kp_row(5, number="KP-105", kind="Tandprotese", title="Tandprotese", applied="01-01-2023", start="01-01-2023"),
        kp_row(6, start="05-01-2027"), kp_row(7, end="31-12-2027"),
        kp_row(8, kind="Helbredstillæg - fodbehandling"),
        kp_row(77),  # a citizen who is not in the batch
    ]
    return rows


NOTE = "Sagen er lukket i ESDH. Sagen behandles i KP fra 04-01-2027."
ESDH = [[case_id(i), "Afsluttet", NOTE] for i in range(1, 14) if i not in (10, 11, 12)] + [
    [case_id(10), "Aktiv", NOTE], [case_id(11), "Afsluttet", "Sagen er lukket."], ["S-99", "Aktiv", ""]]
CHECKLIST = {i: ("Ja", "") for i in range(1, 14)} | {2: ("", ""), 9: ("Nej", ""), 13: ("Ja", "KP-9999")}


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    """The batch, run once: exports, config and out/konverteringsark.xlsx with the team's checklist filled in."""
    d = tmp_path_factory.mktemp("batch")
    write_csv(d / "sager.csv", CASE_HEADER, [case_row(case_id(i), cpr(i), name=f"Borger {i}") for i in range(1, 14)]
              + [case_row("S-99", cpr(99 - 70), title="Briller", benefit="Briller")])
    write_csv(d / "formue.csv", ASSET_HEADER, [[cpr(i), "01.03.2024", "10.000,00"] for i in range(1, 14)])
    write_config(d, documents=None, extra=RECONCILE)
    result = run_batch(d, out="out")
    assert result.exit_code == 0, result.output
    fill_checklist(d / "out" / "konverteringsark.xlsx", CHECKLIST)
    return d


def fill_checklist(path: Path, entries: dict[int, tuple[str, str]], initials: str = "ABJ") -> None:
    """As the team would: type Ja/Nej, a KP case number, initials and a date in the Sager sheet."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Sager"]
    top = header_row(ws)  # under the row of group headings
    header = [c.value for c in ws[top]]
    col = {h: header.index(h) + 1 for h in ("ESDH-sagsnr.", "Oprettet i KP", "KP-sagsnr.", "Initialer", "Dato")}
    for r in range(top + 1, ws.max_row + 1):
        i = int(ws.cell(r, col["ESDH-sagsnr."]).value[2:])
        created, number = entries.get(i, ("", ""))
        ws.cell(r, col["Oprettet i KP"]).value = created or None
        ws.cell(r, col["KP-sagsnr."]).value = number or None
        ws.cell(r, col["Initialer"]).value = initials if created else None
        ws.cell(r, col["Dato"]).value = "10-01-2027" if created else None
    wb.save(path)


def _prepare(converted: Path, d: Path) -> Path:
    shutil.copytree(converted, d)
    write_csv(d / "kp.csv", KP_HEADER, kp_rows())
    write_csv(d / "esdh-efter.csv", ESDH_AFTER_HEADER, ESDH)
    return d


@pytest.fixture
def batch(converted: Path, tmp_path: Path) -> Path:
    """A fresh copy of the batch with the checklist filled in, the KP report and the ESDH export."""
    return _prepare(converted, tmp_path / "batch")


@pytest.fixture(scope="module")
def planted(converted: Path, tmp_path_factory):
    """The batch reconciled once (read-only for the tests that use it): (folder, CLI result)."""
    d = _prepare(converted, tmp_path_factory.mktemp("planted") / "batch")
    return d, reconcile_batch(d)


def reconcile_batch(d: Path, *extra: str, kp: str = "kp.csv", esdh: str | None = "esdh-efter.csv"):
    """`kp-convert reconcile` on the batch in `d`: its KP report, worksheet and (unless None) ESDH export."""
    esdh_export = ["--esdh-export", d / esdh] if esdh else []
    return kp_convert("reconcile", d / "kp-convert.toml", "--kp-report", d / kp,
                      "--worksheet", d / "out" / "konverteringsark.xlsx", *esdh_export, *extra)


def oversigt(path: Path) -> dict[str, object]:
    """Label -> first value of the Oversigt sheet (later blocks win for repeated labels, so read per test)."""
    return {str(r[0]).strip(): r[1] for r in sheet_values(path, "Oversigt") if r[0] is not None}


PLANTED = {
    "Mangler i KP": {"S-02", "S-03"},
    "Ekstra i KP": {"KP-77"},
    "Flere kandidater": {"S-04"},
    "Ansøgningsdato afviger": {"S-05"},
    "Startdato afviger": {"S-06"},
    "Slutdato i KP": {"S-07"},
    "Sagstype eller titel afviger": {"S-08"},
    "KP-sagsnr. afviger": {"S-13"},
    "Afkrydset, ikke i KP": {"S-03"},
    "I KP, ikke afkrydset": {"S-09"},
    "ESDH-sag ikke lukket": {"S-10"},
    "Lukkenotat mangler": {"S-11"},
    "Ikke i ESDH-udtræk": {"S-12"},
}


def found(path: Path) -> dict[str, list[str]]:
    book = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for sheet in PLANTED:
        key = "KP-sagsnr." if sheet == "Ekstra i KP" else "ESDH-sagsnr."
        out[sheet] = [str(r[key]) for r in sheet_rows(book, sheet)]
    return out


def test_every_planted_difference_is_found_exactly_once_and_nothing_else(planted) -> None:
    batch, result = planted
    assert result.exit_code == 1, result.output
    report = openpyxl.load_workbook(batch / "out" / "afstemning.xlsx", read_only=True)
    got = found(batch / "out" / "afstemning.xlsx")
    ambiguous = got.pop("Flere kandidater")
    assert ambiguous == ["S-04", "S-04"]  # one line per candidate: KP-4A and KP-4B
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in PLANTED.items()
                                                      if k != "Flere kandidater"}
    matched = sheet_rows(report, "Matchede")
    assert sorted(r["ESDH-sagsnr."] for r in matched) == [case_id(i) for i in (1, 5, 6, 7, 8, 9, 10, 11, 12, 13)]
    assert [r["ESDH-sagsnr."] for r in matched if not r["Afvigelser"]] == ["S-01"]
    # the unrelated KP cases of the same citizens are listed as not considered, with the reason, as no problem
    left = sheet_rows(report, "Ikke medtaget")
    kp_left = {r["Sagsnr."]: r for r in left if r["Kilde"] == "KP-rapport"}
    assert set(kp_left) == {"KP-101", "KP-102", "KP-105"}
    assert all(r["Regel"] == "ikke fodbehandling" and r["Fejl i data"] == "Nej" for r in kp_left.values())
    assert "Briller" in kp_left["KP-102"]["Årsag"]
    esdh_left = [r for r in left if r["Kilde"] == "ESDH-udtræk"]
    assert [(r["Sagsnr."], r["Regel"]) for r in esdh_left] == [("S-99", "sagen er ikke i batchen")]
    assert len(left) == 4
    # both sides side by side
    app = sheet_rows(report, "Ansøgningsdato afviger")[0]
    assert (app["Ansøgningsdato (arket)"].date().isoformat(), app["Ansøgningsdato (KP)"].date().isoformat(),
            app["Forskel (dage, KP − arket)"], app["KP-sagsnr. (KP)"]) == ("2024-03-01", "2024-04-01", 31, "KP-5")
    typ = sheet_rows(report, "Sagstype eller titel afviger")[0]
    assert (typ["Forventet sagstype"], typ["Sagstype (KP)"]) == (FOOT, "Helbredstillæg - fodbehandling")
    assert sheet_rows(report, "KP-sagsnr. afviger")[0]["KP-sagsnr. (arket)"] == "KP-9999"
    assert sheet_rows(report, "ESDH-sag ikke lukket")[0]["Sagsstatus (ESDH)"] == "Aktiv"
    assert not FULL_CPR.search(result.output)


def test_control_totals_add_up_and_show_their_sums(planted) -> None:
    batch, _ = planted
    rows = [r for r in sheet_values(batch / "out" / "afstemning.xlsx", "Oversigt") if r[0] is not None]
    checks = [r[1] for r in rows if r[0] == "Kontrol"]
    assert checks == ["13 = 10 + 2 + 1 + 0 (stemmer)",  # cases in the batch: matched + missing + ambiguous + left out
                      "10 = 1 + 9 (stemmer)",  # matched: correct + with differences
                      "13 = 10 + 1 + 2 + 0 (stemmer)",  # KP foot-care cases: matched + extra + ambiguous + unusable
                      "16 = 13 + 3 + 0 + 0 (stemmer)",  # KP report rows: foot care + other + ignored + broken
                      "13 = 12 + 1 (stemmer)",  # batch cases in the ESDH export: found + not found
                      "13 = 12 + 1 + 0 (stemmer)"]  # ESDH export rows: batch + other + unusable
    counts = {r[0]: r[1] for r in rows if isinstance(r[1], int)}
    assert counts["Sag i batchen uden fodbehandlingssag i KP"] == 2
    assert counts["Fodbehandlingssag i KP, der ikke er i batchen"] == 1
    assert counts["Rækker der ikke kunne bruges (fejl i data)"] == 0
    assert ("Resultat", "Der er afvigelser – se arkene nedenfor") in [(r[0], r[1]) for r in rows]
    rules = {r[0]: r[1] for r in rows}
    assert rules["Fodbehandling i KP genkendes på"] == ("indeholder »fodbehandling«, »fodpleje« eller »fodterapi« "
                                                         "(standard)")
    assert rules["Forventet sagstype i KP"] == FOOT


def test_a_batch_that_reconciles_exits_0(batch: Path) -> None:
    fill_checklist(batch / "out" / "konverteringsark.xlsx", {i: ("Ja", "") for i in range(1, 14)})
    rows = [kp_row(i) for i in range(1, 14)] + [kp_row(2, number="KP-102", kind="Briller", title="Briller")]
    write_csv(batch / "kp.csv", KP_HEADER, rows)
    write_csv(batch / "esdh-efter.csv", ESDH_AFTER_HEADER,
              [[case_id(i), "Afsluttet", NOTE] for i in range(1, 14)] + [["S-99", "", ""]])  # broken, not ours
    result = reconcile_batch(batch)
    assert result.exit_code == 0, result.output
    assert "Alt stemmer." in result.output
    assert "13 = 13 matchet (13 korrekte) + 0 mangler i KP" in result.output
    assert oversigt(batch / "out" / "afstemning.xlsx")["Resultat"] == "Alt stemmer"


def test_library_call_gives_the_same_answer_as_the_sheets(planted) -> None:
    batch, _ = planted
    config = load_config(batch / "kp-convert.toml")
    settings = reconcile_settings(config, kp_report=batch / "kp.csv", esdh_export=batch / "esdh-efter.csv",
                                  worksheet=batch / "out" / "konverteringsark.xlsx")
    r = reconcile(config, settings)
    by_case = r.cases.set_index("case_id")
    assert by_case["status"].value_counts().to_dict() == {MATCHED: 10, MISSING: 2, AMBIGUOUS: 1}
    assert r.kp["status"].value_counts().to_dict() == {MATCHED: 10, AMBIGUOUS: 2, EXTRA: 1}
    assert list(by_case.index[by_case["correct"]]) == ["S-01"]
    counts = r.difference_counts()
    assert sum(counts.values()) == 14 and counts["missing_in_kp"] == 2 and not r.reconciled


def test_a_sorted_worksheet_with_an_added_column_and_a_hand_made_kp_spreadsheet(batch: Path) -> None:
    """The team sorted the Sager sheet, added a column and typed dates as text; the KP report was typed into
    Excel by hand: a title row above the header, real date cells, the CPR made a number (leading zero lost)."""
    path = batch / "out" / "konverteringsark.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Sager"]
    top = header_row(ws)
    header = [c.value for c in ws[top]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=top + 1)]
    rows.sort(key=lambda r: r[0], reverse=True)
    app = header.index("Ansøgningsdato (KP)")
    for r in rows:
        r[app] = r[app].strftime("%d-%m-%Y")
    ws.delete_rows(1, ws.max_row)
    ws.append(["Team-note", *header])
    for r in rows:
        ws.append(["se KP", *r])
    wb.save(path)
    report = openpyxl.Workbook()
    ws = report.active
    ws.append(["Sagsrapport fra KP"])
    ws.append(KP_HEADER)
    for row in kp_rows():
        cells: list[object] = list(row)
        for i in (5, 6, 7):
            if cells[i]:
                d, m, y = map(int, str(cells[i]).split("-"))
                cells[i] = pd.Timestamp(y, m, d).to_pydatetime()
        cells[1] = int(str(cells[1]).replace("-", ""))  # 020140-1001 -> 201401001
        ws.append(cells)
    report.save(batch / "kp.xlsx")
    assert reconcile_batch(batch, kp="kp.xlsx").exit_code == 1
    got = found(batch / "out" / "afstemning.xlsx")
    assert got.pop("Flere kandidater") == ["S-04", "S-04"]
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in PLANTED.items()
                                                      if k != "Flere kandidater"}


def test_update_worksheet_fills_only_empty_cells_and_keeps_everything_else(batch: Path) -> None:
    path = batch / "out" / "konverteringsark.xlsx"
    before = openpyxl.load_workbook(path)
    original = path.read_bytes()
    result = reconcile_batch(batch, "--update-worksheet")
    assert result.exit_code == 1, result.output
    assert "9 KP-sagsnr. skrevet, 0 stod der allerede, 1 konflikter" in result.output
    after = openpyxl.load_workbook(path)
    assert after.sheetnames == before.sheetnames
    top = header_row(after["Sager"])
    kp_col = [c.value for c in after["Sager"][top]].index("KP-sagsnr.")
    changed = {}
    for name in before.sheetnames:
        for row_b, row_a in zip(before[name].iter_rows(), after[name].iter_rows(), strict=True):
            for b, a in zip(row_b, row_a, strict=True):
                if b.value != a.value:
                    assert (name, b.column - 1) == ("Sager", kp_col), (name, b.coordinate, b.value, a.value)
                    changed[after["Sager"].cell(b.row, 1).value] = (b.value, a.value)
    assert changed == {case_id(i): (None, f"KP-{i}") for i in (1, 5, 6, 7, 8, 9, 10, 11, 12)}
    sager = {r["ESDH-sagsnr."]: r for r in sheet_rows(path, "Sager")}
    assert sager["S-13"]["KP-sagsnr."] == "KP-9999"  # the conflict is never overwritten
    assert sager["S-09"]["Oprettet i KP"] == "Nej" and sager["S-01"]["Initialer"] == "ABJ"
    ws = after["Sager"]
    assert ws.freeze_panes == "B3" and ws.auto_filter.ref and len(ws.data_validations.dataValidation) >= 3
    assert ws.print_area and ws.print_title_rows == "$1:$2"  # the print set-up is kept
    assert ws.cell(top + 1, kp_col + 1).data_type == "s"
    backups = list(path.parent.glob("konverteringsark.backup-*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == original
    actions = {r["ESDH-sagsnr."]: r["Handling"] for r in sheet_rows(path.parent / "afstemning.xlsx",
                                                                       "Opdatering af arket")}
    assert actions["S-13"] == "Konflikt – ikke overskrevet" and actions["S-01"] == "Skrevet" and len(actions) == 10
    # again: nothing left to fill, nothing written, no new backup
    again = reconcile_batch(batch, "--update-worksheet")
    assert "0 KP-sagsnr. skrevet, 9 stod der allerede, 1 konflikter" in again.output
    assert len(list(path.parent.glob("konverteringsark.backup-*.xlsx"))) == 1


def test_update_refuses_a_worksheet_open_in_excel(batch: Path) -> None:
    (batch / "out" / "~$konverteringsark.xlsx").write_bytes(b"lock")
    before = (batch / "out" / "konverteringsark.xlsx").read_bytes()
    result = reconcile_batch(batch, "--update-worksheet")
    assert result.exit_code == 4 and "åben i Excel" in result.output
    assert (batch / "out" / "konverteringsark.xlsx").read_bytes() == before


def test_rows_that_cannot_be_used_are_listed_with_the_reason_never_dropped(batch: Path) -> None:
    rows = kp_rows() + [
        kp_row(20, number="KP-BAD-CPR") + [],
        kp_row(21, number="KP-BAD-DATE", applied="31-02-2024"),
        kp_row(22, number="KP-OTHER", kind="Briller", title="Briller", start="ikke en dato"),  # not foot care
        ["KP-RAGGED", cpr(23), "Borger 23", FOOT],
    ]
    rows[-4][1] = "320150-1020"  # day 32: not a CPR number
    write_csv(batch / "kp.csv", KP_HEADER, rows)
    write_csv(batch / "esdh-efter.csv", ESDH_AFTER_HEADER, ESDH + [["S-12", "", NOTE]])
    path = batch / "out" / "konverteringsark.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Sager"]["B4"] = "12345"  # S-02's CPR typed over (row 2 is the header)
    wb.save(path)
    result = reconcile_batch(batch)
    assert result.exit_code == 1
    rows_left = sheet_rows(batch / "out" / "afstemning.xlsx", "Ikke medtaget")
    left = {r["Sagsnr."]: r for r in rows_left if r["Kilde"] != "ESDH-udtræk"}
    esdh_left = {r["Sagsnr."]: r["Regel"] for r in rows_left if r["Kilde"] == "ESDH-udtræk"}
    assert esdh_left == {"S-02": "sagens række i arket kan ikke bruges", "S-99": "sagen er ikke i batchen",
                         "S-12": "en påkrævet værdi mangler"}  # the sheet says it in Danish (the code: manifest)
    not_found = sheet_rows(batch / "out" / "afstemning.xlsx", "Ikke i ESDH-udtræk")
    assert [r["ESDH-sagsnr."] for r in not_found] == ["S-12"]
    assert not_found[0]["Hvorfor"].startswith("Står i udtrækket, men rækken kunne ikke bruges")
    assert (left["KP-BAD-CPR"]["Regel"], left["KP-BAD-CPR"]["Fejl i data"]) == ("ugyldigt CPR-nummer", "Ja")
    assert "'320150-xxxx' er ikke et gyldigt CPR-nummer" in left["KP-BAD-CPR"]["Årsag"]
    assert left["KP-BAD-DATE"]["Regel"] == "ugyldig dato" and "31-02-2024" in left["KP-BAD-DATE"]["Årsag"]
    assert (left["KP-OTHER"]["Regel"], left["KP-OTHER"]["Fejl i data"]) == ("ikke fodbehandling", "Nej")
    assert left["KP-RAGGED"]["Regel"] == "forkert antal felter på linjen"
    assert (left["S-02"]["Kilde"], left["S-02"]["Regel"]) == ("Konverteringsark", "ugyldigt CPR-nummer")
    totals = oversigt(batch / "out" / "afstemning.xlsx")
    assert totals["Rækker der ikke kunne bruges (fejl i data)"] == 5
    checks = [r[1] for r in sheet_values(batch / "out" / "afstemning.xlsx", "Oversigt") if r[0] == "Kontrol"]
    assert all(c.endswith("(stemmer)") for c in checks), checks
    assert "13 = 10 + 1 + 1 + 1" in checks[0] and "20 = 15 + 4 + 0 + 1" in checks[3]
    assert not FULL_CPR.search(result.output)


@pytest.mark.parametrize("setup, code, message", [
    (lambda d: write_csv(d / "kp.csv", [h for h in KP_HEADER if h != "CPR-nr."], [kp_row(1)[:1] + kp_row(1)[2:]]),
     3, "mangler en påkrævet kolonne: cpr ('CPR-nr.')"),
    (lambda d: write_csv(d / "kp.csv", [h if h not in ("Sagstype", "Titel") else h + " x" for h in KP_HEADER],
                         [kp_row(1)]), 3, "mangler en kolonne til at genkende fodbehandling"),
    (lambda d: (d / "kp.csv").write_bytes(b"%PDF-1.4 binary"), 3, "PDF-fil"),
    (lambda d: (d / "kp.csv").unlink(), 3, "Filen findes ikke"),
    (lambda d: (d / "out" / "konverteringsark.xlsx").unlink(), 3, "Konverteringsarket findes ikke"),
    (lambda d: (d / "out" / "konverteringsark.xlsx").write_bytes(b"PK\x03\x04broken"), 3,
     "kan ikke læses – filen er beskadiget"),
    (lambda d: write_csv(d / "esdh-efter.csv", ESDH_AFTER_HEADER[:2], [["S-01", "Afsluttet"]]), 3,
     "closing_note ('Lukkenotat')"),
    (lambda d: write_config(d, documents=None, extra=RECONCILE + "foot_care_patern = 'x'\n"), 2,
     "mente du 'foot_care_pattern'?"),
    (lambda d: write_config(d, documents=None, extra=RECONCILE + "foot_care_pattern = '(['\n"), 2,
     "ikke et gyldigt regulært udtryk"),
    (lambda d: write_config(d, documents=None, extra='[input.kp_report.columns]\ncpr = "Personnr"\n'), 2,
     "input.kp_report.columns.cpr = 'Personnr'"),
    (lambda d: write_config(d, documents=None, extra=RECONCILE + 'closing_note_marker = "overført"\n'), 2,
     "står ikke i closing_note.template"),
])
def test_bad_input_gives_a_message_and_the_documented_exit_code(batch: Path, setup, code: int, message: str) -> None:
    setup(batch)
    result = reconcile_batch(batch)
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output


def test_kp_report_path_from_the_config_and_missing_report(batch: Path) -> None:
    args = ["reconcile", batch / "kp-convert.toml", "--worksheet", batch / "out" / "konverteringsark.xlsx"]
    result = kp_convert(*args)
    assert result.exit_code == 2 and "KP-rapporten er ikke angivet" in result.output
    write_config(batch, documents=None, extra=RECONCILE + '[input.kp_report]\npath = "kp.csv"\n'
                 '[input.kp_report.columns]\ncase_id = "Sags-id"\n')
    result = kp_convert(*args, "--out", batch / "afstemt")
    assert result.exit_code == 1 and (batch / "afstemt" / "afstemning.xlsx").exists()
    assert "ESDH-sagerne er ikke kontrolleret" in result.output


def _frame(text: str, cols: list[str]) -> pd.DataFrame:
    rows = [[c.strip() for c in part.split(":")] for part in text.split(",") if part.strip()]
    return pd.DataFrame(rows, columns=cols, dtype="string")


# | batch cases (cpr:checklist KP-sagsnr.) | KP foot-care cases (cpr:KP-sagsnr.) | batch status        | KP status          |
PAIRING = """
| A:                 | A:K1                | matched             | matched             |
| A:K9               | A:K1                | matched             | matched             |
| A:                 |                     | missing             |                     |
|                    | A:K1                |                     | extra               |
| A:                 | A:K1, A:K2          | ambiguous           | ambiguous ambiguous |
| A:K2               | A:K1, A:K2          | matched             | extra matched       |
| A:, A:             | A:K1                | ambiguous ambiguous | ambiguous           |
| A:K1, A:           | A:K1                | matched missing     | matched             |
| A:K1, A:K2         | A:K1, A:K2          | matched matched     | matched matched     |
| A:K2, A:           | A:K1, A:K2          | matched matched     | matched matched     |
| A:, B:             | B:K1, C:K2          | missing matched     | matched extra       |
"""


@pytest.mark.parametrize("cases, kp, case_status, kp_status", pipe_table(PAIRING))
def test_pairing_by_cpr_and_the_checklist_number(cases: str, kp: str, case_status: str, kp_status: str) -> None:
    sheet = _frame(cases, ["cpr", "kp_number"])
    report = _frame(kp, ["cpr", "case_id"])
    s, k, links = pair_cases(sheet, report)
    assert " ".join(s) == case_status and " ".join(k) == kp_status
    matched = links[links["kind"] == MATCHED]
    assert matched["sheet_index"].is_unique and matched["kp_index"].is_unique


def test_template_documents_the_reconcile_section() -> None:
    from convert.settings.template import template_text

    text = template_text()
    for section in ("[reconcile]", "[input.kp_report]", "[input.esdh_export]", "closing_note_marker"):
        assert section in text


def test_reconcile_inputs_are_configured_beside_the_batch_inputs_but_never_read_by_run(tmp_path: Path) -> None:
    path = tmp_path / "kp-convert.toml"
    path.write_text('[batch]\ncutover_date = 2027-01-04\n[input.cases]\npath = "sager.csv"\n'
                    '[input.cases.columns]\ncase_id = "Sagsnummer"\ncpr = "Personnr"\n'
                    '[input.kp_report]\npath = "kp.xlsx"\nsheet = "Sager"\n'
                    '[input.esdh_export]\npath = "efter.csv"\n[input.esdh_export.columns]\nclosing_note = "Notat"\n',
                    encoding="utf-8")
    config = load_config(path)
    assert set(config.inputs) == {"cases"}  # `run` reads only the ESDH exports
    settings = reconcile_settings(config)
    assert settings.kp_report is not None and settings.kp_report.sheet == "Sager"
    assert settings.kp_report.path == (tmp_path / "kp.xlsx").resolve()
    assert settings.esdh_export is not None  # the export after conversion has the cases export's headers
    assert settings.esdh_export.columns == {"case_id": "Sagsnummer", "closing_note": "Notat"}
    assert settings.worksheet == (tmp_path / "output" / "konverteringsark.xlsx").resolve()
    assert settings.defaults_used == ("foot_care_pattern", "closing_note_marker")


_people = st.sampled_from("ABC")
_numbers = st.sampled_from(["", "K1", "K2", "K3"])


@hypothesis_settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_people, _numbers), max_size=5), st.lists(st.tuples(_people, _numbers), max_size=5))
def test_pairing_gives_every_case_and_every_kp_row_exactly_one_consistent_fate(cases, kp) -> None:
    sheet = pd.DataFrame(cases, columns=["cpr", "kp_number"], dtype="string")
    report = pd.DataFrame(kp, columns=["cpr", "case_id"], dtype="string")
    s, k, links = pair_cases(sheet, report)
    assert len(s) == len(sheet) and len(k) == len(report)
    assert set(s) <= {MATCHED, MISSING, AMBIGUOUS} and set(k) <= {MATCHED, EXTRA, AMBIGUOUS}
    m = links[links["kind"] == MATCHED]
    assert m["sheet_index"].is_unique and m["kp_index"].is_unique  # one KP case per batch case and back
    assert (sheet.loc[m["sheet_index"], "cpr"].to_numpy() == report.loc[m["kp_index"], "cpr"].to_numpy()).all()
    assert set(s.index[s == MATCHED]) == set(m["sheet_index"]) and set(k.index[k == MATCHED]) == set(m["kp_index"])
    for person in "ABC":  # nothing left that could have been paired: a missing case and an extra KP case never meet
        mine, theirs = s[sheet["cpr"] == person], k[report["cpr"] == person]
        assert not ((mine == MISSING).any() and (theirs == EXTRA).any())
        assert (mine == AMBIGUOUS).any() == (theirs == AMBIGUOUS).any()
