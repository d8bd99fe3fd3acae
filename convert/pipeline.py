"""The conversion pipeline, top to bottom: read → map → validate → select → compute → categorise → plan → write.

Each stage is a pure function over frames (files are touched only by `read_input` and `write_outputs`),
and each stage that drops rows hands them to the ledger with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .categorise import CATEGORY, assign_document_categories
from .compute import FLAG_CODES, add_flag, asset_fates, compute_kp_dates
from .config import UNCATEGORISED, Config
from .documents import document_fates
from .extract import map_columns, ragged_rejections, read_input
from .frames import lookup
from .ledger import check_conservation, combine, ledger_rows
from .planning import Plan, plan_conversion
from .select import select_running_foot_care
from .validate import clean, split_duplicates, validate_and_type

if TYPE_CHECKING:
    from .staging import StagingResult


@dataclass
class Batch:
    """Everything one run knows: the converted cases and documents, the ledger, and what was read."""

    config: Config
    cases: pd.DataFrame  # converted cases: typed fields + application/start date + flags + document count
    documents: pd.DataFrame  # documents of converted cases, with their KP category
    ledger: pd.DataFrame
    inputs: dict[str, dict[str, object]] = field(default_factory=dict)  # per table: file facts for the manifest
    present: dict[str, set[str]] = field(default_factory=dict)  # per table: canonical fields found in the file
    plan: Plan | None = None  # batches, caseworkers and days for a manual conversion
    staging: StagingResult | None = None  # document files copied for drag-and-drop (only by `run`)
    checklist: pd.DataFrame | None = None  # the team's entries from the previous worksheet, indexed by case id
    extensions: tuple[Any, ...] = ()  # re-run report, pseudonymisation: Oversigt blocks, sheets, manifest, console

    def outcome_counts(self) -> pd.DataFrame:
        """Rows: table; columns: converted / excluded / rejected (zeros filled)."""
        counts = self.ledger.groupby(["table", "outcome"]).size().unstack(fill_value=0)
        tables = list(self.inputs) or list(counts.index)  # a file with no records still has its line (0 read)
        return counts.reindex(index=tables, columns=["converted", "excluded", "rejected"], fill_value=0)

    def flag_counts(self) -> dict[str, int]:
        codes = self.cases[FLAG_CODES].str.split("|").explode()
        return codes[codes.ne("") & codes.notna()].value_counts().to_dict()

    @property
    def rejected_count(self) -> int:
        return int((self.ledger["outcome"] == "rejected").sum())


def build_batch(config: Config) -> Batch:
    raw = {table: read_input(spec) for table, spec in config.inputs.items()}               # read
    ledger: list[pd.DataFrame] = []
    valid: dict[str, pd.DataFrame] = {}
    inputs: dict[str, dict[str, object]] = {}
    present: dict[str, set[str]] = {}
    for table, r in raw.items():
        frame, mapping = map_columns(r)                                                     # map
        ledger.append(ragged_rejections(r, mapping))
        frame = clean(table, frame, pad_nine_digit_cpr=config.pad_nine_digit_cpr)            # type: ignore[arg-type]
        valid[table], rejected = validate_and_type(table, frame)                           # type: ignore[arg-type]
        ledger.append(rejected)
        present[table] = set(mapping)
        inputs[table] = {"file": r.spec.name, "path": str(r.spec.path), "records": r.records_read,
                         "columns": mapping, **r.meta}

    cases, dups = split_duplicates("cases", valid["cases"], "case_id")
    ledger.append(dups)
    selected, excluded = select_running_foot_care(cases, config)                           # select
    ledger.append(excluded)

    assets = valid.get("assets")
    converted, latest = compute_kp_dates(selected, assets, config, present["cases"])       # compute
    if assets is not None:
        ledger.append(asset_fates(assets, latest, converted["cpr"], cases["cpr"],
                                  pd.Timestamp(config.cutover_date)))

    documents = valid.get("documents")
    converted_docs = None
    if documents is not None:
        documents, doc_dups = split_duplicates("documents", documents, "document_id")
        ledger.append(doc_dups)
        converted_docs, doc_ledger = document_fates(
            documents, converted_ids=converted["case_id"], excluded=excluded,
            rejected_case_ids=_rejected_case_ids(ledger), all_case_ids=cases["case_id"])
        ledger.append(doc_ledger)
        converted_docs = assign_document_categories(converted_docs, config.category_rules)  # categorise
        ledger.append(ledger_rows(converted_docs, "documents", "converted", "category",
                                  "Dokumentkategori: " + converted_docs[CATEGORY]))
    converted = _count_documents(converted, converted_docs)
    converted, plan = plan_conversion(converted, config.planning, config.cutover_date)      # plan

    ledger.append(ledger_rows(converted, "cases", "converted", converted[FLAG_CODES],
                              converted["remarks"]))
    full = combine(ledger)
    check_conservation(full, {r.spec.name: r.records_read for r in raw.values()})
    docs = converted_docs if converted_docs is not None else pd.DataFrame(
        columns=["case_id", "document_id", "title", "doc_type", "doc_date", "filename", CATEGORY])
    return Batch(config=config, cases=converted.sort_values("case_id", kind="stable"),
                 documents=docs.sort_values(["case_id", "doc_date", "document_id"], kind="stable"),
                 ledger=full, inputs=inputs, present=present, plan=plan)


def _rejected_case_ids(ledger: list[pd.DataFrame]) -> set[str]:
    ids: set[str] = set()
    for part in ledger:
        if len(part):
            hit = (part["table"] == "cases") & (part["outcome"] == "rejected")
            ids |= set(part.loc[hit, "case_id"].dropna().astype(str))
    return ids - {""}


def _count_documents(cases: pd.DataFrame, docs: pd.DataFrame | None) -> pd.DataFrame:
    if docs is None:
        return cases.assign(document_count=pd.NA, uncategorised_count=0)
    per_case = docs.groupby("case_id").size()
    unsure = docs[docs[CATEGORY] == UNCATEGORISED].groupby("case_id").size()
    out = cases.assign(document_count=lookup(cases["case_id"], per_case).fillna(0).astype("int64"),
                       uncategorised_count=lookup(cases["case_id"], unsure).fillna(0).astype("int64"))
    mask = out["uncategorised_count"] > 0
    return add_flag(out, mask, "documents_uncategorised",
                    out["uncategorised_count"].astype(str) + " dokument(er) uden kategori – skal vurderes")


def run(config: Config, out_dir: Path | None = None, *, documents_folder: Path | None = None, force: bool = False,
        pseudonymise_key: bytes | None = None, **write_options: object) -> tuple[Batch, dict[str, Path]]:
    """Build the batch and write every output (and stage the document files, when their folder is known).
    Returns the batch and the written files.

    The team's checklist entries in the folder's previous worksheet are carried over (`force` discards them);
    with `pseudonymise_key` the outputs carry pseudonyms instead of CPR numbers and no names.
    """
    from .outputs import write_outputs
    from .pseudonymise import check_output_folder, pseudonymise_batch
    from .rerun import carry_over, load_previous
    from .staging import stage_documents

    folder = Path(out_dir or config.output_folder)
    check_output_folder(folder, pseudonymised=pseudonymise_key is not None)
    previous = load_previous(folder, force=force) if pseudonymise_key is None else None  # fails before the work
    batch = build_batch(config)
    if pseudonymise_key is None:
        source = documents_folder or (config.planning.documents_folder if config.planning else None)
        if source is not None:  # never for a pseudonymised share: the files themselves are personal data
            batch = replace(batch, staging=stage_documents(batch.cases, batch.documents, Path(source), folder))
        batch = carry_over(batch, previous)                                                 # re-run
    else:
        batch = pseudonymise_batch(batch, pseudonymise_key)
    written = write_outputs(batch, folder, **write_options)                                # write
    return batch, written
