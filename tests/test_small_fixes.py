"""Small items of issue 14, each a failure that once got through: a plan past pandas' last date, a symlink loop as
an input or a config, a permission error blamed on Excel, a worksheet declaring the whole sheet slowing reconcile, and
blank case numbers in afstemning.xlsx."""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from convert.reconcile.inputs import read_order_extract
from convert.reconcile.match import DIFFERENCES
from tests.conftest import kp_convert, kp_report_from_worksheet, sheet_values, write_csv

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"


def sample_batch(folder: Path, config: str | None = None) -> Path:
    """The sample's exports in `folder`, with the sample's config (or `config`) as kp-convert.toml."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in SAMPLE.glob("*.csv"):
        shutil.copy(f, folder / f.name)
    path = folder / "kp-convert.toml"
    path.write_text(config if config is not None else (SAMPLE / "kp-convert.toml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    return path


def one_line_error(output: str) -> bool:
    """An expected failure as the CLI says it: 'Fejl: …' and at most a hint, never a traceback."""
    lines = [ln for ln in output.splitlines() if ln.strip()]
    return (bool(lines) and lines[0].startswith("Fejl: ") and len(lines) <= 2 and "Traceback" not in output
            and "Error" not in output)


# ---- a plan past pandas' last date -----------------------------------------------------------------------------

def test_a_plan_of_centuries_is_a_config_error_not_an_overflow(tmp_path: Path) -> None:
    """Each value within its bounds – cut-over 2099-12-31, every minute setting 480, one caseworker with half an hour
    on Mondays – made 9,288 hours of work planned 30 minutes a week: `run` crashed (OverflowError), `plan` showed
    days from 1677 to 2262. Now both stop on the 5-year horizon, naming planning.caseworkers and the hours."""
    text = (SAMPLE / "kp-convert.toml").read_text(encoding="utf-8")
    text = text[:text.index("[[planning.caseworkers]]\nname")]  # the sample's three caseworkers out
    text = re.sub(r"(?m)^cutover_date = .*$", "cutover_date = 2099-12-31", text)
    for key in ("minutes_per_case", "minutes_per_document", "extra_minutes_flagged"):
        text, found = re.subn(rf"(?m)^# {key} = .*$", f"{key} = 480", text)
        assert found == 1, key
    text += '[[planning.caseworkers]]\nname = "ABJ"\nhours_per_day = 0.5\nweekdays = ["man"]\n'
    config = sample_batch(tmp_path / "batch", text)
    for command, extra in (("run", ("--out", tmp_path / "ud")), ("plan", ())):
        result = kp_convert(command, config, *extra)
        assert result.exit_code == 2, f"{command}: {result.output}"
        assert "'planning.caseworkers'" in result.output and "0,5 timer om ugen" in result.output, result.output
        assert "1677" not in result.output and "2262" not in result.output
        assert one_line_error(result.output), result.output
    assert not (tmp_path / "ud").exists() or not any((tmp_path / "ud").iterdir())


# ---- reconcile on the sample: the difference sheets, and an order extract declaring the whole sheet ------------

@pytest.fixture(scope="module")
def reconciled_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample run and ordered (spec), KP's report listing every converted case, and an ESDH export after the
    conversion in which every case is closed with its closing note – so several difference sheets are empty."""
    d = tmp_path_factory.mktemp("sample")
    config = sample_batch(d)
    assert kp_convert("run", config, "--out", d / "ud").exit_code == 0
    assert kp_convert("spec", config, "--out", d / "spec").exit_code == 0
    kp_report_from_worksheet(d / "ud" / "konverteringsark.xlsx", d / "kp.csv")
    header, *rows = csv.reader(io.StringIO((SAMPLE / "sager.csv").read_bytes().decode("cp1252"), newline=""),
                               delimiter=";")
    status = header.index("Sagsstatus")
    write_csv(d / "esdh-efter.csv", [*header, "Lukkenotat"],
              [[*r[:status], "Afsluttet", *r[status + 1:], "Sagen behandles i KP fra 04-01-2027."] for r in rows])
    return d


def reconcile(d: Path, out: str, *extra: str | Path, worksheet: Path | None = None):  # type: ignore[no-untyped-def]
    return kp_convert("reconcile", d / "kp-convert.toml", "--kp-report", d / "kp.csv", "--worksheet",
                      worksheet or d / "ud" / "konverteringsark.xlsx", "--out", d / out, *extra)


def console_counts(output: str) -> dict[str, int]:
    """The 'Afvigelser:' block of reconcile's console: description -> count (a difference not listed is 0)."""
    return {m[1]: int(m[2]) for m in re.finditer(r"(?m)^ {4}(\S.*?)\s{2,}(\d+)$", output)}


def test_no_difference_sheet_has_rows_without_a_case_number(reconciled_sample: Path) -> None:
    """'Sagstype eller titel afviger' had 189 rows of blank case numbers and '(ikke kontrolleret)' when no case
    differed (a Series assigned to an empty selection gives it the Series' index); 'Ikke i ESDH-udtræk' the same
    with an ESDH export that has every case. Each difference sheet now has the rows the console counts."""
    d = reconciled_sample
    result = reconcile(d, "afstemning", "--esdh-export", d / "esdh-efter.csv")
    assert result.exit_code == 1, result.output  # KP's cases are not ticked 'Oprettet i KP' in the worksheet
    counts = console_counts(result.output)
    assert counts, result.output
    book = d / "afstemning" / "afstemning.xlsx"
    for code, (sheet, said) in DIFFERENCES.items():
        if sheet not in openpyxl.load_workbook(book, read_only=True).sheetnames:
            continue  # a difference not checked in this run (the return file's columns)
        header, *rows = sheet_values(book, sheet)
        key = header.index("KP-sagsnr." if code == "extra_in_kp" else "ESDH-sagsnr.")
        assert all(r[key] for r in rows), f"{sheet}: a row without a case number"
        if code != "ambiguous":  # one row per candidate there, counted per case
            assert len(rows) == counts.get(said, 0), f"{sheet}: {len(rows)} rows, the console says {counts.get(said)}"
    assert counts.get(DIFFERENCES["case_type_differs"][1], 0) == 0
    assert len(sheet_values(book, "Sagstype eller titel afviger")) == 1  # the header only


def declare_whole_sheet(path: Path, out: Path) -> Path:
    """The workbook with every sheet's <dimension ref> saying A1:XFD1048576 (as some programs write it)."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            part = src.read(item.filename)
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", item.filename):
                part, found = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', part)
                assert found == 1, item.filename
            dst.writestr(item, part)
    return out


def test_an_order_and_a_worksheet_declaring_the_whole_sheet_reconcile_as_the_clean_ones(
        reconciled_sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl pads every row it reads to the width a sheet declares: the order extract's Sager sheet was read
    without reset_dimensions, 16,384 cells a row (20,000 ordered cases: 5.4 s instead of 1.4 s). Read now as the
    cells are – the rows as wide as the sheet's data – with the same result as the clean files."""
    d = reconciled_sample
    order, worksheet = d / "spec" / "bestilling_data.xlsx", d / "ud" / "konverteringsark.xlsx"
    (d / "A1_XFD").mkdir()  # the same file names: the sheets that name them compare equal
    wide_order = declare_whole_sheet(order, d / "A1_XFD" / order.name)
    wide_sheet = declare_whole_sheet(worksheet, d / "A1_XFD" / worksheet.name)

    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    widths: list[int] = []
    iter_rows = ReadOnlyWorksheet.iter_rows

    def measured(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        for row in iter_rows(self, *args, **kwargs):
            widths.append(len(row))
            yield row
    monkeypatch.setattr(ReadOnlyWorksheet, "iter_rows", measured)
    wide, clean = read_order_extract(wide_order), read_order_extract(order)
    assert (wide.case_ids, wide.pilot_ids) == (clean.case_ids, clean.pilot_ids) and len(clean.case_ids) > 100
    assert max(widths) < 100, max(widths)
    monkeypatch.undo()

    results = {name: reconcile(d, name, "--order", o, worksheet=w)
               for name, o, w in (("clean", order, worksheet), ("wide", wide_order, wide_sheet))}
    assert results["wide"].exit_code == results["clean"].exit_code == 1
    assert console_counts(results["wide"].output) == console_counts(results["clean"].output)
    for sheet in ("Matchede", "Ikke medtaget", "I KP, ikke afkrydset"):
        assert sheet_values(d / "wide" / "afstemning.xlsx", sheet) == sheet_values(d / "clean" / "afstemning.xlsx",
                                                                                     sheet)


# ---- a symlink loop as an input or as the config ---------------------------------------------------------------

@pytest.mark.skipif(os.name != "posix", reason="symbolic links need privileges on Windows")
def test_a_symlink_loop_is_a_missing_file_not_a_crash(tmp_path: Path) -> None:
    """Path.resolve() raised RuntimeError('Symlink loop') for an input (exit 70, 'Intern fejl'); the config's own
    loop was said in the OS's English. Now both are the usual one-line error: exit 3 naming the file and the key,
    exit 2 naming the config."""
    config = sample_batch(tmp_path)
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    text = config.read_text(encoding="utf-8")
    assert 'path = "sager.csv"' in text
    config.write_text(text.replace('path = "sager.csv"', 'path = "a"', 1), encoding="utf-8")
    for command, extra in (("run", ("--out", tmp_path / "ud")), ("plan", ()), ("spec", ("--out", tmp_path / "sp"))):
        result = kp_convert(command, config, *extra)
        assert result.exit_code == 3, f"{command}: {result.output}"
        assert result.output.startswith(f"Fejl: Filen findes ikke eller er et symbolsk link i ring: {tmp_path / 'a'} "
                                         "(input.cases.path)"), result.output
        assert one_line_error(result.output) and len(result.output.strip().splitlines()) == 1, result.output
    inspected = kp_convert("inspect", config, "--out", tmp_path / "kort")  # reported in the profile, not raised
    assert inspected.exit_code == 0 and "symbolsk link i ring" in inspected.output, inspected.output

    result = kp_convert("run", tmp_path / "a", "--out", tmp_path / "ud")
    assert result.exit_code == 2, result.output
    assert result.output.strip() == f"Fejl: Konfigurationsfilen findes ikke eller er et symbolsk link i ring: {tmp_path / 'a'}"


# ---- a worksheet the user may not read ---------------------------------------------------------------------------

def refuse_to_read(monkeypatch: pytest.MonkeyPatch, path: Path, *, winerror: int | None = None) -> None:
    """Path.read_bytes of `path` raises PermissionError as the OS would: EACCES, or a Windows sharing violation."""
    read_bytes = Path.read_bytes

    def refused(self: Path) -> bytes:
        if self.resolve() == path.resolve():
            exc = PermissionError(errno.EACCES, "Permission denied", str(self))
            if winerror is not None:
                exc.winerror = winerror  # type: ignore[attr-defined]  # set by Windows only
            raise exc
        return read_bytes(self)
    monkeypatch.setattr(Path, "read_bytes", refused)


@pytest.fixture
def reconcilable(batch_dir: Path) -> Path:
    """The small batch run, with a KP report listing its converted cases."""
    assert kp_convert("run", batch_dir / "kp-convert.toml", "--out", batch_dir / "ud").exit_code == 0
    kp_report_from_worksheet(batch_dir / "ud" / "konverteringsark.xlsx", batch_dir / "kp.csv")
    return batch_dir


def reconcile_small(d: Path):  # type: ignore[no-untyped-def]
    return kp_convert("reconcile", d / "kp-convert.toml", "--kp-report", d / "kp.csv", "--worksheet",
                      d / "ud" / "konverteringsark.xlsx", "--out", d / "afstemning")


def test_a_worksheet_without_read_rights_is_said_so_not_blamed_on_excel(reconcilable: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000 (or, as root – who reads it anyway – and on Windows, EACCES from the OS stood in for): the message
    was 'låst af et andet program (er det åbent i Excel?)'; it is the file's rights, and says so."""
    sheet = reconcilable / "ud" / "konverteringsark.xlsx"
    if os.name == "posix" and os.geteuid() != 0:
        sheet.chmod(0)
        try:
            result = reconcile_small(reconcilable)
        finally:
            sheet.chmod(0o600)
    else:
        refuse_to_read(monkeypatch, sheet)
        result = reconcile_small(reconcilable)
    assert result.exit_code == 4, result.output
    assert result.output.startswith("Fejl: Du har ikke adgang til at læse konverteringsark.xlsx (filrettigheder)")
    assert "rettigheder" in result.output.splitlines()[1] and "Excel" not in result.output
    assert one_line_error(result.output)


def test_a_worksheet_open_in_excel_on_windows_is_still_said_so(reconcilable: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A sharing violation (winerror 32) is Excel holding the file: that message stays."""
    refuse_to_read(monkeypatch, reconcilable / "ud" / "konverteringsark.xlsx", winerror=32)
    result = reconcile_small(reconcilable)
    assert result.exit_code == 4, result.output
    assert "låst af et andet program (er det åbent i Excel?)" in result.output and one_line_error(result.output)
