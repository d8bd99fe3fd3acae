"""What `run` and `plan` print: a short Danish summary (counts only, never a CPR number).

The library makes the lines; the CLI prints them (and scrubs every line for CPR-shaped text on the way out).
Each line is (text, to_stderr): warnings and rejected rows go to stderr, so a script can keep stdout clean.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from schemas import TABLE_LABELS

from ..batch import Batch
from ..codes import FLAGS
from ..danish.format import fmt_date, fmt_num
from ..frames import single_row
from ..plan.planning import plan_summary
from ..plan.staging import STATUS_LABELS as FILE_STATUS

Line = tuple[str, bool]  # (text, to stderr)


def run_summary(batch: Batch, written: dict[str, Path]) -> list[Line]:
    """The console summary of a run: outcomes per table, flags, the plan, warnings, re-run notes, the files."""
    cfg = batch.config
    out: list[Line] = [(f"kp-convert: {cfg.batch_name} – startdato i KP {cfg.cutover_date:%d-%m-%Y}", False)]
    counts = batch.outcome_counts()
    for table in ("cases", "documents", "assets"):
        if table in counts.index:
            r = single_row(counts, table)
            out.append((f"  {TABLE_LABELS[table].capitalize():<18} {int(r.sum()):>7} læst · {int(r['converted']):>7} "
                        f"konverteres · {int(r['excluded']):>6} udeladt · {int(r['rejected']):>5} afvist", False))
    flags = batch.flag_counts()
    if flags:
        out.append(("  Bemærkninger på sager der konverteres:", False))
        out += [(f"    {label:<52} {flags[code]:>6}", False) for code, label in FLAGS.items() if flags.get(code)]
    out += [(f"  Mangler: {n.team}", True) for n in batch.notices]
    unchecked: dict[str, list[str]] = {}
    for code, why in batch.not_checked.items():
        unchecked.setdefault(why, []).append(FLAGS[code])
    out += [(f"  Ikke kontrolleret ({why.split('– ', 1)[-1]}): {', '.join(labels)}", True)
            for why, labels in unchecked.items()]
    out += [(line, False) for line in plan_lines(batch)]
    for info in batch.inputs.values():
        out += [(f"  Bemærk: {warning}", True) for warning in info.get("warnings", [])]
    for extension in batch.extensions:  # re-run report, pseudonymisation
        out += [(f"  {line}", False) for line in extension.console_lines()]
    folder = next(iter(written.values())).parent if written else None
    out.append((f"  Filer i {folder}: " + ", ".join(written), False))
    if batch.rejected_count:
        out.append((f"  {batch.rejected_count} poster er afvist – se arket 'Afviste' i konverteringsarket.", True))
    return out


def plan_lines(batch: Batch) -> list[str]:
    """The plan and the staged files in a few Danish lines for the console."""
    plan = batch.plan
    lines: list[str] = []
    if plan is None:
        return lines
    s, t = plan.settings, plan_summary(plan)
    lines.append(f"  Plan: {t['cases']} sager · {t['documents']} dokumenter · {fmt_num(plan.total_hours)} timer "
                 f"(estimeret) · {t['batches']} batches · {t['caseworkers']} sagsbehandlere")
    if t["last_day"] is not None:
        lines.append(f"        Første dag {fmt_date(t['first_day'])} · sidste planlagte dag {fmt_date(t['last_day'])} "
                     f"({t['working_days']} arbejdsdage)")
    elif not s.caseworkers:
        lines.append("        Ingen sagsbehandlere i [planning]: tilføj [[planning.caseworkers]] for at få dage på")
    by = plan.by_caseworker
    for name, cases, hours, first, last in zip(by["caseworker"], by["cases"], by["hours"], by["first_day"],
                                               by["last_day"], strict=True):
        period = f"{fmt_date(first)} – {fmt_date(last)}" if pd.notna(first) else "ingen dage"
        lines.append(f"        {name:<8} {cases:>6} sager {fmt_num(hours):>8} timer   {period}")
    if plan.held_back:
        lines.append(f"        Holdt tilbage (bemærkninger): {plan.held_back} sager, {fmt_num(plan.held_back_hours)} timer")
    assumed = [k for k in ("minutes_per_case", "minutes_per_document", "extra_minutes_flagged") if k in s.defaults_used]
    if assumed:
        lines.append(f"        Antagelser (STANDARD, ret i [planning]): {fmt_num(s.minutes_per_case, 0)} min. pr. sag, "
                     f"{fmt_num(s.minutes_per_document, 0)} min. pr. dokument, {fmt_num(s.extra_minutes_flagged, 0)} "
                     "min. ekstra pr. sag med bemærkning")
    lines += [f"  Advarsel: {w}" for w in plan.warnings]
    if batch.staging is not None:
        counts = batch.staging.counts()
        lines.append(f"  Dokumentfiler i {batch.staging.target_folder}: " + ", ".join(
            f"{counts[c]} {FILE_STATUS[c].lower()}" for c in FILE_STATUS if counts.get(c)))
    return lines
