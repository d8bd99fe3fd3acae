"""The plan in the worksheet: the Plan sheet, the plan columns on Sager, a sheet to print per batch, the
Dokumentfiler sheet and the plan's lines on Oversigt (with the assumptions it rests on)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from schemas.batch import ConvertedCase as C

from ...frames import single_row
from ...plan.planning import (
    PLAN_BATCH,
    PLAN_CASEWORKER,
    PLAN_DAY,
    PLAN_MINUTES,
    PLAN_POSITION,
    PLAN_STATUS,
    STATUS_LABELS,
    SUMMARY_LABELS,
    Plan,
    plan_summary,
)
from ...plan.staging import STATUS_LABELS as FILE_STATUS
from ...plan.staging import StagingResult
from ...settings.planning import WEEKDAY_NAMES, PlanSettings
from ..cells import cell_values
from ..print_layout import fitting_width
from ..xlsx import Column, Table, column_width
from .layout import CASE_SHEET, W

# A sheet per batch is for printing one batch alone; past this many the workbook gets unwieldy (tabs, size), and
# the Sager sheet filtered on Batch prints the same columns
MAX_BATCH_SHEETS = 40
_DONE = (W.created, W.closed)  # a batch whose every case says Ja in these needs no printed checklist
ORDER_LABELS = {"esdh_caseworker": "ESDH-sagsbehandler", "oldest_asset_declaration": "ældste formueoplysning",
                "case_id": "sagsnummer"}
WEEKDAY_SHORT = ("man", "tir", "ons", "tor", "fre", "lør", "søn")


def plan_case_columns(cases: pd.DataFrame) -> list[tuple[Column, pd.Series]]:
    """The plan columns on the Sager sheet (empty when the cases carry no plan)."""
    if PLAN_BATCH not in cases:
        return []
    return [
        (Column("Batch", kind="int", width=7), cases[PLAN_BATCH]),
        (Column("Nr. i batch", kind="int", width=7), cases[PLAN_POSITION]),
        (Column("Sagsbehandler (plan)", width=fitting_width(cases[PLAN_CASEWORKER], "Sagsbehandler (plan)")),
         cases[PLAN_CASEWORKER]),
        (Column("Planlagt dag", kind="date"), cases[PLAN_DAY]),
        (Column("Estimeret tid (min.)", kind="int", width=10,
                comment="Minutter pr. sag + pr. dokument (+ ekstra ved bemærkninger): antagelser fra [planning]"),
         cases[PLAN_MINUTES].round()),
        (Column("Planstatus", width=fitting_width(cases[PLAN_STATUS].map(STATUS_LABELS), "Planstatus")),
         cases[PLAN_STATUS].map(STATUS_LABELS)),
    ]


def plan_sheet(plan: Plan) -> Table:
    t = plan.table
    weekday = t["day"].dt.day_of_week.map(dict(enumerate(WEEKDAY_SHORT)))
    cols = [Column("Batch", kind="int", width=7), Column("Sagsbehandler", width=14), Column("Dag", kind="date"),
            Column("Ugedag", width=7), Column("Sager", kind="int", width=8), Column("Dokumenter", kind="int", width=11),
            Column("Estimeret tid (timer)", kind="hours", width=12),
            Column("Løbende total (timer)", kind="hours", width=12)]
    data = [t["batch"], t["caseworker"], t["day"], weekday, t["cases"], t["documents"], t["hours"], t["running_hours"]]
    return Table("Plan", cols, pd.concat([s.rename(i) for i, s in enumerate(data)], axis=1))


def _source(settings: PlanSettings, key: str) -> str:
    return "STANDARD (antagelse – ret i [planning])" if key in settings.defaults_used else "jeres tal ([planning])"


def plan_overview_blocks(plan: Plan | None) -> list[tuple[str, list[list[object]]]]:
    if plan is None:
        return []
    s = plan.settings
    summary = plan_summary(plan)
    totals: list[list[object]] = [[SUMMARY_LABELS[k], v] for k, v in summary.items() if v is not None]
    totals.append(["Holdt tilbage: estimeret tid (timer)", round(plan.held_back_hours, 2)])
    assumptions: list[list[object]] = [["Antagelse", "Værdi", "Kilde"],
                                       ["Minutter pr. sag", s.minutes_per_case, _source(s, "minutes_per_case")],
                                       ["Minutter pr. dokument", s.minutes_per_document,
                                        _source(s, "minutes_per_document")],
                                       ["Ekstra minutter pr. sag med bemærkning", s.extra_minutes_flagged,
                                        _source(s, "extra_minutes_flagged")],
                                       ["Juleaften, nytårsaften, grundlovsdag og 1. maj er fridage",
                                        "Ja" if s.optional_holidays else "Nej", _source(s, "optional_holidays")],
                                       ["Sager pr. batch", s.batch_size, "indstilling ([planning])"],
                                       ["Rækkefølge", ", ".join(ORDER_LABELS.get(k, k) for k in s.order),
                                        "indstilling ([planning])"],
                                       ["Sager med bemærkninger", {"first": "først", "with_others": "blandt de andre",
                                                                   "hold_back": "holdes tilbage"}[s.flagged],
                                        "indstilling ([planning])"]]
    workers: list[list[object]] = [["Sagsbehandler", "Timer pr. dag", "Ugedage", "Sager", "Dokumenter", "Timer",
                                    "Første dag", "Sidste dag"]]
    by = plan.by_caseworker.set_index("caseworker")
    for w in s.caseworkers:
        row = single_row(by, w.name) if w.name in by.index else None
        workers.append([w.name, w.hours_per_day, ", ".join(WEEKDAY_NAMES[d] for d in w.weekdays),
                        int(row["cases"]) if row is not None else 0, int(row["documents"]) if row is not None else 0,
                        round(float(row["hours"]), 2) if row is not None else 0,
                        row["first_day"].date() if row is not None and pd.notna(row["first_day"]) else None,
                        row["last_day"].date() if row is not None and pd.notna(row["last_day"]) else None])
    blocks = [("Plan for manuel konvertering (se arket Plan)", totals),
              ("Antagelser bag planen", assumptions)]
    if s.caseworkers:
        blocks.append(("Sagsbehandlere i planen", workers))
    if plan.warnings:
        blocks.append(("Advarsler om planen", [[w] for w in plan.warnings]))
    return blocks


def staging_overview_block(staging: StagingResult | None) -> list[tuple[str, list[list[object]]]]:
    if staging is None:
        return []
    counts = staging.counts()
    rows: list[list[object]] = [["Status", "Antal filer"]]
    rows += [[label, counts.get(code, 0)] for code, label in FILE_STATUS.items() if counts.get(code)]
    return [(f"Dokumentfiler lagt klar i '{staging.target_folder.name}' (se arket Dokumentfiler)", rows)]


def staging_sheet(staging: StagingResult | None) -> Table | None:
    if staging is None:
        return None
    f = staging.files
    cols = [Column("ESDH-sagsnr.", width=20), Column("Dokument-id", width=14),
            Column("Dokumentkategori (KP)", width=18), Column("Batch", kind="int", width=7),
            Column("Filnavn (ESDH)", width=20), Column("Lagt klar som", width=60), Column("Status", width=26),
            Column("Besked", width=50), Column("SHA-256", width=20)]
    data = [f["case_id"], f["document_id"], f["category"], f["batch"], f["filename"], f["target"],
            f["status"].map(FILE_STATUS), f["message"], f["sha256"]]
    return Table("Dokumentfiler", cols, pd.concat([s.rename(i) for i, s in enumerate(data)], axis=1))


@dataclass(frozen=True)
class BatchPrint:
    """The batch sheets to print and what Oversigt says about them."""

    tables: list[Table]
    overview: list[tuple[str, list[list[object]]]]


def batch_print_sheets(cases_table: Table, cases: pd.DataFrame, plan: Plan | None, batch_name: str) -> BatchPrint:
    """A protected sheet per batch ('Batch 03', as its folder under dokumenter/) with the Sager sheet's printed
    columns, its cases in planned order, and the batch, caseworker and planned days in the page header. Batches
    whose every case is ticked off (created in KP and closed in ESDH) get none; of the others, the first
    MAX_BATCH_SHEETS do. Entries are typed in Sager: a batch sheet is a copy, made anew on every run."""
    if plan is None or PLAN_BATCH not in cases or not cases[PLAN_BATCH].notna().any():
        return BatchPrint([], [])
    printed = cases_table.print_columns or len(cases_table.columns)
    frame = cases_table.frame.iloc[:, :printed]
    # the widths and cell values of the Sager columns, worked out once for all the batch sheets
    columns = [dataclasses.replace(col, comment="", choices=(), date_entry=False,
                                   width=col.width or column_width(col, frame.iloc[:, c]))
               for c, col in enumerate(cases_table.columns[:printed])]
    converted = [list(cell_values(frame.iloc[:, c], col.kind)) for c, col in enumerate(columns)]
    where = cases.set_index(C.case_id)[[PLAN_BATCH, PLAN_POSITION]].reindex(frame.iloc[:, 0].to_numpy())
    batch_of = where[PLAN_BATCH].astype("Float64").to_numpy(dtype=float, na_value=np.nan)  # NaN: not planned
    position = where[PLAN_POSITION].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    headers = [col.header for col in columns]
    ticked = np.ones(len(frame), dtype=bool)
    for header in _DONE:
        entry = frame.iloc[:, headers.index(header)].astype("string").str.strip().str.casefold()
        ticked &= entry.eq("ja").to_numpy(dtype=bool, na_value=False)
    planned = ~np.isnan(batch_of)
    done_by_batch = pd.Series(ticked[planned]).groupby(batch_of[planned].astype(int)).all()
    numbers = [int(b) for b in done_by_batch.index]  # groupby sorts
    open_batches = [b for b in numbers if not done_by_batch[b]]
    width = max(2, len(str(numbers[-1])))
    tables = []
    for b in open_batches[:MAX_BATCH_SHEETS]:
        mine = np.flatnonzero(batch_of == b)
        order = mine[np.argsort(position[mine], kind="stable")]
        tables.append(Table(f"Batch {b:0{width}d}", columns, frame.iloc[order].reset_index(drop=True),
                            print_columns=printed, page_header=_page_header(plan, b, width, batch_name),
                            protected=True, filters=False, values=[[v[i] for i in order] for v in converted]))
    return BatchPrint(tables, [_overview(tables, numbers, open_batches, printed, width)])


def _page_header(plan: Plan, batch: int, width: int, batch_name: str) -> str:
    """'Batch 03 – sagsbehandler ABJ – planlagt tir 05-01-2027 til tor 07-01-2027' on the left, the batch's name
    on the right (Excel's header codes; a '&' in a name is doubled)."""
    rows = plan.table[plan.table["batch"] == batch]
    worker = next((str(w) for w in rows["caseworker"] if pd.notna(w) and str(w)), "")
    days = rows["day"].dropna()
    text = f"Batch {batch:0{width}d} – " + (f"sagsbehandler {worker}" if worker else "ingen sagsbehandler i planen")
    if len(days):
        first, last = days.min(), days.max()
        text += " – planlagt " + _day(first) + ("" if first == last else " til " + _day(last))
    return "&L&B" + text.replace("&", "&&") + "&B&R" + batch_name[:80].replace("&", "&&")


def _day(day: pd.Timestamp) -> str:
    return f"{WEEKDAY_SHORT[day.day_of_week]} {day:%d-%m-%Y}"


def _overview(tables: list[Table], numbers: list[int], open_batches: list[int], printed: int, width: int
              ) -> tuple[str, list[list[object]]]:
    rows: list[list[object]] = [
        ["", "Batches"],
        ["I planen", len(numbers)],
        ["Med et ark til udskrift (beskyttet: afkrydsningerne skrives i arket Sager)",
         _ranges([int(t.sheet.removeprefix("Batch ")) for t in tables], width) if tables else "ingen"],
        ["Færdige (alle sager oprettet i KP og lukket i ESDH): intet ark", len(numbers) - len(open_batches)],
    ]
    rest = open_batches[MAX_BATCH_SHEETS:]
    if rest:
        last_column = chr(ord("A") + printed - 1)
        rows.append([f"Uden ark (højst {MAX_BATCH_SHEETS} ark)", f"{len(rest)}: {_ranges(rest, width)}"])
        rows.append(["Sådan udskrives de",
                     f"Filtrér arket {CASE_SHEET} på kolonnen Batch og udskriv det: kun kolonnerne A–{last_column} "
                     "kommer med. Når de første batches er afkrydset, får de næste deres ark ved næste kørsel."])
    return ("Udskrift pr. batch (tjekliste til skrivebordet)", rows)


def _ranges(numbers: list[int], width: int) -> str:
    """'Batch 01–08, 10, 12–40': runs of consecutive batch numbers."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return "Batch " + ", ".join(f"{r[0]:0{width}d}" + (f"–{r[-1]:0{width}d}" if len(r) > 1 else "") for r in runs)
