"""The synthetic ESDH export: deterministic, well-formed when clean, defects exactly where reported.

All data here is produced by `convert.sample` and fictitious.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest

from convert.devtools.sample import (
    ASSET_HEADER,
    CASE_HEADER,
    DOCUMENT_HEADER,
    generate_sample,
    generate_sample_with_report,
)

REPO = Path(__file__).resolve().parents[1]
HEADERS = {"cases": CASE_HEADER, "documents": DOCUMENT_HEADER, "assets": ASSET_HEADER}
CPR = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{2})-([0-9])[0-9]{3}")
AMOUNT = re.compile(r"(?:[1-9][0-9]{0,2}(?:\.[0-9]{3})+|[0-9]{1,3}),[0-9]{2}")
CASE_ID = re.compile(r"32\.03\.12-G01-[1-9][0-9]*-(1[5-9]|2[0-6])")


def text(path: Path) -> str:
    return path.read_bytes().decode("cp1252")


def records(path: Path) -> list[tuple[int, list[str]]]:
    """(text-editor line where the record starts, fields) for every record after the header."""
    reader = csv.reader(io.StringIO(text(path), newline=""), delimiter=";")
    next(reader)
    out, start = [], reader.line_num + 1
    for fields in reader:
        out.append((start, fields))
        start = reader.line_num + 1
    return out


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict[str, Path]:
    return generate_sample(tmp_path_factory.mktemp("clean"), cases=300, seed=1, defects=False)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    return generate_sample_with_report(tmp_path_factory.mktemp("planted"), cases=300, seed=1, defects=True)


def test_same_arguments_give_identical_bytes_and_another_seed_differs(tmp_path, planted):
    paths, _ = planted
    again = generate_sample(tmp_path / "again", cases=300, seed=1, defects=True)
    other = generate_sample(tmp_path / "other", cases=300, seed=2, defects=True)
    for key, path in paths.items():
        assert again[key].read_bytes() == path.read_bytes(), key
        assert other[key].read_bytes() != path.read_bytes(), key


def test_returns_the_three_files_named_as_esdh_exports(clean):
    assert {k: p.name for k, p in clean.items()} == {
        "cases": "sager.csv", "documents": "dokumenter.csv", "assets": "formue.csv"}


@pytest.mark.parametrize("key", ["cases", "documents", "assets"])
def test_cp1252_crlf_and_exact_header(clean, key):
    raw = clean[key].read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # no UTF-8 BOM: Windows-1252
    body = raw.decode("cp1252")
    assert body.split("\r\n", 1)[0] == HEADERS[key]
    assert body.endswith("\r\n")
    assert body.count("\n") == body.count("\r\n") == body.count("\r")


def test_danish_letters_are_windows_1252_bytes(clean):
    raw = clean["cases"].read_bytes()
    assert "ø".encode("cp1252") in raw and "ø".encode() not in raw


@pytest.mark.parametrize("key", ["cases", "documents", "assets"])
def test_clean_export_has_no_ragged_records(clean, key):
    width = HEADERS[key].count(";") + 1
    assert all(len(fields) == width for _, fields in records(clean[key]))


def test_clean_cases_are_well_formed(clean):
    rows = [fields for _, fields in records(clean["cases"])]
    assert len(rows) == 300
    ids = [r[0] for r in rows]
    assert len(set(ids)) == len(ids)
    for case_id, cpr, name, _title, benefit, status, granted, end, pct, pension, assets, worker, estimate in rows:
        assert CASE_ID.fullmatch(case_id)
        day, month, yy, seventh = (int(x) for x in CPR.fullmatch(cpr).groups())
        assert seventh <= 3 or (seventh in (4, 9) and yy >= 37)  # born 19xx (DOMAIN.md century table)
        assert 1930 <= 1900 + yy <= 1962 and dt.date(1900 + yy, month, day)
        assert name and name[0].isalpha()
        assert benefit in {"Fodbehandling", "Briller", "Tandproteser", "Medicin"}
        assert status in {"Aktiv", "Åben", "Afsluttet", "Arkiveret", "Hvilende"}
        assert dt.date(2015, 1, 1) <= dt.datetime.strptime(granted, "%d-%m-%Y").date() <= dt.date(2026, 6, 30)
        assert end == "" or dt.datetime.strptime(end, "%d-%m-%Y") > dt.datetime.strptime(granted, "%d-%m-%Y")
        assert 0 <= float(pct.replace(",", ".")) <= 100
        assert pension.startswith(("Folkepension", "Førtidspension"))
        assert assets == "" or AMOUNT.fullmatch(assets)
        assert worker in {"ABJ", "MKO", "SØL", "TRH", "LNI"}
        assert estimate == "" or (benefit == "Fodbehandling" and AMOUNT.fullmatch(estimate))


def test_clean_documents_and_assets_are_well_formed(clean):
    case_ids = {fields[0] for _, fields in records(clean["cases"])}
    docs = [fields for _, fields in records(clean["documents"])]
    assert 0.8 * 300 * 5 < len(docs) < 1.2 * 300 * 5
    assert len({d[1] for d in docs}) == len(docs)
    for case_id, doc_id, title, _kind, date, filename in docs:
        assert case_id in case_ids and title
        assert re.fullmatch(r"D[0-9]{6}", doc_id) and filename.startswith(doc_id + ".")
        dt.datetime.strptime(date, "%d-%m-%Y %H:%M" if " " in date else "%d-%m-%Y")
    declared = [fields for _, fields in records(clean["assets"])]
    people = {fields[1] for _, fields in records(clean["cases"])}
    assert len(people) <= len({a[0] for a in declared}) + 0.1 * len(people)  # few have none
    for cpr, date, amount in declared:
        assert CPR.fullmatch(cpr) and AMOUNT.fullmatch(amount)
        assert dt.date(2019, 1, 1) <= dt.datetime.strptime(date, "%d.%m.%Y").date() <= dt.date(2027, 12, 31)


def test_no_documents_when_none_per_case(tmp_path):
    paths = generate_sample(tmp_path, cases=60, documents_per_case=0.0, defects=False)
    assert text(paths["documents"]) == DOCUMENT_HEADER + "\r\n"


def test_defects_need_enough_cases(tmp_path):
    with pytest.raises(ValueError):
        generate_sample(tmp_path, cases=10, defects=True)


def test_report_lists_every_defect_kind_once(planted):
    _, report = planted
    kinds = [d.kind for d in report]
    assert len(kinds) == len(set(kinds)) == 18
    assert {"ragged_extra_field", "ragged_missing_field", "orphan_document", "document_title_formula"} <= set(kinds)


def test_ragged_records_are_exactly_the_planted_ones(planted):
    paths, report = planted
    expected = {d.lines[0]: d.kind for d in report if d.kind.startswith("ragged")}
    ragged = {line: len(fields) for line, fields in records(paths["cases"]) if len(fields) != 13}
    assert ragged == {line: 14 if kind == "ragged_extra_field" else 12 for line, kind in expected.items()}
    for key in ("documents", "assets"):
        width = HEADERS[key].count(";") + 1
        assert all(len(fields) == width for _, fields in records(paths[key]))


def test_each_planted_defect_is_on_its_reported_line(planted):
    paths, report = planted
    by_line = {key: dict(records(paths[key])) for key in ("cases", "documents")}
    for d in report:
        table = by_line["cases" if d.file == "sager.csv" else "documents"]
        for line in d.lines:
            fields = table[line]
            assert fields[0] == d.case_ids[0], d.kind
            if d.value and not d.kind.startswith(("duplicate", "ragged")):
                assert d.value in fields, d.kind  # quoted values come back exactly


def test_duplicates_identical_and_conflicting(planted):
    paths, report = planted
    lines = text(paths["cases"]).split("\n")
    same = next(d for d in report if d.kind == "duplicate_identical")
    first, repeat = (lines[n - 1] for n in same.lines)
    assert first == repeat
    conflict = next(d for d in report if d.kind == "duplicate_conflicting")
    first, repeat = (lines[n - 1] for n in conflict.lines)
    assert first != repeat and first.split(";")[0] == repeat.split(";")[0]


def test_only_the_planted_title_breaks_a_line(planted):
    paths, report = planted
    body = text(paths["cases"])
    assert body.count("\n") - body.count("\r\n") == 1
    (line,) = next(d for d in report if d.kind == "title_line_break").lines
    assert "\r" not in body.split("\n")[line - 1] and body.split("\n")[line - 1].count('"') == 1


def test_orphan_document_points_to_no_case(planted):
    paths, report = planted
    case_ids = {fields[0] for _, fields in records(paths["cases"]) if fields}
    orphans = [fields[0] for _, fields in records(paths["documents"]) if fields[0] not in case_ids]
    assert orphans == [d.case_ids[0] for d in report if d.kind == "orphan_document"]


def test_committed_sample_matches_the_generator(tmp_path):
    committed = REPO / "sample_data"
    if not (committed / "sager.csv").exists():
        pytest.skip("sample_data not generated")
    paths, report = generate_sample_with_report(tmp_path, cases=300, seed=1, defects=True)
    for path in paths.values():
        assert (committed / path.name).read_bytes() == path.read_bytes(), f"regenerate sample_data/{path.name}"
    readme = (committed / "README.md").read_text(encoding="utf-8")
    for d in report:
        assert f"`{d.kind}`" in readme, d.kind
