"""`Batch`: everything one run knows, handed from the stages to re-runs, pseudonymisation and the writers.

A leaf of the package (only the settings, the plan's result types and the contract below it), so every layer
above may import it and nothing imports upward.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from schemas.batch import ConvertedCase as C
from schemas.batch import LedgerRow as L

from .codes import OUTCOMES
from .plan.planning import Plan
from .plan.staging import StagingResult
from .settings.batch import Config
from .stages.compute import Notice


class Extension(Protocol):
    """Something a step adds to a run's outputs (the re-run report, the pseudonymisation note)."""

    def overview_blocks(self) -> list[tuple[str, list[list[object]]]]: ...
    def tables(self) -> list[Any]: ...  # convert.write.xlsx.Table
    def console_lines(self) -> list[str]: ...
    def manifest(self) -> dict[str, object]: ...


@dataclass
class Batch:
    """The converted cases and documents, the ledger, and what was read."""

    config: Config
    cases: pd.DataFrame  # schemas.batch.ConvertedCase
    documents: pd.DataFrame  # schemas.batch.CategorisedDocument (documents of converted cases)
    ledger: pd.DataFrame  # schemas.batch.LedgerRow: one line per input record
    # per table: file facts for the manifest (file, path, records, columns, and what the reader noted: format,
    # encoding, warnings …; JSON-like, hence Any)
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    present: dict[str, set[str]] = field(default_factory=dict)  # per table: canonical fields found in the file
    plan: Plan | None = None  # batches, caseworkers and days for a manual conversion
    staging: StagingResult | None = None  # document files to copy / copied for drag-and-drop (only by `run`)
    checklist: pd.DataFrame | None = None  # the team's entries from the previous worksheet, indexed by case id
    extensions: tuple[Extension, ...] = ()  # re-run report, pseudonymisation: Oversigt blocks, sheets, manifest …
    not_checked: dict[str, str] = field(default_factory=dict)  # flag code -> why its check did not run
    notices: list[Notice] = field(default_factory=list)  # gaps of the whole batch, each said once
    # the cells of the tool's columns the team changed, kept by the writer (convert.team_edits)
    team_edits: pd.DataFrame | None = None
    order_scope: pd.DataFrame | None = None  # per case: in the Netcompany order or not, and why (convert.order.scope)

    def outcome_counts(self) -> pd.DataFrame:
        """Rows: table; columns: converted / excluded / rejected (zeros filled)."""
        counts = self.ledger.groupby([L.table, L.outcome]).size().unstack(fill_value=0)
        tables = list(self.inputs) or list(counts.index)  # a file with no records still has its line (0 read)
        return counts.reindex(index=tables, columns=list(OUTCOMES), fill_value=0)

    def flag_counts(self) -> dict[str, int]:
        codes = self.cases[C.flag_codes].str.split("|").explode()
        return {str(code): int(n) for code, n in codes[codes.ne("") & codes.notna()].value_counts().items()}

    @property
    def rejected_count(self) -> int:
        return int((self.ledger[L.outcome] == "rejected").sum())
