"""rapport.html: a self-contained overview for the team lead (inline CSS and SVG, no script, no network).

Counts per outcome and flag, the plan's key numbers and the charts a lead would rather look at than read:
cases per caseworker, planned hours per day, age of the latest asset declaration, documents per category.
Every number sits in a `data-metric` / `data-value` attribute, so tests read the report back and compare it
with the worksheet. It holds no CPR number and no name: counts, initials, and the case and document numbers of
problem files (never their file names, which often carry both; a CPR number or the citizen's name in a number is
removed too).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterator, Sequence
from html import escape
from pathlib import Path

import pandas as pd

from schemas import TABLE_LABELS
from schemas.batch import CategorisedDocument as D
from schemas.batch import ConvertedCase as C

from .. import __version__
from ..batch import Batch
from ..codes import FLAGS, OUTCOME_LABELS
from ..danish.format import fmt_date, fmt_int, fmt_num
from ..frames import single_row
from ..plan.calendar import days_off_between
from ..plan.planning import SUMMARY_LABELS, plan_summary
from ..plan.staging import STATUS_LABELS as FILE_STATUS
from ..plan.staging import StagingResult
from ..privacy import CPR_IN_TEXT, MASKED_IN_TEXT, remove_name
from ..progress import stage

REPORT_NAME = "rapport.html"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D31", "#666666")
AGE_BUCKETS = ((0, 6, "Under 6 mdr."), (6, 12, "6–11 mdr."), (12, 24, "12–23 mdr."), (24, 36, "24–35 mdr."),
               (36, None, "36 mdr. og mere"))
NOT_DECLARED = "Ikke oplyst"
HIGHLIGHT = {NOT_DECLARED, "Holdt tilbage", "Skal vurderes"}  # bars that need someone's attention
OUTCOMES = tuple(OUTCOME_LABELS.items())
NO_CPR, NO_NAME = "[CPR]", "[navn]"
# what rapport.html says about a problem file instead of the reader's message (which names the file)
STAGING_NOTES = {
    "missing": "Filen findes ikke i dokumentmappen",
    "unreadable": "Filen kan ikke læses, eller filnavnet peger uden for dokumentmappen",
    "duplicate": "Samme indhold som et andet dokument på samme sag – ikke kopieret igen",
    "not_in_plan": "En fil fra en tidligere kørsel med en anden plan – flyt eller slet den",
}
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1d2733;background:#f4f6f8}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;margin:0 0 12px}
.sub{color:#516070;margin:0 0 20px}
section{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:16px 20px;margin:0 0 18px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;background:none;border:0;padding:0}
.tile{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:12px 14px}
.tile b{display:block;font-size:1.5rem}.tile span{color:#516070;font-size:.85rem}
table{border-collapse:collapse;font-size:.9rem;margin:4px 0 8px}
th,td{border-bottom:1px solid #e6ebf0;padding:4px 10px;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:18px}
.note{color:#516070;font-size:.85rem}.warn{color:#9a3b00}
svg{max-width:100%;height:auto}svg text{font-family:inherit;font-size:12px;fill:#1d2733}
details{margin-top:6px}summary{cursor:pointer;color:#0b5cad}
@media print{body{background:#fff}section{break-inside:avoid}}
"""


# ---- numbers ----------------------------------------------------------------------------------------------------

def _raw(x: float) -> str:
    """A number for a data-value attribute: exact (round-trips), no Danish formatting."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def months_before(dates: pd.Series, cutover: dt.date) -> pd.Series:
    """Whole months from each date to the cut-over (NA where no date)."""
    d = pd.to_datetime(dates)
    months = (cutover.year - d.dt.year) * 12 + (cutover.month - d.dt.month) - (d.dt.day > cutover.day).astype(int)
    return months.astype("Int64")


def asset_age_buckets(application_dates: pd.Series, cutover: dt.date) -> list[tuple[str, int]]:
    """Age of the latest asset declaration (the KP application date) in months before the cut-over."""
    months = months_before(application_dates, cutover)
    out = []
    for low, high, label in AGE_BUCKETS:
        hit = (months >= low) & (months < high) if high is not None else months >= low
        out.append((label, int(hit.fillna(False).sum())))
    out.append((NOT_DECLARED, int(months.isna().sum())))
    return out


def cases_per_caseworker(batch: Batch) -> tuple[str, list[tuple[str, int]]]:
    """Planned cases per caseworker in the plan (+ held back); without a plan: per ESDH caseworker."""
    cases = batch.cases
    plan = batch.plan
    if plan is not None and len(plan.by_caseworker):
        by = plan.by_caseworker
        items = [(str(name), int(n)) for name, n in zip(by["caseworker"], by["cases"], strict=True)]
        held = int((cases[C.plan_status] == "held_back").sum())
        return "Sager pr. sagsbehandler i planen", items + ([("Holdt tilbage", held)] if held else [])
    counts = cases[C.caseworker].fillna("(ingen)").value_counts() if C.caseworker in cases else pd.Series(dtype=int)
    return "Sager pr. sagsbehandler i ESDH (ingen plan)", [(str(k), int(v)) for k, v in counts.sort_index().items()]


def documents_per_category(batch: Batch) -> list[tuple[str, int]]:
    counts = batch.documents[D.category].value_counts()
    return [(str(k), int(v)) for k, v in counts.sort_values(ascending=False, kind="stable").items()]


# ---- SVG charts -------------------------------------------------------------------------------------------------

def hbar_chart(chart: str, title: str, items: Sequence[tuple[str, float]], unit: str = "") -> str:
    """Horizontal bars, one per item, the value written at the end of the bar."""
    if not items:
        return f'<p class="note" data-chart="{chart}">Ingen data.</p>'
    width, label_w, row_h = 560, 170, 26
    top = max(v for _, v in items) or 1
    height = row_h * len(items) + 10
    parts = [f'<svg data-chart="{chart}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = 5 + i * row_h
        w = (width - label_w - 70) * value / top
        parts.append(f'<g data-label="{escape(label)}" data-value="{_raw(value)}">'
                     f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(_short(label, 26))}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" rx="2" '
                     f'fill="{PALETTE[5] if label in HIGHLIGHT else PALETTE[0]}"/>'
                     f'<text x="{label_w + w + 6:.1f}" y="{y + 17}">{fmt_num(value, 0 if float(value).is_integer() else 1)}'
                     f'{escape(unit)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def per_period(hours: pd.DataFrame) -> tuple[str, str, pd.DataFrame]:
    """Hours per day, or per week / month when a long plan would make daily bars unreadable:
    (period name, date label format, frame indexed by the period's first day)."""
    if len(hours) <= 90:
        return "dag", "%d-%m", hours
    weekly = hours.resample("W-MON", label="left", closed="left").sum()
    if len(weekly) <= 104:
        return "uge", "%d-%m-%y", weekly[weekly.sum(axis=1) > 0]
    monthly = hours.resample("MS").sum()
    return "måned", "%m-%Y", monthly[monthly.sum(axis=1) > 0]


def column_chart(chart: str, title: str, frame: pd.DataFrame, label: str = "%d-%m") -> str:
    """Stacked columns per period (rows: first day, columns: series such as caseworkers), a y axis and a legend."""
    if frame.empty:
        return f'<p class="note" data-chart="{chart}">Ingen planlagte dage – tilføj sagsbehandlere i [planning].</p>'
    width, height, left, bottom, top_pad = 1000, 310, 44, 46, 24
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    totals = frame.sum(axis=1)
    top = _nice_ceiling(float(totals.max()))
    step = plot_w / len(frame)
    bar = max(1.0, step * 0.8)
    every = max(1, int(len(frame) / 25) + 1)  # at most ~25 date labels
    parts = [f'<svg data-chart="{chart}" viewBox="0 0 {width} {height + 24}" width="{width}" height="{height + 24}" '
             f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for k in range(5):
        value = top * k / 4
        y = top_pad + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e5ea"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{fmt_num(value, 0 if value.is_integer() else 1)}</text>')
    parts.append(f'<text x="{left - 6}" y="{top_pad - 12}" text-anchor="end">timer</text>')
    colours: dict[Hashable, str] = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(frame.columns)}
    for i, (day, row) in enumerate(_by_day(frame)):
        x = left + i * step + (step - bar) / 2
        y = top_pad + plot_h
        parts.append(f'<g data-day="{day:%Y-%m-%d}" data-value="{_raw(totals[day])}">')
        for name, value in row.items():
            if value <= 0:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colours[name]}" '
                         f'data-series="{escape(str(name))}" data-value="{_raw(value)}"><title>{escape(str(name))} '
                         f'{fmt_date(day)}: {fmt_num(value, 2)} t</title></rect>')
        parts.append("</g>")
        if i % every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{top_pad + plot_h + 14}" text-anchor="end" '
                         f'transform="rotate(-45 {x + bar / 2:.1f} {top_pad + plot_h + 14})">{day.strftime(label)}</text>')
    lx = left
    for name, colour in colours.items():
        parts.append(f'<rect x="{lx}" y="{height + 8}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{lx + 16}" y="{height + 18}">{escape(str(name))}</text>')
        lx += 30 + 8 * len(str(name))
    parts.append("</svg>")
    return "".join(parts)


def _by_day(frame: pd.DataFrame) -> Iterator[tuple[pd.Timestamp, pd.Series]]:
    """`frame.iterrows()` of a frame indexed by day (a DatetimeIndex), the day typed as the Timestamp it is."""
    return zip(frame.index, (row for _, row in frame.iterrows()), strict=True)


def _nice_ceiling(x: float) -> float:
    if x <= 0:
        return 1.0
    for step in (1, 2, 4, 5, 8, 10, 12, 16, 20, 25, 40, 50, 80, 100, 200, 400, 500, 1000):
        if x <= step:
            return float(step)
    return float(-(-x // 1000) * 1000)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ---- the page ---------------------------------------------------------------------------------------------------

def _table(header: list[str], rows: Sequence[Sequence[tuple[str, str | None]]], numeric_from: int = 1) -> str:
    """rows: cells as (text, metric key or None); cells from `numeric_from` on are right-aligned numbers."""
    head = "".join(f'<th{" class=n" if i >= numeric_from else ""}>{escape(h)}</th>' for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = []
        for i, (text, key) in enumerate(row):
            attrs = (' class="n"' if i >= numeric_from else "") + (f' data-metric="{escape(key)}"' if key else "")
            cells.append(f"<td{attrs}>{escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _numbers_table(items: Sequence[tuple[str, float]], chart: str, header: tuple[str, str]) -> str:
    rows = [[(label, None), (fmt_num(v, 0 if float(v).is_integer() else 2), f"{chart}.{label}")] for label, v in items]
    return f"<details><summary>Vis tallene</summary>{_table(list(header), rows)}</details>"


def _tile(label: str, text: str, key: str, value: object) -> str:
    return f'<div class="tile" data-metric="{key}" data-value="{escape(str(value))}"><b>{escape(text)}</b>' \
           f'<span>{escape(label)}</span></div>'


def render_report(batch: Batch) -> str:
    cfg = batch.config
    plan = batch.plan
    counts = batch.outcome_counts()
    tiles = [_tile("sager konverteres", fmt_int(len(batch.cases)), "cases_converted", len(batch.cases)),
             _tile("dokumenter skal med", fmt_int(len(batch.documents)), "documents_converted", len(batch.documents))]
    if plan is not None:
        tiles.append(_tile("timer (estimeret)", fmt_num(plan.total_hours, 1), "total_hours", _raw(plan.total_hours)))
        last = plan.last_day
        tiles.append(_tile("sidste planlagte dag", fmt_date(last) or "–", "last_day", last.isoformat() if last else ""))
        tiles.append(_tile("batches", fmt_int(plan.batches), "batches", plan.batches))
        tiles.append(_tile("holdt tilbage", fmt_int(plan.held_back), "held_back", plan.held_back))
    tiles.append(_tile("poster afvist", fmt_int(batch.rejected_count), "rejected", batch.rejected_count))

    outcome_rows = []
    for table in ("cases", "documents", "assets"):
        if table in counts.index:
            r = single_row(counts, table)
            outcome_rows.append([(TABLE_LABELS[table].capitalize(), None), (fmt_int(r.sum()), f"read.{table}")]
                                + [(fmt_int(r[o]), f"{o}.{table}") for o, _ in OUTCOMES])
    flags = batch.flag_counts()
    flag_rows = [[(label, None), (batch.not_checked.get(code) or fmt_int(flags.get(code, 0)), f"flag.{code}")]
                 for code, label in FLAGS.items()]

    sections = [f'<section class="tiles">{"".join(tiles)}</section>',
                *(['<section><h2>Mangler for hele batchen</h2><ul class="warn">'
                   + "".join(f'<li data-notice="{i}">{escape(n.team)}</li>' for i, n in enumerate(batch.notices))
                   + "</ul></section>"] if batch.notices else []),
                "<section><h2>Udfald pr. tabel</h2><p class=note>Hver post i inputfilerne står i præcis én kolonne."
                "</p>" + _table(["Tabel", "Læst", *[label for _, label in OUTCOMES]], outcome_rows) + "</section>",
                "<section><h2>Bemærkninger på sager der konverteres</h2>"
                + _table(["Bemærkning", "Sager"], flag_rows) + "</section>"]
    sections.append(_plan_section(batch))
    age = asset_age_buckets(batch.cases[C.application_date], cfg.cutover_date)
    cats = documents_per_category(batch)
    sections.append(
        '<div class="grid"><section><h2>Alder på seneste formueoplysning</h2><p class="note">Måneder fra '
        f'ansøgningsdatoen (seneste oplyste formue) til startdatoen {fmt_date(cfg.cutover_date)}.</p>'
        + hbar_chart("asset_age", "Sager efter alder på seneste formueoplysning", age)
        + _numbers_table(age, "asset_age", ("Alder", "Sager")) + "</section>"
        "<section><h2>Dokumenter pr. kategori</h2><p class=note>Den dokumentkategori, der vælges i KP.</p>"
        + hbar_chart("documents_per_category", "Dokumenter pr. dokumentkategori", cats)
        + _numbers_table(cats, "documents_per_category", ("Kategori", "Dokumenter")) + "</section></div>")
    if batch.staging is not None:
        names = {str(c): n for c, n in zip(batch.cases[C.case_id], batch.cases[C.name], strict=True)
                 if isinstance(n, str)} if C.name in batch.cases else {}
        sections.append(_staging_section(batch.staging, names))
    title = f"Konvertering til KP – {cfg.batch_name}"
    sub = " · ".join(x for x in (cfg.municipality, f"Startdato i KP {fmt_date(cfg.cutover_date)}",
                                 f"kp-convert {__version__}") if x)
    page = ("<!DOCTYPE html>\n<html lang=\"da\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>"
            f"<h1>{escape(title)}</h1><p class=\"sub\">{escape(sub)}</p>{''.join(sections)}"
            "<p class=\"note\">Rapporten indeholder ingen CPR-numre og navne. Detaljerne står i konverteringsark.xlsx."
            "</p></main></body></html>\n")
    # the promise holds whatever a caseworker column or a configured name holds: no CPR number in any spelling
    return MASKED_IN_TEXT.sub(NO_CPR, CPR_IN_TEXT.sub(NO_CPR, page))


def _plan_section(batch: Batch) -> str:
    plan = batch.plan
    title, per_worker = cases_per_caseworker(batch)
    parts = ["<section><h2>Plan for manuel konvertering</h2>"]
    if plan is not None:
        s, summary = plan.settings, plan_summary(plan)
        assumed = [k for k in ("minutes_per_case", "minutes_per_document", "extra_minutes_flagged")
                   if k in s.defaults_used]
        parts.append(
            f"<p class=note>Estimeret tid: {fmt_num(s.minutes_per_case, 0)} min. pr. sag, "
            f"{fmt_num(s.minutes_per_document, 0)} min. pr. dokument og {fmt_num(s.extra_minutes_flagged, 0)} min. "
            "ekstra pr. sag med bemærkning."
            + (" <b>Tallene er STANDARD-antagelser</b> – ret dem i [planning], når I har prøvet en dag." if assumed
               else "") + " Weekender, helligdage og fridage er ikke arbejdsdage.</p>")
        rows = [[(SUMMARY_LABELS[k], None), (fmt_date(v) if isinstance(v, dt.date) else
                             fmt_num(v, 1) if isinstance(v, float) else str(v), f"plan.{k}")]
                for k, v in summary.items() if v is not None]
        parts.append(_table(["Nøgletal", ""], rows))
        parts += [f'<p class="warn">{escape(w)}</p>' for w in plan.warnings]
        first_day, last_day = summary["first_day"], summary["last_day"]
        if first_day and last_day:
            off = days_off_between(first_day, last_day, s)
            if off:
                parts.append("<p class=note>Helligdage og fridage i perioden: "
                             + escape(", ".join(f"{fmt_date(d)} {name}" for d, name in off)) + ".</p>")
    parts.append(f'<div class="grid"><div><h3>{escape(title)}</h3>'
                 + hbar_chart("cases_per_caseworker", title, per_worker)
                 + _numbers_table(per_worker, "cases_per_caseworker", ("Sagsbehandler", "Sager")) + "</div></div>")
    period, label, hours = per_period(plan.hours_per_day() if plan is not None else pd.DataFrame())
    parts.append(f"<h3>Planlagte timer pr. {period}</h3>"
                 + column_chart("hours_per_day", f"Planlagte timer pr. {period} og sagsbehandler", hours, label))
    if not hours.empty:
        rows = [[(fmt_date(day), None), *[(fmt_num(v, 2), None) for v in row], (fmt_num(row.sum(), 2), None)]
                for day, row in _by_day(hours)]
        first = {"dag": "Dag", "uge": "Uge fra", "måned": "Måned fra"}[period]
        parts.append("<details><summary>Vis tallene</summary>"
                     + _table([first, *[str(c) for c in hours.columns], "I alt"], rows) + "</details>")
    if C.plan_caseworker in batch.cases and plan is not None and not len(plan.by_caseworker):
        parts.append("<p class=note>Ingen sagsbehandlere i [planning]: tiden er beregnet, men ikke fordelt på dage."
                     "</p>")
    parts.append("</section>")
    return "".join(parts)


def _staging_section(staging: StagingResult, names: dict[str, str]) -> str:
    """Counts per status and the files that need action, by case and document number: never a file name or the
    reader's message (a file name often holds the citizen's name and CPR number; the Dokumentfiler sheet has it)."""
    counts = staging.counts()
    rows = [[(label, None), (fmt_int(counts.get(code, 0)), f"files.{code}")] for code, label in FILE_STATUS.items()]
    problems = staging.problems()
    shown = problems.head(500)
    plist = [[(_shown_id(case, names.get(case)), None), (_shown_id(doc, names.get(case)), None),
              (FILE_STATUS[status], None), (note, None)]
             for case, doc, status, note in zip(shown["case_id"], shown["document_id"], shown["status"],
                                                _staging_notes(staging.files, shown, names), strict=True)]
    more = (f"<p class=note>Viser {len(shown)} af {len(problems)} – alle står på arket Dokumentfiler.</p>"
            if len(problems) > len(shown) else "")
    body = (_table(["Sag", "Dokument", "Status", "Besked"], plist, numeric_from=9) if plist
            else "<p>Ingen problemer: alle filer er fundet og lagt klar.</p>")
    hidden = ("<p class=note>Filnavnene vises ikke her, da de kan indeholde CPR-numre og navne: de står på arket "
              "Dokumentfiler i konverteringsark.xlsx.</p>" if plist else "")
    return ("<section><h2>Dokumentfiler lagt klar til træk-og-slip</h2>"
            f"<p class=note>Mappen {escape(staging.target_folder.name)}/ i resultatmappen: én mappe pr. batch og sag, "
            "filerne nummereret i rækkefølge og med dokumentkategorien i navnet.</p>"
            + _table(["Status", "Filer"], rows) + f"<h3>Filer der kræver handling ({len(problems)})</h3>" + hidden
            + body + more + "</section>")


def _staging_notes(files: pd.DataFrame, shown: pd.DataFrame, names: dict[str, str]) -> list[str]:
    """A fixed Danish note per problem file, with no text from the export but a document number."""
    ok = files[~files["status"].isin(["duplicate", "not_in_plan"]) & files["sha256"].ne("")]
    first: dict[tuple[str, str], str] = {}  # (case, content) -> the first document with it
    for c, h, d in zip(ok["case_id"], ok["sha256"], ok["document_id"], strict=True):
        first.setdefault((c, h), d)
    notes = []
    for case, status, filename, digest in zip(shown["case_id"], shown["status"], shown["filename"], shown["sha256"],
                                              strict=True):
        if status == "missing" and (not isinstance(filename, str) or not filename.strip()):
            notes.append("Filnavnet mangler i dokumentudtrækket")
        elif status == "duplicate" and (case, digest) in first:
            doc = _shown_id(first[(case, digest)], names.get(case))
            notes.append(f"Samme indhold som dokument {doc} på samme sag – ikke kopieret igen")
        else:
            notes.append(STAGING_NOTES[status])
    return notes


def _shown_id(text: object, name: str | None) -> str:
    """A case or document number as rapport.html may show it: a CPR number in it removed, and the words of the
    citizen's own name (an ESDH that builds numbers from names)."""
    shown = MASKED_IN_TEXT.sub(NO_CPR, CPR_IN_TEXT.sub(NO_CPR, "" if text is None or text is pd.NA else str(text)))
    return remove_name(shown, name, NO_NAME) if name else shown


@stage("report", "Skriver rapport.html")
def write_report(batch: Batch, path: Path) -> None:
    path.write_text(render_report(batch), encoding="utf-8")

