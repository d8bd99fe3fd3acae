"""Validate mapped tables with their pandera models (`schemas/`), lazily, and type the rows that pass.

Every failing row becomes one `rejected` ledger line listing all its problems in Danish, naming the column
and the value (CPR masked). Each typed column is parsed once: the models' checks read that parse (through
`convert.parsing.parsed_columns`) and the rows that pass keep it as their typed values.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from schemas import SCHEMAS, TABLE_LABELS, TableName, field_spec, fields_of
from schemas.contract import PARSERS

from ..danish.parse import clean_text, date_problem, mask_cpr, open_end_dates, parse_cpr, parsed_columns
from ..frames import lookup
from ..progress import stage
from .ledger import SOURCE_ROW, ledger_rows

_SHOW = 60  # characters of an offending value shown in a message

_MESSAGES = {
    "not_nullable": "{label} mangler",
    "valid_cpr": "{label}: '{value}' er ikke et gyldigt CPR-nummer ({detail})",
    "danish_date": "{label}: '{value}' er ikke en gyldig dato (brug dd-mm-åååå)",
    "no_such_day": "{label}: '{value}' findes ikke",
    "year_out_of_range": "{label}: '{value}' ligger uden for årene 1678–2261",
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
    """Text cleaning before validation: trim, drop control characters, one plain space for Unicode spaces,
    empty -> <NA>. A 9-digit CPR gets its leading 0 back (a guess, so `cpr_padded` says which rows: they are
    flagged for a person to check). An end date that is a real date in year 9999 means "no end" and is emptied;
    anything else with 9999 in it stays, and is rejected as the invalid date it is."""
    cols: dict[str, pd.Series] = {}
    for f in fields_of(table):
        s = clean_text(frame[f.name].astype("string"))
        if f.kind == "cpr":
            nine = s.str.fullmatch(r"[0-9]{9}(?:\.0)?").fillna(False).astype(bool) & pad_nine_digit_cpr
            s = s.mask(nine, "0" + s.str.replace(r"\.0$", "", regex=True))  # Excel dropped the leading zero
            cols["cpr_padded"] = nine
        if f.name == "end_date":  # ESDH systems write "31-12-9999" for "no end date": an open-ended grant
            s = s.mask(open_end_dates(s))
        cols[f.name] = s.astype("string")
    return frame.assign(**cols)


def parse_table(table: TableName, frame: pd.DataFrame) -> tuple[dict[str, pd.Series], pd.Series | None]:
    """Each typed column parsed once (<NA> where empty or invalid), and why each invalid CPR is invalid."""
    typed: dict[str, pd.Series] = {}
    cpr_errors: pd.Series | None = None
    for f in fields_of(table):
        s = frame[f.name]
        if f.kind == "cpr":
            parsed = parse_cpr(s, pad_nine_digits=False)
            typed[f.name] = parsed["cpr"].astype("string")
            typed["cpr_replacement"] = parsed["replacement"].astype(bool)
            cpr_errors = parsed["error"]
        elif f.kind in PARSERS:
            typed[f.name] = PARSERS[f.kind](s)
    return typed, cpr_errors


def schema_failures(table: TableName, frame: pd.DataFrame, typed: dict[str, pd.Series],
                    absent: Collection[str] = ()) -> pd.DataFrame:
    """The table's pandera model, lazily (every failure at once); its checks read the parses in `typed`, each
    under its column and the parser of the column's kind. A field the export has no column for (`absent`) is
    not required to have values: its column is empty because it is not there."""
    import pandera.pandas as pa

    schema = SCHEMAS[table].to_schema()
    relax = [f.name for f in fields_of(table) if f.name in absent and not f.nullable]
    if relax:
        schema = schema.update_columns({name: {"nullable": True} for name in relax})
    parses = {(f.name, PARSERS[f.kind]): typed[f.name] for f in fields_of(table) if f.kind in PARSERS}
    with parsed_columns(parses):
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            return exc.failure_cases
    return pd.DataFrame({"index": frame.index[:0], "column": "", "check": ""})


def _messages(table: TableName, failures: pd.DataFrame, frame: pd.DataFrame,
              cpr_errors: pd.Series | None = None) -> pd.DataFrame:
    """One row per failing frame index: codes and Danish reasons, in column order."""
    order = {f.name: i for i, f in enumerate(fields_of(table))}
    rows = []
    # failures only: small beside the data
    for column, check_name, idx in zip(failures["column"], failures["check"], failures["index"], strict=True):
        check = str(check_name)
        if column not in order or pd.isna(idx):
            continue
        key = "str_length" if check.startswith("str_length") else check
        f = field_spec(table, column)
        raw = frame.at[idx, column]
        detail: object = ""
        if key == "valid_cpr":
            detail = (cpr_errors.at[idx] if cpr_errors is not None else
                      parse_cpr(pd.Series([raw], dtype="string"), pad_nine_digits=False)["error"].iloc[0])
        value = mask_cpr(raw) if f.kind == "cpr" else _show(raw)
        shown = key
        if key == "danish_date" and (problem := date_problem(raw)) in _MESSAGES:
            shown = problem  # written as a date, but no such day (31-11-2024) or a year out of range
        msg = _MESSAGES.get(shown, "{label}: '{value}' fejler kontrollen " + check).format(
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


@stage("validate", "Validerer", detail=lambda table, *_, **__: TABLE_LABELS[table])
def validate_and_type(table: TableName, frame: pd.DataFrame, *, absent: Collection[str] = ()
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (rows that pass, with typed columns: cpr normalised, dates, amounts in øre, percentages;
    ledger rows for the rejected). `absent`: fields the export has no column for."""
    typed, cpr_errors = parse_table(table, frame)
    problems = _messages(table, schema_failures(table, frame, typed, absent), frame, cpr_errors)
    passed = frame.drop(index=problems.index)
    return passed.assign(**{name: col[passed.index] for name, col in typed.items()}), \
        _rejections(table, frame, problems)


@stage("duplicates", "Finder dubletter i", detail=lambda table, *_: TABLE_LABELS[table])
def split_duplicates(table: TableName, frame: pd.DataFrame, key: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Duplicate ids: an identical repeat is excluded (the first is kept); conflicting repeats are all rejected."""
    content = [f.name for f in fields_of(table)]
    dup_key = frame.duplicated(key, keep=False)
    if not dup_key.any():
        return frame, ledger_rows(frame.iloc[:0], table, "excluded", "", "")
    identical_repeat = frame.duplicated(content, keep="first")
    dups = frame[dup_key & ~identical_repeat]
    conflicting_ids = dups.loc[dups.duplicated(key, keep=False), key]
    conflict = frame[key].isin(set(conflicting_ids))
    first_row = frame.groupby(key, sort=False)[SOURCE_ROW].transform("min")
    label = field_spec(table, key).label
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
