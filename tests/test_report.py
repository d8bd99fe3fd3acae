"""rapport.html read back: self-contained, no personal data, and every number equal to the worksheet's.

The run is a synthetic sample batch (120 cases) with three caseworkers and dummy document files (two planted staging
problems), so the numbers are not small enough to agree by accident.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from convert.codes import FLAGS
from convert.danish.format import fmt_num
from convert.devtools.sample import generate_sample_with_report
from convert.devtools.sample_files import write_document_files
from convert.write.report import asset_age_buckets
from tests.conftest import pipe_table, run_batch, sheet_rows, sheet_values

REPO = Path(__file__).resolve().parents[1]
CUTOVER = dt.date(2027, 1, 4)
CASEWORKERS = """
[[planning.caseworkers]]
name = "ABJ"
hours_per_day = 3
[[planning.caseworkers]]
name = "MKO"
hours_per_day = 4
weekdays = ["man", "ons", "fre"]
[[planning.caseworkers]]
name = "SØL"
hours_per_day = 2.5
"""


class ReportReader(HTMLParser):
    """Collects data-metric values and chart bars from the report."""

    def __init__(self) -> None:
        super().__init__()
        self.metrics: dict[str, str] = {}
        self.charts: dict[str, dict[str, float]] = defaultdict(dict)
        self.tags: Counter[str] = Counter()
        self._chart: str | None = None
        self._metric: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags[tag] += 1
        if tag == "svg":
            self._chart = a.get("data-chart")
        if a.get("data-metric"):
            if a.get("data-value") is not None:
                self.metrics[a["data-metric"]] = a["data-value"]  # type: ignore[assignment]
            else:
                self._metric = a["data-metric"]
        if tag == "g" and self._chart and a.get("data-value") is not None:
            key = a.get("data-label") or a.get("data-day")
            self.charts[self._chart][key] = float(a["data-value"])  # type: ignore[index,arg-type]

    def handle_data(self, data: str) -> None:
        if self._metric:
            self.metrics[self._metric] = data
            self._metric = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._chart = None


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> tuple[Path, ReportReader, str]:
    folder = tmp_path_factory.mktemp("sample")
    _, defects = generate_sample_with_report(folder, cases=120, seed=1)
    config = (REPO / "sample_data" / "kp-convert.toml").read_text(encoding="utf-8")
    config = re.sub(r"(?ms)^\[\[planning\.caseworkers\]\].*?(?=^\[|\Z)", "", config)  # our own three instead
    (folder / "kp-convert.toml").write_text(config + CASEWORKERS, encoding="utf-8")
    files, planted = write_document_files(folder, defects=True, avoid_case_ids={c for d in defects for c in d.case_ids})
    assert [p.kind for p in planted] == ["document_file_missing", "document_file_duplicate"]
    result = run_batch(folder, "--documents-folder", files)
    assert result.exit_code == 0, result.output  # the sample has rejected rows: said, not an exit code
    html = (folder / "ud" / "rapport.html").read_text(encoding="utf-8")
    reader = ReportReader()
    reader.feed(html)
    return folder / "ud", reader, html


def test_report_is_self_contained_danish_and_holds_no_personal_data(sample_run) -> None:
    out, reader, html = sample_run
    assert html.startswith("<!DOCTYPE html>") and '<html lang="da">' in html
    for forbidden in ("<script", "<link", "src=", "http://", "https://", "@import", "url("):
        assert forbidden not in html, forbidden
    assert reader.tags["svg"] == 4 and reader.tags["style"] == 1
    assert not re.search(r"\b\d{6}-?\d{4}\b", html), "no CPR number"
    book = openpyxl.load_workbook(out / "konverteringsark.xlsx", read_only=True)
    names = {str(r["Navn"]) for r in sheet_rows(book, "Sager") if r["Navn"]}
    assert not any(name in html for name in names), "no citizen's name"


def test_outcomes_and_flags_equal_the_oversigt_sheet(sample_run) -> None:
    out, reader, _ = sample_run
    book = openpyxl.load_workbook(out / "konverteringsark.xlsx", read_only=True)
    rows: dict[object, tuple] = {}
    for r in sheet_values(book, "Oversigt"):
        if r and r[0]:
            rows.setdefault(r[0], r)  # the first block with that label
    for table, label in (("cases", "Sager"), ("documents", "Dokumenter"), ("assets", "Formueoplysninger")):
        read, converted, excluded, rejected = rows[label][1:5]
        assert [int(reader.metrics[f"{k}.{table}"].replace(".", "")) for k in
                ("read", "converted", "excluded", "rejected")] == [read, converted, excluded, rejected]
    for code, label in FLAGS.items():
        assert int(reader.metrics[f"flag.{code}"]) == rows[label][1], code
    assert int(reader.metrics["cases_converted"]) == rows["Sager der skal konverteres"][1]


def test_plan_numbers_and_charts_equal_the_plan_and_sager_sheets(sample_run) -> None:
    out, reader, _ = sample_run
    book = openpyxl.load_workbook(out / "konverteringsark.xlsx", read_only=True)
    plan = sheet_rows(book, "Plan")
    total = sum(r["Estimeret tid (timer)"] for r in plan)
    assert float(reader.metrics["total_hours"]) == pytest.approx(total)
    assert plan[-1]["Løbende total (timer)"] == pytest.approx(total)
    last = max(r["Dag"] for r in plan).date()
    assert reader.metrics["last_day"] == last.isoformat()
    assert reader.metrics["plan.last_day"] == f"{last:%d-%m-%Y}"
    assert reader.metrics["plan.hours"] == fmt_num(round(total, 2), 1)
    per_day: dict[str, float] = defaultdict(float)
    for r in plan:
        per_day[f"{r['Dag']:%Y-%m-%d}"] += r["Estimeret tid (timer)"]
    assert reader.charts["hours_per_day"] == pytest.approx(dict(per_day))
    assert sum(r["Sager"] for r in plan) == int(reader.metrics["plan.cases"])
    cases = sheet_rows(book, "Sager")
    per_worker = Counter(r["Sagsbehandler (plan)"] for r in cases)
    assert reader.charts["cases_per_caseworker"] == {k: float(v) for k, v in per_worker.items()}
    assert set(per_worker) == {"ABJ", "MKO", "SØL"}
    assert len({r["Batch"] for r in cases}) == int(reader.metrics["batches"])


def _months(day: dt.date) -> int:
    return (CUTOVER.year - day.year) * 12 + CUTOVER.month - day.month - (day.day > CUTOVER.day)


def test_asset_age_and_document_categories_equal_the_sheets(sample_run) -> None:
    out, reader, _ = sample_run
    book = openpyxl.load_workbook(out / "konverteringsark.xlsx", read_only=True)
    ages = Counter()
    for r in sheet_rows(book, "Sager"):
        day = r["Ansøgningsdato (KP)"]
        m = None if day is None else _months(day.date())
        ages[("Ikke oplyst" if m is None else "Under 6 mdr." if m < 6 else "6–11 mdr." if m < 12 else
              "12–23 mdr." if m < 24 else "24–35 mdr." if m < 36 else "36 mdr. og mere")] += 1
    assert reader.charts["asset_age"] == {k: float(ages[k]) for k in reader.charts["asset_age"]}
    assert sum(reader.charts["asset_age"].values()) == sum(ages.values())
    categories = Counter(r["Dokumentkategori (KP)"] for r in sheet_rows(book, "Dokumenter"))
    assert reader.charts["documents_per_category"] == {k: float(v) for k, v in categories.items()}


def test_staged_files_equal_the_dokumentfiler_sheet(sample_run) -> None:
    out, reader, html = sample_run
    book = openpyxl.load_workbook(out / "konverteringsark.xlsx", read_only=True)
    statuses = Counter(r["Status"] for r in sheet_rows(book, "Dokumentfiler"))
    assert int(reader.metrics["files.copied"]) == statuses["Kopieret"]
    assert int(reader.metrics["files.missing"]) == statuses["Mangler"] == 1
    assert int(reader.metrics["files.duplicate"]) == statuses["Dublet – ikke kopieret"] == 1
    assert int(reader.metrics["files.copied"]) + 2 == int(reader.metrics["documents_converted"])
    assert "Filer der kræver handling (2)" in html


# | application date | bucket
AGES = """
| 04-01-2027 | Under 6 mdr.
| 05-07-2026 | Under 6 mdr.
| 04-07-2026 | 6–11 mdr.
| 05-01-2026 | 6–11 mdr.
| 04-01-2026 | 12–23 mdr.
| 04-01-2025 | 24–35 mdr.
| 05-01-2024 | 24–35 mdr.
| 04-01-2024 | 36 mdr. og mere
|            | Ikke oplyst
"""


@pytest.mark.parametrize("day, bucket", pipe_table(AGES))
def test_asset_age_buckets(day: str, bucket: str) -> None:
    import pandas as pd

    dates = pd.Series([pd.Timestamp(dt.datetime.strptime(day, "%d-%m-%Y")) if day else pd.NaT])
    counts = dict(asset_age_buckets(dates, CUTOVER))
    assert counts[bucket] == 1 and sum(counts.values()) == 1


@pytest.mark.parametrize("days, period, rows", [(60, "dag", 60), (300, "uge", 60), (900, "måned", 42)])
def test_long_plans_are_charted_per_week_or_month_with_the_same_hours(days: int, period: str, rows: int) -> None:
    import pandas as pd

    from convert.write.report import column_chart, per_period

    index = pd.bdate_range("2027-01-04", periods=days)
    hours = pd.DataFrame({"ABJ": 3.0, "MKO": 1.5}, index=index)
    name, label, frame = per_period(hours)
    assert (name, len(frame)) == (period, rows)
    assert frame.to_numpy().sum() == pytest.approx(hours.to_numpy().sum())
    reader = ReportReader()
    reader.feed(column_chart("hours_per_day", "t", frame, label))
    assert sum(reader.charts["hours_per_day"].values()) == pytest.approx(4.5 * days)
