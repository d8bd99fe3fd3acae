"""The conversion worksheet (konverteringsark.xlsx): the checklist the pension team works from."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from . import __version__
from .categorise import CATEGORY
from .compute import APPLICATION_DATE, ASSET_AMOUNT, FLAGS, REMARKS, START_DATE
from .fields import TABLE_LABELS
from .ledger import SOURCE_FILE, SOURCE_ROW
from .money import case_subsidies
from .notes import closing_notes
from .parsing import format_cpr
from .plan_sheets import plan_case_columns, plan_overview_blocks, plan_sheet, staging_overview_block, staging_sheet
from .progress import stage
from .xlsx import Column, Table, Workbook

WORKSHEET_NAME = "konverteringsark.xlsx"
CASE_ID = "ESDH-sagsnr."
YES_NO = ("Ja", "Nej")
# The team's checklist: carried over on re-runs, keyed on the ESDH case number.
CHECKLIST = [
    Column("Oprettet i KP", choices=YES_NO, width=11),
    Column("KP-sagsnr.", width=14),
    Column("Dokumenter tilknyttet", choices=YES_NO, width=13),
    Column("Lukket i ESDH", choices=YES_NO, width=11),
    Column("Initialer", width=10),
    Column("Dato", kind="date", width=12, date_entry=True),
]
CHECKLIST_HEADERS = [c.header for c in CHECKLIST]


def case_table(batch, checklist: pd.DataFrame | None = None) -> Table:  # type: ignore[no-untyped-def]
    """The Sager sheet; `checklist` (indexed by case id) holds entries carried over from an earlier run."""
    c = batch.cases
    cols = [
        (Column(CASE_ID, width=20), c["case_id"]),
        (Column("CPR-nr.", width=13), format_cpr(c["cpr"])),
        (Column("Navn"), c["name"]),
        (Column("Sagstitel"), c["title"]),
        (Column("Sagsbehandler (ESDH)", width=12), c["caseworker"]),
        (Column("Ansøgningsdato (KP)", kind="date",
                comment="= seneste dato for oplyst formue på eller før startdatoen (KOMBIT)"), c[APPLICATION_DATE]),
        (Column("Startdato (KP)", kind="date", comment="= datoen kommunen begynder at behandle sagen i KP"),
         c[START_DATE]),
        (Column("Formue (kr.)", kind="money", width=13), c[ASSET_AMOUNT]),
        (Column("Tillægsprocent", kind="percent", width=11), c["tillaegsprocent"]),
        (Column("Pensionstype", width=18), c["pension_type"]),
        *subsidy_columns(c, batch.config.letter),
        (Column("Antal dokumenter", kind="int", width=11), c["document_count"]),
        (Column("Bemærkninger", width=60), c[REMARKS]),
        *plan_case_columns(c),
    ]
    carried = checklist.reindex(c["case_id"]) if checklist is not None else None
    for col in CHECKLIST:
        values = carried[col.header].to_numpy() if carried is not None and col.header in carried else None
        cols.append((col, pd.Series(values, index=c.index) if values is not None else pd.Series(pd.NA, index=c.index)))
    for header in [h for h in carried.columns if h not in CHECKLIST_HEADERS] if carried is not None else []:
        cols.append((Column(header, kind="any"), pd.Series(carried[header].to_numpy(), index=c.index)))  # team's own
    cols.append((Column("Kilde (fil:linje)", width=18), c[SOURCE_FILE] + ":" + c[SOURCE_ROW].astype(str)))
    frame = pd.concat([s.rename(i) for i, (_, s) in enumerate(cols)], axis=1)
    return Table("Sager", [col for col, _ in cols], frame)


def subsidy_columns(c: pd.DataFrame, letter) -> list[tuple[Column, pd.Series]]:  # type: ignore[no-untyped-def]
    """Check figures for the caseworker writing the letter: the subsidy at the case's own tillægsprocent."""
    money = case_subsidies(c["estimate"], c["tillaegsprocent"], letter.agreement_price, letter.rounding)
    rule = f"afrundet til øre ({letter.rounding}); tom hvis tillægsprocent eller beløb mangler"
    return [
        (Column("Overslag (kr.)", kind="money", width=12), c["estimate"]),
        (Column("Tilskud ved overslag (kr.)", kind="money", width=13,
                comment="= 85 % × overslaget" + (", højst prisaftalen," if letter.agreement_price is not None else
                                                  " (ingen prisaftale)") + " × sagens tillægsprocent; " + rule),
         money["subsidy_estimate"]),
        (Column("Tilskud ved prisaftale (kr.)", kind="money", width=13,
                comment="= 85 % × prisaftalen (letter.agreement_price) × sagens tillægsprocent; " + rule),
         money["subsidy_agreement"]),
    ]


def document_table(batch) -> Table:  # type: ignore[no-untyped-def]
    d = batch.documents
    cols = [(Column(CASE_ID, width=20), "case_id"), (Column("Dokument-id", width=14), "document_id"),
            (Column("Titel", width=45), "title"), (Column("Dokumenttype", width=14), "doc_type"),
            (Column("Dato", kind="date"), "doc_date"), (Column("Filnavn", width=24), "filename"),
            (Column("Dokumentkategori (KP)", width=20), CATEGORY)]
    return Table("Dokumenter", [c for c, _ in cols],
                 pd.DataFrame({i: d[name] if name in d else pd.NA for i, (_, name) in enumerate(cols)}))


def _ledger_table(batch, outcome: str, sheet: str) -> Table:  # type: ignore[no-untyped-def]
    rows = batch.ledger[batch.ledger["outcome"] == outcome]
    cols = [Column("Fil", width=18), Column("Linje/række", kind="int", width=10), Column("Tabel", width=16),
            Column("Sagsnr.", width=20)]
    data = [rows[SOURCE_FILE], rows[SOURCE_ROW], rows["table"].map(TABLE_LABELS), rows["case_id"]]
    cols.append(Column("Regel", width=22))
    data.append(rows["reason_code"])
    cols.append(Column("Årsag", width=80))
    data.append(rows["reason"])
    return Table(sheet, cols, pd.concat([s.rename(i) for i, s in enumerate(data)], axis=1))


def notes_table(batch) -> Table:  # type: ignore[no-untyped-def]
    c = batch.cases
    frame = pd.DataFrame({0: c["case_id"], 1: c[START_DATE], 2: closing_notes(c, batch.config)})
    return Table("Lukkenotater", [Column(CASE_ID, width=20), Column("Startdato (KP)", kind="date"),
                                  Column("Lukkenotat", width=100)], frame)


def overview_blocks(batch) -> list[tuple[str, list[list[object]]]]:  # type: ignore[no-untyped-def]
    cfg = batch.config
    counts = batch.outcome_counts()
    outcome_rows: list[list[object]] = [["Tabel", "Læst", "Konverteret", "Udeladt", "Afvist"]]
    for table in ("cases", "documents", "assets"):
        if table in counts.index:
            r = counts.loc[table]
            outcome_rows.append([TABLE_LABELS[table].capitalize(), int(r.sum()), int(r["converted"]),
                                 int(r["excluded"]), int(r["rejected"])])
    flag_counts = batch.flag_counts()
    flag_rows: list[list[object]] = [["Bemærkning", "Antal sager"]]
    flag_rows += [[label, flag_counts.get(code, 0)] for code, label in FLAGS.items()]
    input_rows: list[list[object]] = [["Tabel", "Fil", "Format", "Tegnsæt", "Skilletegn", "Poster", "SHA-256"]]
    for table, info in batch.inputs.items():
        input_rows.append([TABLE_LABELS[table], info["file"], info.get("format", ""), info.get("encoding", ""),
                           {"\t": "tab"}.get(str(info.get("delimiter", "")), info.get("delimiter", "")),
                           info["records"], info["sha256"]])
    reasons = batch.ledger[batch.ledger["outcome"] != "converted"]
    reason_rows: list[list[object]] = [["Tabel", "Udfald", "Regel", "Antal"]]
    for (table, outcome, code), n in reasons.groupby(["table", "outcome", "reason_code"]).size().items():
        reason_rows.append([TABLE_LABELS[table], {"excluded": "Udeladt", "rejected": "Afvist"}[outcome], code, int(n)])
    warnings = [[w] for info in batch.inputs.values() for w in info.get("warnings", [])]
    return [
        ("Batch", [["Batch", cfg.batch_name], ["Kommune", cfg.municipality],
                   ["Startdato i KP (skæringsdato)", cfg.cutover_date],
                   ["Sager der skal konverteres", len(batch.cases)],
                   ["Dokumenter der skal med", len(batch.documents)],
                   ["Lavet af", f"kp-convert {__version__}"]]),
        ("Udfald pr. tabel (hver post i inputfilerne står i præcis én kolonne)", outcome_rows),
        ("Bemærkninger på sager der konverteres", flag_rows),
        ("Udeladte og afviste poster pr. regel", reason_rows),
        ("Inputfiler", input_rows),
        *plan_overview_blocks(batch.plan),
        *staging_overview_block(batch.staging),
        *([("Bemærkninger om inputfilerne", [["Bemærkning"], *warnings])] if warnings else []),
    ]


@stage("worksheet", "Skriver konverteringsark")
def write_worksheet(batch, path: Path, checklist: pd.DataFrame | None = None) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Write the workbook; returns {table: [sheet names]} (a table may span sheets past Excel's row limit).

    `checklist` defaults to `batch.checklist` (entries carried over from the previous worksheet); each of
    `batch.extensions` may add Oversigt blocks and sheets (the re-run report, the pseudonymisation note).
    """
    created = dt.datetime.combine(batch.config.cutover_date, dt.time())  # fixed: same inputs, same bytes
    book = Workbook(path, created=created, title=batch.config.batch_name)
    checklist = checklist if checklist is not None else getattr(batch, "checklist", None)
    extensions = getattr(batch, "extensions", ())
    sheets: dict[str, list[str]] = {}
    blocks = overview_blocks(batch) + [b for ext in extensions for b in ext.overview_blocks()]
    book.write_key_values("Oversigt", f"Konvertering til KP – {batch.config.batch_name}", blocks)
    sheets["Oversigt"] = ["Oversigt"]
    planned = plan_sheet(batch.plan) if batch.plan is not None else None
    for table in (planned, case_table(batch, checklist), document_table(batch), staging_sheet(batch.staging),
                  _ledger_table(batch, "rejected", "Afviste"),
                  _ledger_table(batch, "excluded", "Udeladte"), notes_table(batch),
                  *[t for ext in extensions for t in ext.tables()]):
        if table is not None:
            sheets[table.sheet] = book.write_table(table)
    book.close()
    return sheets
