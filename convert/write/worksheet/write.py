"""Write the conversion worksheet (konverteringsark.xlsx): the checklist the pension team works from."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from schemas import TABLE_LABELS, field_spec, fields_of
from schemas.batch import CategorisedDocument as D
from schemas.batch import ConvertedCase as C
from schemas.batch import LedgerRow as L

from ... import __version__
from ...batch import Batch
from ...codes import FLAGS, OUTCOME_LABELS, reason_label
from ...danish.format import format_cpr
from ...frames import single_row
from ...money import case_subsidies
from ...order.scope import IN_ORDER_HEADER
from ...plan.planning import natural_key
from ...progress import stage
from ...settings.order import LetterSettings
from ..print_layout import fitting_width
from ..xlsx import Column, Table, Workbook
from .fingerprints import fingerprint_table, keep_team_values
from .layout import (
    CASE_ID,
    CASE_SHEET,
    CHECKLIST,
    CHECKLIST_HEADERS,
    OWN_COLUMN_NOTE,
    PRINTED_HEADERS,
    TEAM_GROUP,
    TOOL_GROUP,
    W,
)
from .plan_sheets import (
    batch_print_sheets,
    plan_case_columns,
    plan_overview_blocks,
    plan_sheet,
    staging_overview_block,
    staging_sheet,
)


def case_table(batch: Batch, checklist: pd.DataFrame | None = None) -> Table:
    """The Sager sheet; `checklist` (indexed by case id) holds entries carried over from an earlier run.

    Cases in natural order of their number (…-12-15 before …-119-19). The columns a caseworker prints come first
    (PRINTED_HEADERS: the print area), then the team's own columns, then the rest, which stay on screen."""
    c = in_case_order(batch.cases)
    tool = TOOL_GROUP
    cols = [
        (Column(CASE_ID, width=18, group=tool), c[C.case_id]),
        (Column(W.cpr, width=11.5, group=tool), format_cpr(c[C.cpr])),
        (Column(W.name, width=18, wrap=True, group=tool), c[C.name]),
        (Column(W.application_date, kind="date", width=14, group=tool,
                comment="= seneste dato for oplyst formue på eller før startdatoen (KOMBIT)"), c[C.application_date]),
        (Column(W.start_date, kind="date", width=10.5, group=tool,
                comment="= datoen kommunen begynder at behandle sagen i KP"), c[C.start_date]),
        (Column(W.document_count, kind="int", width=11, group=tool), c[C.document_count]),
        (Column(W.remarks, width=33, wrap=True, group=tool, comment="Én bemærkning pr. linje"),
         c[C.remarks].str.replace("; ", "\n", regex=False)),  # ledger.csv keeps them on one line
    ]
    carried = checklist.reindex(c[C.case_id]) if checklist is not None else None
    for col in CHECKLIST:
        values = carried[col.header].to_numpy() if carried is not None and col.header in carried else None
        cols.append((col, pd.Series(values, index=c.index) if values is not None else pd.Series(pd.NA, index=c.index)))
    if carried is not None:
        for header in [h for h in carried.columns if h not in CHECKLIST_HEADERS]:  # the team's own columns
            cols.append((Column(header, kind="any", team=True, group=TEAM_GROUP, comment=OWN_COLUMN_NOTE),
                         pd.Series(carried[header].to_numpy(), index=c.index)))
    screen = [
        (Column(W.title), c[C.title]),
        (Column(W.caseworker, width=fitting_width(c[C.caseworker], W.caseworker)), c[C.caseworker]),
        (Column(W.assets, kind="money", width=12), c[C.declared_assets]),
        (Column(W.tillaegsprocent, kind="percent", width=14), c[C.tillaegsprocent]),
        (Column(W.pension_type, width=fitting_width(c[C.pension_type], W.pension_type)), c[C.pension_type]),
        *subsidy_columns(c, batch.config.letter),
        *plan_case_columns(c),
        (Column(W.source, width=18), c[C.source_file] + ":" + c[C.source_row].astype(str)),
    ]
    if batch.order_scope is not None:  # whether the case is in the Netcompany order (kp-convert spec), and why not
        scope = batch.order_scope.set_index("case_id")["worksheet_text"]
        screen.insert(0, (Column(IN_ORDER_HEADER, width=24, wrap=True,
                                 comment="Om sagen er med i bestillingen til Netcompany (kp-convert spec), og hvis "
                                         "ikke, hvorfor"), c[C.case_id].map(scope)))
    cols += [(dataclasses.replace(col, group=tool), s) for col, s in screen]
    frame = pd.concat([s.rename(i) for i, (_, s) in enumerate(cols)], axis=1)
    return Table(CASE_SHEET, [col for col, _ in cols], frame, print_columns=len(PRINTED_HEADERS), freeze_columns=1)


def case_headers(batch: Batch) -> list[str]:
    """The Sager sheet's headers without its cells: they depend on which columns the cases have (and on the
    order and letter settings), never on their rows, so a table of no cases has them all."""
    return [col.header for col in case_table(dataclasses.replace(batch, cases=batch.cases.iloc[:0])).columns]


def in_case_order(frame: pd.DataFrame, column: str = C.case_id) -> pd.DataFrame:
    """The rows in natural order of their case number, numbers compared as numbers (…-12-15 before …-119-19);
    rows of one case keep their order. Each distinct number is keyed once (a case has many documents)."""
    if column not in frame or not len(frame):
        return frame
    codes, distinct = pd.factorize(frame[column].astype("string").fillna(""))
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[np.argsort(natural_key(pd.Series(distinct)).to_numpy(dtype=object), kind="stable")] = np.arange(len(distinct))
    return frame.iloc[np.argsort(rank[codes], kind="stable")]


def subsidy_columns(c: pd.DataFrame, letter: LetterSettings) -> list[tuple[Column, pd.Series]]:
    """Check figures for the caseworker writing the letter: the subsidy at the case's own tillægsprocent."""
    money = case_subsidies(c[C.estimate], c[C.tillaegsprocent], letter.agreement_price, letter.rounding)
    rule = f"afrundet til øre ({letter.rounding}); tom hvis tillægsprocent eller beløb mangler"
    return [
        (Column(W.estimate, kind="money", width=12), c[C.estimate]),
        (Column(W.subsidy_estimate, kind="money", width=13,
                comment="= 85 % × overslaget" + (", højst prisaftalen," if letter.agreement_price is not None else
                                                  " (ingen prisaftale)") + " × sagens tillægsprocent; " + rule),
         money["subsidy_estimate"]),
        (Column(W.subsidy_agreement, kind="money", width=13,
                comment="= 85 % × prisaftalen (letter.agreement_price) × sagens tillægsprocent; " + rule),
         money["subsidy_agreement"]),
    ]


def document_table(batch: Batch) -> Table:
    d = in_case_order(batch.documents, D.case_id)  # each case's documents stay in date order
    cols = [(Column(CASE_ID, width=19), D.case_id), (Column("Dokument-id", width=14), D.document_id),
            (Column("Titel", width=45), D.title), (Column("Dokumenttype", width=14), D.doc_type),
            (Column("Dato", kind="date"), D.doc_date), (Column("Filnavn", width=24), D.filename),
            (Column("Dokumentkategori (KP)",
                    width=fitting_width(d[D.category], "Dokumentkategori (KP)")) if D.category in d
             else Column("Dokumentkategori (KP)", width=20), D.category)]
    return Table("Dokumenter", [c for c, _ in cols],
                 pd.DataFrame({i: d[name] if name in d else pd.NA for i, (_, name) in enumerate(cols)}))


def _ledger_table(batch: Batch, outcome: str, sheet: str) -> Table:
    rows = batch.ledger[batch.ledger[L.outcome] == outcome]
    cols = [Column("Fil", width=18), Column("Linje/række", kind="int", width=10), Column("Tabel", width=16),
            Column("Sagsnr.", width=20)]
    data = [rows[L.source_file], rows[L.source_row], rows[L.table].map(TABLE_LABELS), rows[L.case_id]]
    cols.append(Column("Regel", width=28))
    data.append(rows[L.reason_code].map(reason_label))  # the code stays in ledger.csv
    cols.append(Column("Årsag", width=80))
    data.append(rows[L.reason])
    return Table(sheet, cols, pd.concat([s.rename(i) for i, s in enumerate(data)], axis=1))


def notes_table(batch: Batch) -> Table:
    c = in_case_order(batch.cases)
    frame = pd.DataFrame({0: c[C.case_id], 1: c[C.start_date], 2: c[C.closing_note]})
    return Table("Lukkenotater", [Column(CASE_ID, width=19), Column(W.start_date, kind="date"),
                                  Column("Lukkenotat", width=100, wrap=True)], frame)


def overview_blocks(batch: Batch, printing: list[tuple[str, list[list[object]]]] | None = None
                    ) -> list[tuple[str, list[list[object]]]]:
    """Oversigt's blocks; `printing` (what the batch sheets hold) goes after the plan."""
    cfg = batch.config
    counts = batch.outcome_counts()
    outcome_rows: list[list[object]] = [["Tabel", "Læst", "Konverteret", "Udeladt", "Afvist"]]
    for table in ("cases", "documents", "assets"):
        if table in counts.index:
            r = single_row(counts, table)
            outcome_rows.append([TABLE_LABELS[table].capitalize(), int(r.sum()), int(r["converted"]),
                                 int(r["excluded"]), int(r["rejected"])])
    flag_counts = batch.flag_counts()
    flag_rows: list[list[object]] = [["Bemærkning", "Antal sager"]]
    flag_rows += [[label, batch.not_checked.get(code) or flag_counts.get(code, 0)] for code, label in FLAGS.items()]
    input_rows: list[list[object]] = [["Tabel", "Fil", "Format", "Tegnsæt", "Skilletegn", "Poster", "SHA-256"]]
    for table, info in batch.inputs.items():
        input_rows.append([TABLE_LABELS[table], info["file"], info.get("format", ""), info.get("encoding", ""),
                           {"\t": "tab"}.get(str(info.get("delimiter", "")), info.get("delimiter", "")),
                           info["records"], info["sha256"]])
    reasons = batch.ledger[batch.ledger[L.outcome] != "converted"]
    reason_rows: list[list[object]] = [["Tabel", "Udfald", "Regel", "Antal"]]
    per_rule = reasons.groupby([L.table, L.outcome, L.reason_code]).size()
    for (table, outcome, code), n in zip(per_rule.index, per_rule, strict=True):  # index: (table, outcome, rule)
        reason_rows.append([TABLE_LABELS[table], OUTCOME_LABELS[outcome], reason_label(code), int(n)])
    warnings = [[w] for info in batch.inputs.values() for w in info.get("warnings", [])]
    notices: list[list[object]] = [["Besked"]]  # a header: the first notice is not one
    notices += [[n.team] for n in batch.notices]
    return [
        ("Batch", [["Batch", cfg.batch_name], ["Kommune", cfg.municipality],
                   ["Startdato i KP (skæringsdato)", cfg.cutover_date],
                   ["Sager der skal konverteres", len(batch.cases)],
                   ["Dokumenter der skal med", len(batch.documents)],
                   ["Lavet af", f"kp-convert {__version__}"]]),
        *([("Mangler for hele batchen", notices)] if batch.notices else []),
        ("Udfald pr. tabel (hver post i inputfilerne står i præcis én kolonne)", outcome_rows),
        ("Bemærkninger på sager der konverteres", flag_rows),
        ("Udeladte og afviste poster pr. regel", reason_rows),
        ("Inputfiler", input_rows),
        ("Kolonner i inputfilerne: hvad hver kolonne bruges til", column_rows(batch)),
        *plan_overview_blocks(batch.plan),
        *(printing or []),
        *staging_overview_block(batch.staging),
        *([("Bemærkninger om inputfilerne", [["Bemærkning"], *warnings])] if warnings else []),
    ]


def column_rows(batch: Batch) -> list[list[object]]:
    """Every column of every input: the field it became and how (configuration or built-in header), the fields
    the export has no column for, and the columns with data that nothing uses – with why, where there is a why."""
    rows: list[list[object]] = [["Fil", "Kolonne i filen", "Felt", "Hvordan"]]
    for table, info in batch.inputs.items():
        by = info.get("mapped_by", {})
        for name, header in info["columns"].items():
            rows.append([info["file"], header, field_spec(table, name).label, by.get(name, "")])
        for name in info.get("not_in_export", []):
            rows.append([info["file"], "(ingen kolonne)", field_spec(table, name).label,
                         "ikke i udtrækket (input." + table + ".not_in_export)"])
        for f in fields_of(table):
            if f.name not in info["columns"] and f.name not in info.get("not_in_export", []):
                rows.append([info["file"], "(ingen kolonne)", f.label, "ikke fundet"])
        refused = info.get("refused_columns", {})
        for header, n in info.get("unused_columns", {}).items():
            why = f"ikke brugt som {refused[header]['field']}: {refused[header]['reason']}" if header in refused \
                else "ikke brugt"
            rows.append([info["file"], header, None, f"{why} ({n} {'række' if n == 1 else 'rækker'} med data)"])
    return rows


@stage("worksheet", "Skriver konverteringsark")
def write_worksheet(batch: Batch, path: Path, checklist: pd.DataFrame | None = None) -> dict[str, list[str]]:
    """Write the workbook; returns {table: [sheet names]} (a table may span sheets past Excel's row limit).

    `checklist` defaults to `batch.checklist` (entries carried over from the previous worksheet); each of
    `batch.extensions` may add Oversigt blocks and sheets (the re-run report, the pseudonymisation note).
    """
    created = dt.datetime.combine(batch.config.cutover_date, dt.time())  # fixed: same inputs, same bytes
    book = Workbook(path, created=created, title=batch.config.batch_name)
    checklist = checklist if checklist is not None else batch.checklist
    extensions = batch.extensions
    sheets: dict[str, list[str]] = {}
    cases = case_table(batch, checklist)
    remembered = fingerprint_table(cases)  # what the tool writes, before the team's kept values go in
    cases = keep_team_values(cases, batch.team_edits)
    printing = batch_print_sheets(cases, batch.cases, batch.plan, batch.config.batch_name)
    blocks = overview_blocks(batch, printing.overview) + [b for ext in extensions for b in ext.overview_blocks()]
    book.write_key_values("Oversigt", f"Konvertering til KP – {batch.config.batch_name}", blocks)
    sheets["Oversigt"] = ["Oversigt"]
    planned = plan_sheet(batch.plan) if batch.plan is not None else None
    for table in (planned, cases, document_table(batch), staging_sheet(batch.staging),
                  _ledger_table(batch, "rejected", "Afviste"),
                  _ledger_table(batch, "excluded", "Udeladte"), notes_table(batch),
                  *[t for ext in extensions for t in ext.tables()], *printing.tables, remembered):
        if table is not None:
            sheets[table.sheet] = book.write_table(table)
    book.close()
    return sheets
