"""Validate mapped tables against their contract (the pandera models in `schemas/`) and type the rows that pass.

Every failing row becomes one `rejected` ledger line listing all its problems in Danish, naming the column
and the value (CPR masked). For the batch's inputs (`validate_and_type`) each typed column is parsed once: the
parse both finds the invalid cells and gives the typed values of the rows that pass. There the models' checks
run as the vectorised parsers directly: pandera's import and machinery cost a third of a small run, and
tests/test_contract.py proves the verdicts equal pandera's `validate(lazy=True)` on every kind of defect.
Other tables (the reconcile inputs) are validated by their pandera model (`validate_table`, `type_rows`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .fields import ESDH_TABLES, FIELDS, MAX_TEXT_LENGTH, TABLE_LABELS, TableName, spec
from .frames import lookup
from .ledger import SOURCE_ROW, ledger_rows
from .parsing import (
    clean_text,
    mask_cpr,
    parse_amounts_ore,
    parse_cpr,
    parse_dates,
    parse_percentages,
)
from .progress import stage

_SHOW = 60  # characters of an offending value shown in a message

_MESSAGES = {
    "not_nullable": "{label} mangler",
    "valid_cpr": "{label}: '{value}' er ikke et gyldigt CPR-nummer ({detail})",
    "danish_date": "{label}: '{value}' er ikke en gyldig dato (brug dd-mm-åååå)",
    "danish_amount": "{label}: '{value}' er ikke et gyldigt beløb (brug fx 1.234,50)",
    "percentage": "{label}: '{value}' er ikke en procent mellem 0 og 100",
    "str_length": "{label}: teksten er {length} tegn – mere end Excels grænse på 32.767 tegn",
}
_REASON_CODES = {"not_nullable": "missing_value", "valid_cpr": "invalid_cpr", "danish_date": "invalid_date",
                 "danish_amount": "invalid_amount", "percentage": "invalid_percentage",
                 "str_length": "text_too_long"}


def _show(value: object) -> str:
    text = "" if value is None or value is pd.NA else str(value)
    text = text.replace("\r", " ").replace("\n", " ")
    return text if len(text) <= _SHOW else text[:_SHOW] + "…"


@stage("clean", "Renser", detail=lambda table, *_, **__: TABLE_LABELS[table])
def clean(table: TableName, frame: pd.DataFrame, *, pad_nine_digit_cpr: bool) -> pd.DataFrame:
    """Text cleaning before validation: trim, drop control characters, empty -> <NA>."""
    cols = {}
    for f in FIELDS[table]:
        s = clean_text(frame[f.name].astype("string"))
        if f.kind == "cpr" and pad_nine_digit_cpr:
            nine = s.str.fullmatch(r"\d{9}(?:\.0)?").fillna(False).astype(bool)
            s = s.mask(nine, "0" + s.str.replace(r"\.0$", "", regex=True))  # Excel dropped the leading zero
        if f.name == "end_date":  # ESDH systems write "31-12-9999" for "no end date": an open-ended grant
            s = s.mask(s.str.contains(r"(?:^|\D)9999(?:\D|$)", regex=True).fillna(False).astype(bool))
        cols[f.name] = s.astype("string")
    return frame.assign(**cols)


# the model's check per field kind, and the parser that decides it (a cell passes if it parses)
_KIND_CHECKS = {"cpr": "valid_cpr", "date": "danish_date", "amount": "danish_amount", "percent": "percentage"}
_PARSERS = {"date": parse_dates, "amount": parse_amounts_ore, "percent": parse_percentages}


def check_table(table: TableName, frame: pd.DataFrame
                ) -> tuple[pd.DataFrame, dict[str, pd.Series], pd.Series | None]:
    """The contract's checks on a cleaned frame (empty cells are <NA>), each typed column parsed once: for the
    batch's inputs, whose required fields are exactly the models' non-nullable ones (tests/test_contract.py).

    Returns the failures (columns index, column, check: one row per failing cell and check, as pandera's
    `failure_cases`), the typed columns for every row (NA where a cell is empty or invalid) and, for a table
    with a CPR column, why each invalid CPR is invalid."""
    if table not in ESDH_TABLES:
        raise ValueError(f"{table}: validate it by its model (validate_table)")
    found: list[pd.DataFrame] = []
    typed: dict[str, pd.Series] = {}
    cpr_errors: pd.Series | None = None

    def fail(mask: object, column: str, check: str) -> None:
        idx = frame.index[np.asarray(mask, dtype=bool)]
        if len(idx):
            found.append(pd.DataFrame({"index": idx, "column": column, "check": check}))

    for f in FIELDS[table]:
        s = frame[f.name]
        empty = s.isna().to_numpy(dtype=bool)
        if f.required:
            fail(empty, f.name, "not_nullable")
        if f.kind == "text":
            fail(s.str.len().gt(MAX_TEXT_LENGTH).to_numpy(dtype=bool, na_value=False), f.name, "str_length")
            continue
        if f.kind == "cpr":
            parsed = parse_cpr(s, pad_nine_digits=False)
            value = parsed["cpr"]
            typed["cpr_replacement"] = parsed["replacement"].astype(bool)
            cpr_errors = parsed["error"]
        else:
            value = _PARSERS[f.kind](s)
        typed[f.name] = value.astype("string") if f.kind == "cpr" else value
        fail(~empty & value.isna().to_numpy(dtype=bool), f.name, _KIND_CHECKS[f.kind])
    failures = (pd.concat(found, ignore_index=True) if found
                else pd.DataFrame({"index": frame.index[:0], "column": "", "check": ""}))
    return failures, typed, cpr_errors


def _messages(table: TableName, failures: pd.DataFrame, frame: pd.DataFrame,
              cpr_errors: pd.Series | None = None) -> pd.DataFrame:
    """One row per failing frame index: codes and Danish reasons, in column order."""
    order = {f.name: i for i, f in enumerate(FIELDS[table])}
    rows = []
    for rec in failures.itertuples(index=False):  # failures only: small beside the data
        column, check, idx = rec.column, str(rec.check), rec.index
        if column not in order or pd.isna(idx):
            continue
        key = "str_length" if check.startswith("str_length") else check
        f = spec(table, column)
        raw = frame.at[idx, column]
        detail: object = ""
        if key == "valid_cpr":
            detail = (cpr_errors.at[idx] if cpr_errors is not None else
                      parse_cpr(pd.Series([raw], dtype="string"), pad_nine_digits=False)["error"].iloc[0])
        value = mask_cpr(raw) if f.kind == "cpr" else _show(raw)
        msg = _MESSAGES.get(key, "{label}: '{value}' fejler kontrollen " + check).format(
            label=f.label, value=value, detail=detail if isinstance(detail, str) else "ugyldigt",
            length=len(str(raw)) if raw is not None else 0)
        rows.append((idx, order[column], _REASON_CODES.get(key, check), msg))
    if not rows:
        return pd.DataFrame(columns=["reason_code", "reason"])
    df = pd.DataFrame(rows, columns=["idx", "pos", "code", "msg"]).drop_duplicates(["idx", "code", "msg"])
    df = df.sort_values(["idx", "pos"], kind="stable")
    grouped = df.groupby("idx", sort=True)
    return pd.DataFrame({"reason_code": grouped["code"].agg(lambda c: "|".join(dict.fromkeys(c))),
                         "reason": grouped["msg"].agg("; ".join)})


def _rejections(table: TableName, frame: pd.DataFrame, problems: pd.DataFrame) -> pd.DataFrame:
    bad = frame.loc[problems.index]
    case_ids = bad["case_id"] if "case_id" in bad else ""
    return ledger_rows(bad, table, "rejected", problems["reason_code"], problems["reason"], case_id=case_ids)


@stage("validate", "Validerer", detail=lambda table, *_: TABLE_LABELS[table])
def validate_and_type(table: TableName, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The batch's inputs (cases, documents, assets): returns (rows that pass, with typed columns: cpr
    normalised, dates, amounts in øre, percentages; ledger rows for the rejected). Each column parsed once."""
    failures, typed, cpr_errors = check_table(table, frame)
    problems = _messages(table, failures, frame, cpr_errors)
    passed = frame.drop(index=problems.index)
    return passed.assign(**{name: col[passed.index] for name, col in typed.items()}), \
        _rejections(table, frame, problems)


def validate_table(table: TableName, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Any table, by its pandera model (the reconcile inputs): returns (rows that pass, still text; ledger rows
    for the rejected). `type_rows` types them."""
    import pandera.pandas as pa  # heavy: only when a table is validated by its model

    from schemas import SCHEMAS

    try:
        SCHEMAS[table].validate(frame, lazy=True)
        return frame, ledger_rows(frame.iloc[:0], table, "rejected", "", "")
    except pa.errors.SchemaErrors as exc:
        problems = _messages(table, exc.failure_cases, frame)
    return frame.drop(index=problems.index), _rejections(table, frame, problems)


def type_rows(table: TableName, frame: pd.DataFrame) -> pd.DataFrame:
    """Parse validated text into typed columns (cpr normalised; dates; amounts in øre; percentages)."""
    out = {}
    for f in FIELDS[table]:
        s = frame[f.name]
        if f.kind == "cpr":
            parsed = parse_cpr(s, pad_nine_digits=False)
            out[f.name] = parsed["cpr"].astype("string")
            out["cpr_replacement"] = parsed["replacement"].astype(bool)
        elif f.kind == "date":
            out[f.name] = parse_dates(s)
        elif f.kind == "amount":
            out[f.name] = parse_amounts_ore(s)  # øre, exact
        elif f.kind == "percent":
            out[f.name] = parse_percentages(s)
    return frame.assign(**out)


@stage("duplicates", "Finder dubletter i", detail=lambda table, *_: TABLE_LABELS[table])
def split_duplicates(table: TableName, frame: pd.DataFrame, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Duplicate ids: an identical repeat is excluded (the first is kept); conflicting repeats are all rejected."""
    content = [f.name for f in FIELDS[table]]
    dup_key = frame.duplicated(key, keep=False)
    if not dup_key.any():
        return frame, ledger_rows(frame.iloc[:0], table, "excluded", "", "")
    identical_repeat = frame.duplicated(content, keep="first")
    dups = frame[dup_key & ~identical_repeat]
    conflicting_ids = dups.loc[dups.duplicated(key, keep=False), key]
    conflict = frame[key].isin(set(conflicting_ids))
    first_row = frame.groupby(key, sort=False)[SOURCE_ROW].transform("min")
    label = spec(table, key).label
    repeat = frame[identical_repeat & ~conflict]
    # .astype: with no conflicting ids the empty aggregate stays int64, and adding text to it raises
    lines = frame[conflict].groupby(key)[SOURCE_ROW].agg(lambda r: ", ".join(map(str, sorted(r)))).astype("string")
    entries = [
        ledger_rows(repeat, table, "excluded", "duplicate_identical",
                    "Dublet: samme indhold som linje " + first_row[repeat.index].astype(str),
                    case_id=repeat["case_id"]),
        ledger_rows(frame[conflict], table, "rejected", "duplicate_conflicting",
                    f"{label} findes flere gange med forskelligt indhold (linje "
                    + lookup(frame.loc[conflict, key], lines) + ")", case_id=frame.loc[conflict, "case_id"]),
    ]
    return frame[~identical_repeat & ~conflict], pd.concat(entries, ignore_index=True)
