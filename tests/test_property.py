"""Property: whatever mix of valid and invalid rows, in whatever encoding and dialect, every record has one fate.

Hypothesis writes small exports (cases, documents, asset declarations) mixing valid rows with every kind of
row-level defect, in cp1252 / UTF-8 / UTF-8 with BOM, separated by ; , or tab, with CRLF or LF and stray blank
lines, runs the CLI, and checks for every run: ledger lines = records read per file, at the text-editor line where
each record starts; each record exactly one outcome, the expected one; worksheet case rows = converted cases;
exit code 1 exactly when something was rejected; no exception escapes. Fictitious data.
"""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import (
    ASSET_HEADER,
    CASE_HEADER,
    DOC_HEADER,
    case_row,
    csv_line,
    fictitious_cpr,
    run_batch,
    sheet_data,
    write_config,
)

# kind -> (outcome, reason code or None when flags may vary)
CASE_KINDS: dict[str, tuple[str, str | None]] = {
    "valid": ("converted", None), "multiline_title": ("converted", None), "delimiter_in_title": ("converted", None),
    "formula_name": ("converted", None), "not_foot_care": ("excluded", "not_foot_care"),
    "closed": ("excluded", "status_not_active"), "bad_cpr": ("rejected", "invalid_cpr"),
    "bad_date": ("rejected", "invalid_date"), "bad_amount": ("rejected", "invalid_amount"),
    "bad_pct": ("rejected", "invalid_percentage"), "missing_status": ("rejected", "missing_value"),
    "ragged_short": ("rejected", "ragged_line"), "ragged_long": ("rejected", "ragged_line"),
    "repeat": ("excluded", "duplicate_identical"),
}
DOC_KINDS = {"valid": None, "bad_date": ("rejected", "invalid_date"), "missing_title": ("rejected", "missing_value")}
ASSET_KINDS = {"valid": None, "after_cutover": None, "bad_date": ("rejected", "invalid_date"),
               "bad_amount": ("rejected", "invalid_amount")}
NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyzæøåÆØÅéü '-=+@"

dialects = st.tuples(st.sampled_from(["cp1252", "utf-8", "utf-8-sig"]), st.sampled_from([";", ",", "\t"]),
                     st.sampled_from(["\r\n", "\n"]))
cases_st = st.lists(st.tuples(st.sampled_from(sorted(CASE_KINDS)), st.text(NAME_ALPHABET, max_size=12)),
                    min_size=1, max_size=10)
docs_st = st.lists(st.tuples(st.sampled_from(sorted(DOC_KINDS)), st.integers(0, 12)), max_size=8)
assets_st = st.lists(st.tuples(st.sampled_from(sorted(ASSET_KINDS)), st.integers(0, 12)), max_size=8)


@dataclass
class Export:
    """Records as field lists (or raw text for ragged lines) with the fate each must get."""

    name: str
    header: list[str]
    records: list[tuple[list[str] | str, tuple[str, str | None] | None]]


def _write(folder: Path, export: Export, dialect: tuple[str, str, str], blanks: list[bool]) -> dict[int, tuple]:
    """Write the file; returns {start line: expected fate} as a person would count lines."""
    encoding, delim, newline = dialect
    text, line, expected = delim.join(export.header) + newline, 2, {}
    for i, (fields, fate) in enumerate(export.records):
        if blanks[i % len(blanks)]:
            text, line = text + newline, line + 1  # a blank line is not a record
        raw = fields.replace(";", delim) if isinstance(fields, str) else csv_line(fields, delim)
        expected[line] = fate
        text += raw + newline
        line += raw.count("\n") + 1
    (folder / export.name).write_bytes(text.encode(encoding))
    return expected


def _exports(cases: list[tuple[str, str]], docs: list[tuple[str, int]], assets: list[tuple[str, int]]):
    case_records, ids, cprs, valid_lines, converted_ids = [], [], [], [], set()
    for i, (kind, name) in enumerate(cases):
        if kind == "repeat" and not valid_lines:
            kind = "valid"
        case_id, cpr = f"P-{i}", fictitious_cpr(i)
        row = case_row(case_id, cpr, name=name)
        change = {"multiline_title": (3, "Fodbehandling\nanden linje"), "delimiter_in_title": (3, "Fod; behandling, "),
                  "formula_name": (2, "=cmd|' /C calc'!A0"), "not_foot_care": (3, "Briller"),
                  "closed": (5, "Afsluttet"), "bad_cpr": (1, "310299-1234"), "bad_date": (6, "31-11-2024"),
                  "bad_amount": (10, "12,34,5"), "bad_pct": (8, "101"), "missing_status": (5, "")}.get(kind)
        if change:
            row[change[0]] = change[1]
            if kind == "not_foot_care":
                row[4] = "Briller"
        fields: list[str] | str = row
        if kind == "ragged_short":
            fields = f"{case_id};{cpr};x"
        elif kind == "ragged_long":
            fields = ";".join(row + ["ekstra"])
        elif kind == "repeat":
            fields = list(valid_lines[i % len(valid_lines)])
            case_id = fields[0]
        if kind in ("valid", "multiline_title", "delimiter_in_title", "formula_name"):
            valid_lines.append(row)
            converted_ids.add(case_id)
        case_records.append((fields, CASE_KINDS[kind]))
        ids.append(case_id)
        cprs.append(cpr)
    doc_records = []
    for j, (kind, ref) in enumerate(docs):
        case_id = ids[ref] if ref < len(ids) else "P-404"
        row = [case_id, f"DOC-{j}", "Faktura" if kind != "missing_title" else "", "", "01-01-2020", f"f{j}.pdf"]
        if kind == "bad_date":
            row[4] = "30-02-2024"
        fate = DOC_KINDS[kind] or (("converted", "category") if case_id in converted_ids else ("excluded", None))
        doc_records.append((row, fate))
    asset_records = []
    for kind, ref in assets:
        row = [cprs[ref] if ref < len(cprs) else "111111-1118", "01.03.2024", "1.000,00"]
        row[1] = {"after_cutover": "05.01.2027", "bad_date": "32.01.2024"}.get(kind, row[1])
        row[2] = "1,2,3" if kind == "bad_amount" else row[2]
        asset_records.append((row, ASSET_KINDS[kind]))
    return [Export("sager.csv", CASE_HEADER, case_records), Export("dokumenter.csv", DOC_HEADER, doc_records),
            Export("formue.csv", ASSET_HEADER, asset_records)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=cases_st, docs=docs_st, assets=assets_st, dialect=st.lists(dialects, min_size=3, max_size=3),
       blanks=st.lists(st.booleans(), min_size=1, max_size=5))
def test_every_record_has_exactly_one_fate(cases, docs, assets, dialect, blanks) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        expected = {e.name: _write(folder, e, d, blanks) for e, d in zip(_exports(cases, docs, assets), dialect,
                                                                          strict=True)}
        write_config(folder)
        result = run_batch(folder)  # an escaping exception fails the property
        assert result.exit_code == 0, result.output  # finished; rejected rows are said, not an exit code
        with (folder / "ud" / "ledger.csv").open(encoding="utf-8") as fh:
            ledger = list(csv.DictReader(fh))
        manifest = json.loads((folder / "ud" / "manifest.json").read_text(encoding="utf-8"))
        seen = {(r["source_file"], int(r["source_row"])): r for r in ledger}
        assert len(seen) == len(ledger)  # no record twice
        for name, fates in expected.items():
            lines = sorted(line for f, line in seen if f == name)
            assert lines == sorted(fates), name  # ledger lines = records read, at their start lines
            table = next(t for t, info in manifest["inputs"].items() if info["file"] == name)
            assert manifest["inputs"][table]["records"] == len(fates)
            for line, fate in fates.items():
                entry = seen[(name, line)]
                assert entry["outcome"] in ("converted", "excluded", "rejected")
                if fate is not None:
                    assert entry["outcome"] == fate[0], (name, line, entry)
                    assert fate[1] is None or entry["reason_code"] == fate[1], (name, line, entry)
                else:
                    assert entry["outcome"] != "rejected", (name, line, entry)
        sager = len(sheet_data(folder / "ud" / "konverteringsark.xlsx", "Sager"))
        converted = sum(1 for r in ledger if r["table"] == "cases" and r["outcome"] == "converted")
        assert sager == converted
