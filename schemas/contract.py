"""The building blocks of the data contract: a field carries its Danish label, header aliases, kind and presence.

Every model in `schemas/` declares its columns with `field(...)`; everything else is derived from that one place:
the header mapping (aliases), the parsing and the check a column gets (its kind), the Danish messages (its label),
whether a file must have the column (`required`, pandera's own meaning) and whether a value may be empty
(`nullable`). A date field is checked as a date because it *is* one: a new field cannot forget its check.

The checks read the parse validation already made (`convert.danish.parse.parsed`), looked up by column *and*
parser, so a check never reads another kind's parse: a drift costs time, never a wrong verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import pandas as pd
import pandera.pandas as pa
from pandera import extensions

from convert.danish.parse import cpr_value, parse_amounts_ore, parse_dates, parse_percentages, parsed

Kind = Literal["text", "cpr", "date", "amount", "percent"]
MAX_TEXT_LENGTH = 32_767  # Excel's limit for one cell: longer text cannot be written to the worksheet


# One named check per kind (the names are the ledger's vocabulary: see convert.stages.validate).
@extensions.register_check_method()
def valid_cpr(s: pd.Series) -> pd.Series:
    return parsed(s, cpr_value).notna()


@extensions.register_check_method()
def danish_date(s: pd.Series) -> pd.Series:
    return parsed(s, parse_dates).notna()


@extensions.register_check_method()
def danish_amount(s: pd.Series) -> pd.Series:
    return parsed(s, parse_amounts_ore).notna()


@extensions.register_check_method()
def percentage(s: pd.Series) -> pd.Series:
    return parsed(s, parse_percentages).notna()


PARSERS: dict[str, Callable[[pd.Series], pd.Series]] = {"cpr": cpr_value, "date": parse_dates,
                                                         "amount": parse_amounts_ore, "percent": parse_percentages}
_KIND_CHECKS: dict[str, dict[str, Any]] = {
    "text": {"str_length": {"max_value": MAX_TEXT_LENGTH}},
    "cpr": {"valid_cpr": ()},
    "date": {"danish_date": ()},
    "amount": {"danish_amount": ()},
    "percent": {"percentage": ()},
}


def field(label: str, kind: Kind = "text", aliases: tuple[str, ...] = (), *, required: bool = False,
          nullable: bool = True, limit_length: bool = True) -> Any:
    """A column of an input table. `required`: the file must have the column; `nullable=False`: every row needs a
    value. `limit_length=False` leaves a text column without Excel's cell limit (text that is only compared)."""
    checks = _KIND_CHECKS[kind] if kind != "text" or limit_length else {}
    return pa.Field(title=label, nullable=nullable, required=required,
                    metadata={"kind": kind, "aliases": tuple(aliases)}, **checks)


@dataclass(frozen=True)
class FieldSpec:
    """What the contract says about one column, in plain data (for mapping, parsing, messages and the profile)."""

    name: str
    label: str  # Danish, used in messages and the worksheet
    kind: Kind
    required: bool  # the file must have the column
    nullable: bool  # a row may leave it empty
    aliases: tuple[str, ...]


class Record(pa.DataFrameModel):
    """Base of the input tables: text columns after mapping, empty cells as <NA>; `source_file` and `source_row`
    travel alongside (not part of the model, hence not strict)."""

    class Config:
        title: str | None = None  # the table's Danish name: every input table sets it
        strict = False
        coerce = False


@cache
def field_specs(model: type[pa.DataFrameModel]) -> tuple[FieldSpec, ...]:
    """The model's fields in declared order (the order mapping claims headers and messages list problems)."""
    out = []
    for name, column in model.to_schema().columns.items():
        meta = column.metadata or {}
        out.append(FieldSpec(name=str(name), label=column.title or str(name), kind=meta.get("kind", "text"),
                             required=bool(column.required), nullable=bool(column.nullable),
                             aliases=tuple(meta.get("aliases", ()))))
    return tuple(out)
