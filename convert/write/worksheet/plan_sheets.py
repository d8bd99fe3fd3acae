"""The plan in the worksheet: the Plan sheet, the plan columns on Sager, the Dokumentfiler sheet and the
plan's lines on Oversigt (with the assumptions it rests on)."""

from __future__ import annotations

import pandas as pd

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
from ..xlsx import Column, Table

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
        (Column("Sagsbehandler (plan)", width=12), cases[PLAN_CASEWORKER]),
        (Column("Planlagt dag", kind="date"), cases[PLAN_DAY]),
        (Column("Estimeret tid (min.)", kind="int", width=10,
                comment="Minutter pr. sag + pr. dokument (+ ekstra ved bemærkninger): antagelser fra [planning]"),
         cases[PLAN_MINUTES].round()),
        (Column("Planstatus", width=14), cases[PLAN_STATUS].map(STATUS_LABELS)),
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
