"""The ledger: one line per input record, built as the pipeline runs.

Each stage that drops or finishes rows hands them here with an outcome, a reason code and a Danish
reason. `check_conservation` proves at the end that every record read has exactly one line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from schemas.batch import LEDGER_COLUMNS, LedgerRow

from ..codes import OUTCOMES
from ..errors import ConservationError
from ..progress import stage

SOURCE_FILE, SOURCE_ROW = LedgerRow.source_file, LedgerRow.source_row


def ledger_rows(frame: pd.DataFrame, table: str, outcome: str, reason_code: object, reason: object,
                *, case_id: object = None) -> pd.DataFrame:
    """Ledger lines for every row of `frame` (scalars or aligned Series for code, reason and case id)."""
    if case_id is None:
        case_id = frame["case_id"] if "case_id" in frame else ""
    out = pd.DataFrame({
        SOURCE_FILE: frame[SOURCE_FILE],
        SOURCE_ROW: frame[SOURCE_ROW],
        "table": table,
        "case_id": case_id,
        "outcome": outcome,
        "reason_code": reason_code,
        "reason": reason,
    }, index=frame.index, columns=LEDGER_COLUMNS)
    return out


@stage("ledger", "Samler ledger")
def combine(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = [p[LEDGER_COLUMNS] for p in parts if len(p)]
    if not frames:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    # sorted by file and line: the order from the two key columns, then one column at a time put in that order,
    # so a large batch holds the parts and one ledger, not the parts, a concatenated copy and a sorted one
    keys = pd.concat([f[[SOURCE_FILE, SOURCE_ROW]] for f in frames], ignore_index=True).astype({SOURCE_ROW: "int64"})
    order = keys.sort_values([SOURCE_FILE, SOURCE_ROW], kind="stable").index.to_numpy()
    del keys
    columns = {}
    for col in LEDGER_COLUMNS:
        values = pd.concat([f[col] for f in frames], ignore_index=True)
        if col in ("case_id", "reason_code", "reason"):
            values = values.astype("string").fillna("")
        elif col == SOURCE_ROW:
            values = values.astype("int64")
        columns[col] = values.take(order).reset_index(drop=True)
    return pd.DataFrame(columns)


@stage("conservation", "Kontrollerer ledger")
def check_conservation(ledger: pd.DataFrame, records_read: dict[str, int]) -> None:
    """Records read = ledger lines, per file, and no record twice. Raises loudly if not (a bug)."""
    counts = ledger.groupby(SOURCE_FILE).size().to_dict()
    problems = [f"{name}: læst {n}, i loggen {counts.get(name, 0)}"
                for name, n in records_read.items() if counts.get(name, 0) != n]
    problems += [f"{name}: i loggen, men ikke læst" for name in counts if name not in records_read]
    twice = ledger.duplicated([SOURCE_FILE, SOURCE_ROW])
    if twice.any():
        first = ledger[twice].iloc[0]
        problems.append(f"{first[SOURCE_FILE]} linje {first[SOURCE_ROW]} står flere gange i loggen")
    bad_outcome = ~ledger["outcome"].isin(OUTCOMES)
    if bad_outcome.any():
        problems.append(f"ukendt udfald {ledger.loc[bad_outcome, 'outcome'].iloc[0]!r}")
    if problems:
        raise ConservationError("Loggen (ledger) stemmer ikke med de læste poster – dette er en fejl i kp-convert: "
                                + "; ".join(problems))


# (mask, outcome, reason code, Danish reason); the reason may be a function of the rows the rule decides
# (a boolean mask), so a message is built only for those rows
Rule = tuple[pd.Series, str, str, "pd.Series | str | Callable[[pd.Series], pd.Series | str]"]


def first_rule_wins(frame: pd.DataFrame, table: str, rules: list[Rule], *,
                    case_id: object = None) -> tuple[pd.Series, pd.DataFrame]:
    """Apply ordered rules; each row gets the first rule whose mask holds. Returns (decided mask, ledger rows)."""
    decided = pd.Series(False, index=frame.index)
    parts = [ledger_rows(frame.iloc[:0], table, "excluded", "", "", case_id="" if case_id is not None else None)]
    for mask, outcome, code, reason in rules:
        hit = mask.fillna(False).astype(bool) & ~decided
        if hit.any():
            ids = case_id[hit] if isinstance(case_id, pd.Series) else case_id
            text = reason(hit) if callable(reason) else reason[hit] if isinstance(reason, pd.Series) else reason
            parts.append(ledger_rows(frame[hit], table, outcome, code, text, case_id=ids))
        decided |= hit
    return decided, pd.concat(parts, ignore_index=True)
