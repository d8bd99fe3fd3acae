"""The conversion pipeline, top to bottom: read → map → validate → select → compute → categorise → count documents
→ closing notes → plan → ledger; then, for `run`, the document files to stage → carry-over of the team's entries →
write.

`read_inputs` (in `build_batch`: `read_input`, one export at a time) is the only step that reads files and
`write_outputs` the only one that writes them;
`convert_tables` in between is pure (frames and settings in, a `Batch` out), so tests and the notebook can feed it
frames made in memory (`convert.read.table.raw_table`). Each stage that drops rows hands them to the ledger with a
reason, and every stage gets only the part of the configuration it needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from schemas import fields_of
from schemas.batch import CategorisedDocument as D
from schemas.batch import ConvertedCase as C
from schemas.batch import LedgerRow as L

from .batch import Batch
from .order.scope import order_scope
from .plan.planning import plan_conversion
from .read.mapping import MappedTable, map_columns, require_decision_fields
from .read.table import RawTable, ragged_rejections, read_input
from .settings.batch import Config
from .stages.assets import asset_fates
from .stages.categorise import assign_document_categories
from .stages.compute import batch_notices, check_fields, compute_kp_dates, count_documents, not_checked
from .stages.documents import document_fates
from .stages.ledger import check_conservation, combine, ledger_rows
from .stages.notes import closing_notes
from .stages.select import select_running_foot_care
from .stages.validate import clean, split_duplicates, validate_and_type


def read_inputs(config: Config) -> dict[str, RawTable]:
    """Every configured export, read as text (the only step of the conversion that reads files)."""
    return {table: read_input(spec) for table, spec in config.inputs.items()}


def convert_tables(raw: Mapping[str, RawTable] | Iterable[tuple[str, RawTable]], config: Config) -> Batch:
    """The conversion itself: pure, from the exports' text to the converted cases, their documents and the ledger.
    `raw`: the tables by name, or (name, table) pairs read one at a time (`build_batch`: each export's text is let go
    once it is validated, which keeps a large batch's memory down)."""
    ledger: list[pd.DataFrame] = []
    valid: dict[str, pd.DataFrame] = {}
    inputs: dict[str, dict[str, Any]] = {}
    present: dict[str, set[str]] = {}
    records_read: dict[str, int] = {}
    rejected_ids: set[str] = set()  # cases that could not be used: their documents say so
    for table, r in (raw.items() if isinstance(raw, Mapping) else raw):
        valid[table], rejected, inputs[table], present[table] = _typed_table(table, r, config)  # map, validate
        ledger += rejected
        records_read[r.spec.name] = r.records_read
        if table == "cases":
            rejected_ids |= _case_ids(*rejected)
        del r  # the export's text: not needed any more

    # each table is taken out of `valid` as it is used, so a large batch does not keep every version of it
    cases, dups = split_duplicates("cases", valid.pop("cases"), C.case_id)
    ledger.append(dups)
    rejected_ids |= _case_ids(dups)
    selected, excluded = select_running_foot_care(cases, config.selection, config.cutover_date,  # select
                                                  present["cases"])
    ledger.append(excluded)

    assets = valid.get("assets")
    available = check_fields(present)
    converted, latest = compute_kp_dates(selected, assets, config.criteria, config.cutover_date,  # compute
                                         available)
    if assets is not None:
        ledger.append(asset_fates(assets, latest, converted[C.cpr], cases[C.cpr], pd.Timestamp(config.cutover_date)))

    documents = valid.pop("documents", None)
    converted_docs = None
    if documents is not None:
        documents, doc_dups = split_duplicates("documents", documents, D.document_id)
        ledger.append(doc_dups)
        converted_docs, doc_ledger = document_fates(
            documents, converted_ids=converted[C.case_id], excluded=excluded,
            rejected_case_ids=rejected_ids - {""}, all_case_ids=cases[C.case_id])
        ledger.append(doc_ledger)
        converted_docs = assign_document_categories(converted_docs, config.category_rules)      # categorise
        ledger.append(ledger_rows(converted_docs, "documents", "converted", "category",
                                  "Dokumentkategori: " + converted_docs[D.category]))
    converted = count_documents(converted, converted_docs)                                  # documents per case
    converted = closing_notes(converted, config.closing_note_template, start_date=config.cutover_date,  # notes
                              municipality=config.municipality, batch_name=config.batch_name)
    converted, plan = plan_conversion(converted, config.planning, config.cutover_date)      # plan

    ledger.append(ledger_rows(converted, "cases", "converted", converted[C.flag_codes], converted[C.remarks]))
    full = combine(ledger)                                                                  # ledger
    check_conservation(full, records_read)
    docs = converted_docs if converted_docs is not None else pd.DataFrame(
        columns=[D.case_id, D.document_id, D.title, D.doc_type, D.doc_date, D.filename, D.category])
    batch = Batch(config=config, cases=converted.sort_values(C.case_id, kind="stable"),
                  documents=docs.sort_values([D.case_id, D.doc_date, D.document_id], kind="stable"),
                  ledger=full, inputs=inputs, present=present, plan=plan,
                  not_checked=not_checked(available, config.inputs),
                  notices=batch_notices(converted, config.criteria) if "assets" in available else [])
    return replace(batch, order_scope=order_scope(batch))  # in the Netcompany order or not: worksheet and order


def _typed_table(table: str, r: RawTable, config: Config
                 ) -> tuple[pd.DataFrame, list[pd.DataFrame], dict[str, Any], set[str]]:
    """One export mapped, cleaned and validated: (typed rows, ledger parts of its rejected rows, facts, fields)."""
    mapped = map_columns(r)                                                                 # map
    if table == "cases":
        require_decision_fields(r, mapped, config.selection.match_fields)
    ragged = ragged_rejections(r, mapped.columns)
    frame = clean(r.spec.table, mapped.frame, pad_nine_digit_cpr=config.pad_nine_digit_cpr)
    absent = [f.name for f in fields_of(r.spec.table) if f.name not in mapped.columns]
    typed, rejected = validate_and_type(r.spec.table, frame, absent=absent)                # validate
    return typed, [ragged, rejected], _input_facts(r, mapped, frame), set(mapped.columns)


def _input_facts(r: RawTable, mapped: MappedTable, frame: pd.DataFrame) -> dict[str, Any]:
    """What the manifest, the Oversigt and the order say about one input file."""
    facts = {"file": r.spec.name, "path": str(r.spec.path), "records": r.records_read, "columns": mapped.columns,
             **r.meta}
    notes = mapped.notes(r.spec.name, r.spec.table)
    padded = int(frame["cpr_padded"].sum()) if "cpr_padded" in frame else 0
    if padded:
        notes.append(f"{r.spec.name}: {padded} CPR-nr. havde 9 cifre – 0 er sat foran; "
                     "kontrollér personerne")
    if mapped.how:
        facts["mapped_by"] = mapped.how
    if mapped.unused:
        facts["unused_columns"] = mapped.unused
    if mapped.refused:
        facts["refused_columns"] = {h: {"field": f, "reason": why} for h, (f, why) in mapped.refused.items()}
    if r.spec.not_in_export:
        facts["not_in_export"] = list(r.spec.not_in_export)
    if padded:
        facts["cpr_padded"] = padded
    if notes:
        earlier = r.meta.get("warnings", [])
        facts["warnings"] = [*(earlier if isinstance(earlier, list) else []), *notes]
    return facts


def _case_ids(*ledgers: pd.DataFrame) -> set[str]:
    """The case numbers of rejected ledger rows."""
    ids: set[str] = set()
    for part in ledgers:
        if len(part):
            ids |= set(part.loc[part[L.outcome] == "rejected", L.case_id].dropna().astype(str))
    return ids


def build_batch(config: Config) -> Batch:
    """Read the exports and convert them, one export at a time; nothing is written."""
    return convert_tables(((table, read_input(spec)) for table, spec in config.inputs.items()), config)


def run(config: Config, out_dir: Path | None = None, *, documents_folder: Path | None = None, force: bool = False,
        pseudonymise_key: bytes | None = None, started: float | None = None) -> tuple[Batch, dict[str, Path]]:
    """Build the batch and write every output (and stage the document files, when their folder is known).
    Returns the batch and the written files.

    The team's checklist entries in the folder's previous worksheet are carried over (`force` discards them);
    with `pseudonymise_key` the outputs carry pseudonyms instead of CPR numbers and no names.
    """
    from .plan.staging import plan_staging
    from .pseudonymise import check_output_folder, pseudonymise_batch
    from .rerun import carry_over, start_previous, team_edits_of, wait_previous
    from .write.documents import copy_staged_files
    from .write.output_set import recover_folder
    from .write.outputs import write_outputs
    from .write.ownership import check_output_folder_path

    folder = Path(out_dir or config.output_folder)
    check_output_folder_path(folder)  # a file, a symlink loop, a name too long: said before the work, exit 4
    recovered = recover_folder(folder)  # an interrupted earlier run is finished before anything here is read
    check_output_folder(folder, pseudonymised=pseudonymise_key is not None)
    # a worksheet gone or open in Excel fails before the work; reading it overlaps reading the exports
    pending = start_previous(folder, force=force) if pseudonymise_key is None else None
    batch = build_batch(config)                                                             # read … plan
    previous = wait_previous(pending)
    if pseudonymise_key is None:
        source = documents_folder or config.planning.documents_folder
        if source is not None:  # never for a pseudonymised share: the files themselves are personal data
            batch = replace(batch, staging=plan_staging(batch.cases, batch.documents, Path(source), folder))
        batch = carry_over(batch, previous)                                                 # re-run
        if previous is not None and not previous.discarded:
            batch = team_edits_of(batch, previous)  # tool cells the team changed: kept, and said
        del pending, previous  # every cell of the old sheet as a Python object: let go before the writing
    else:
        batch = pseudonymise_batch(batch, pseudonymise_key)
    if recovered:
        batch = replace(batch, extensions=(recovered, *batch.extensions))
    if batch.staging is not None:
        batch = replace(batch, staging=copy_staged_files(batch.staging))                   # write: document files
    written = write_outputs(batch, folder, started=started,  # write: the output set
                            worksheet_checked=pseudonymise_key is None)  # wait_previous read it (or --force)
    return batch, written
