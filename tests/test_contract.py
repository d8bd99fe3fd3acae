"""The data contract (schemas/): one place for every field's label, aliases, kind and presence.

Parse once, same verdict: the run validates with the pandera models while their checks read the parses the run
made anyway (`convert.danish.parse.parsed_columns`, keyed by column and parser). These tests hold that to the
models on their own: for all five input tables, on a table of every defect and on the sample batch, the failing
(row, column, check) triples are exactly those of a plain `SCHEMA.validate(frame, lazy=True)` that parses every
column itself. A field's check follows from its kind, and what the stages hand on fits the output models.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

from convert.pipeline import build_batch
from convert.read.mapping import map_columns
from convert.read.table import read_input
from convert.settings.batch import load_config
from convert.stages.validate import clean, parse_table, schema_failures
from schemas import SCHEMAS, CaseRecord, Record, field, fields_of
from schemas.batch import CategorisedDocument, ConvertedCase, LedgerRow, TypedAsset, TypedCase, TypedDocument
from schemas.contract import field_specs
from schemas.esdh import Text

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "kp-convert.toml"
LONG = "x" * 32_768

# column | raw value (one row per defect, on an otherwise valid row); {EMPTY}, {SPACES} and {LONG} are filled in
DEFECTS = {
    "cases": """
        case_id         | {EMPTY}
        case_id         | {LONG}
        cpr             | {EMPTY}
        cpr             | 12345
        cpr             | 310250-1234
        cpr             | 0101501234x
        name            | {LONG}
        status          | {EMPTY}
        status          | {SPACES}
        grant_date      | 31-11-2024
        grant_date      | 1-2.2024
        end_date        | 01-13-2024
        asset_date      | 24-01-01
        tillaegsprocent | 101
        tillaegsprocent | -5
        tillaegsprocent | abc
        assets          | 12,345
        assets          | 1.23.456
        estimate        | kr
        caseworker      | {LONG}
        pension_type    | {LONG}
    """,
    "documents": """
        case_id         | {EMPTY}
        document_id     | {EMPTY}
        title           | {EMPTY}
        title           | {LONG}
        doc_date        | 2024-02-30
        filename        | {LONG}
    """,
    "assets": """
        cpr              | 999999-9999
        declaration_date | {EMPTY}
        declaration_date | i går
        assets           | 1,2,3
    """,
    "kp_report": """
        case_id          | {LONG}
        cpr              | {EMPTY}
        cpr              | 3102501234
        application_date | 31-11-2024
        start_date       | 04.13.2027
        end_date         | 2027-02-30
        case_type        | {LONG}
        esdh_case_id     | {LONG}
    """,
    "esdh_export": """
        case_id          | {EMPTY}
        status           | {EMPTY}
        status           | {LONG}
    """,
}
VALID = {
    "cases": {"case_id": "S-1", "cpr": "010150-1234", "name": "Søren", "title": "Fodbehandling",
              "benefit": "Fodbehandling", "status": "Aktiv", "grant_date": "01-02-2020", "end_date": "",
              "tillaegsprocent": "75,5", "pension_type": "Folkepension", "asset_date": "2024-01-01",
              "assets": "1.234,50", "caseworker": "ABJ", "estimate": "435,00"},
    "documents": {"case_id": "S-1", "document_id": "D1", "title": "Ansøgning", "doc_type": "Indgående",
                  "doc_date": "01.02.2024", "filename": "d1.pdf"},
    "assets": {"cpr": "0101501234", "declaration_date": "01-01-2024", "assets": "45.000,00"},
    "kp_report": {"case_id": "KP-1", "cpr": "010150-1234", "name": "Søren", "case_type": "Fodbehandling",
                  "title": "Udvidet helbredstillæg", "application_date": "01-03-2024", "start_date": "04-01-2027",
                  "end_date": "", "status": "Aktiv", "esdh_case_id": "S-1", "document_count": "3"},
    "esdh_export": {"case_id": "S-1", "status": "Lukket", "closing_note": "Sagen behandles i KP fra 04-01-2027. " + LONG},
}


def _pandera_failures(table: str, frame: pd.DataFrame) -> set[tuple[int, str, str]]:
    try:
        SCHEMAS[table].validate(frame, lazy=True)
        return set()
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    names = {f.name for f in fields_of(table)}
    return {(int(r.index), r.column, "str_length" if str(r.check).startswith("str_length") else str(r.check))
            for r in cases.itertuples() if r.column in names and not pd.isna(r.index)}


def _ours(table: str, frame: pd.DataFrame) -> set[tuple[int, str, str]]:
    typed, _ = parse_table(table, frame)  # type: ignore[arg-type]
    failures = schema_failures(table, frame, typed)  # type: ignore[arg-type]
    names = {f.name for f in fields_of(table)}
    return {(int(i), c, "str_length" if str(k).startswith("str_length") else str(k))
            for i, c, k in failures[["index", "column", "check"]].itertuples(index=False)
            if c in names and not pd.isna(i)}


def _frame(table: str) -> pd.DataFrame:
    rows = [dict(VALID[table])]
    for line in DEFECTS[table].strip().splitlines():
        column, value = (part.strip() for part in line.split("|", 1))
        rows.append({**VALID[table], column: value.format(EMPTY="", SPACES="   ", LONG=LONG)})
    frame = pd.DataFrame(rows, dtype=object).assign(source_file="x.csv", source_row=range(2, len(rows) + 2))
    return clean(table, frame, pad_nine_digit_cpr=True)  # type: ignore[arg-type]


@pytest.mark.parametrize("table", list(SCHEMAS))
def test_every_defect_is_found_exactly_as_the_pandera_model_finds_it(table: str) -> None:
    frame = _frame(table)
    ours = _ours(table, frame)
    assert ours == _pandera_failures(table, frame)
    assert {i for i, _, _ in ours} == set(range(1, len(frame)))  # every defect row fails, the valid row passes


def test_the_sample_batch_gets_the_pandera_verdict() -> None:
    config = load_config(SAMPLE)
    found = 0
    for table, spec in config.inputs.items():
        frame = map_columns(read_input(spec)).frame
        frame = clean(table, frame, pad_nine_digit_cpr=config.pad_nine_digit_cpr)  # type: ignore[arg-type]
        ours = _ours(table, frame)
        assert ours == _pandera_failures(table, frame), table
        found += len(ours)
    assert found  # the sample has planted defects: the comparison is not between two empty sets


def test_the_run_validates_with_the_pandera_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The schema validation runs is the model's own (`to_schema()`), not a copy."""
    seen: list[str] = []
    real = SCHEMAS["assets"].to_schema

    def spy():  # type: ignore[no-untyped-def]
        seen.append("assets")
        return real()

    monkeypatch.setattr(SCHEMAS["assets"], "to_schema", spy)
    frame = _frame("assets")
    from convert.stages.validate import validate_and_type
    passed, rejected = validate_and_type("assets", frame)
    assert seen == ["assets"] and len(passed) == 1 and len(rejected) == len(frame) - 1


def test_checks_read_the_parse_instead_of_parsing_again() -> None:
    from convert.danish.parse import parsed, parsed_columns

    def must_not_run(s: pd.Series) -> pd.Series:
        raise AssertionError("parsed twice")

    column = pd.Series(["a", None, "b"], name="x", dtype="string")
    with parsed_columns({("x", must_not_run): pd.Series([1, pd.NA, 2], dtype="Int64")}):
        assert parsed(column.dropna(), must_not_run).tolist() == [1, 2]


def test_a_check_with_another_parser_parses_for_itself() -> None:
    """The cache is keyed by column and parser: a parse made for another kind is never read as this one."""
    from convert.danish.parse import parse_amounts_ore, parse_dates, parsed, parsed_columns

    column = pd.Series(["1.234,50", "31-11-2024"], name="x", dtype="string")
    with parsed_columns({("x", parse_dates): parse_dates(column)}):
        assert parsed(column, parse_amounts_ore).tolist() == [123450, pd.NA]
        assert parsed(column, parse_dates).isna().tolist() == [True, True]


def test_every_field_says_what_it_is() -> None:
    """Each field has a Danish label and a kind; no header alias is claimed by two fields of one table."""
    for table, model in SCHEMAS.items():
        specs = fields_of(table)
        assert specs and all(f.label and f.kind in ("text", "cpr", "date", "amount", "percent") for f in specs)
        assert [f.name for f in specs] == list(model.to_schema().columns), table
        seen: dict[str, str] = {}
        for f in specs:
            for alias in {a.casefold().replace(" ", "") for a in f.aliases}:
                assert seen.setdefault(alias, f.name) == f.name, (table, alias, f.name, seen[alias])


def test_a_new_date_field_is_checked_as_a_date_because_it_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A field added to the contract gets its kind's check and message without any other change."""
    from convert.stages import validate

    class WithReview(CaseRecord):
        review_date: Text = field("Revurderingsdato", "date", ("Revurderingsdato",))

    raw = pd.DataFrame([{**VALID["cases"], "review_date": "31-11-2024"}], dtype=object).assign(
        source_file="x.csv", source_row=2)
    monkeypatch.setitem(SCHEMAS, "cases", WithReview)
    frame = validate.clean("cases", raw, pad_nine_digit_cpr=True)
    passed, rejected = validate.validate_and_type("cases", frame)
    assert len(passed) == 0 and rejected["reason_code"].tolist() == ["invalid_date"]
    assert "Revurderingsdato: '31-11-2024'" in rejected["reason"].iloc[0]
    good = frame.assign(review_date=pd.array(["30-11-2024"], dtype="string"))
    passed, _ = validate.validate_and_type("cases", good)
    assert passed["review_date"].iloc[0] == pd.Timestamp("2024-11-30")


def test_what_the_stages_hand_on_fits_the_output_models() -> None:
    """The sample batch's frames, and the typed tables in between, validate against their models."""
    from convert.read.mapping import map_columns as map_
    from convert.stages.validate import validate_and_type

    config = load_config(SAMPLE)
    for table, model in (("cases", TypedCase), ("documents", TypedDocument), ("assets", TypedAsset)):
        frame = map_(read_input(config.inputs[table])).frame
        typed, _ = validate_and_type(table, clean(table, frame, pad_nine_digit_cpr=True))
        model.validate(typed, lazy=True)
    batch = build_batch(config)
    ConvertedCase.validate(batch.cases, lazy=True)
    CategorisedDocument.validate(batch.documents, lazy=True)
    LedgerRow.validate(batch.ledger, lazy=True)
    assert isinstance(field_specs(CaseRecord), tuple) and issubclass(CaseRecord, Record)
