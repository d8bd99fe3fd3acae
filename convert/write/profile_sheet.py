"""The export profile out: `kortlaegning.xlsx` (Danish) and the console summary of `kp-convert inspect`.

Everything here comes from `convert.read.profile.ExportProfile`, which holds no CPR number, name or free text:
headers, counts, date ranges and the values of the categorical columns only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from schemas import field_spec

from ..errors import OutputError
from ..read.profile_model import HOW_LABELS, ColumnProfile, ExportProfile, FileProfile
from ..settings.toml import resolved
from .output_set import OutputSet
from .xlsx import Column, Table, Workbook

PROFILE_NAME = "kortlaegning.xlsx"
NEED_LABELS = {"required": "påkrævet", "decision": "afgør udvælgelsen", "check": "kontrol af KP's kriterier"}
STATE_LABELS = {"hidden": "skjult", "veryHidden": "meget skjult"}
PRIVACY_NOTE = ("Ingen CPR-numre, navne eller fritekst: kun overskrifter, optællinger, datointervaller og værdierne "
                "i kolonnerne for status, ydelse, dokumenttype og pensionstype")


def write_profile(profile: ExportProfile, out_dir: Path, *, inputs: list[Path] | None = None) -> Path:
    """Write kortlaegning.xlsx into `out_dir` (renamed into place only when complete). `inputs`: files it must
    not overwrite."""
    import xlsxwriter.exceptions

    folder = Path(out_dir)
    target = resolved(folder / PROFILE_NAME)
    if any(resolved(Path(p)) == target for p in inputs or []):  # an input may be a symlink loop (reported, not read)
        raise OutputError(f"Inputfilen {target} ville blive overskrevet af {PROFILE_NAME}",
                          hint="vælg en anden resultatmappe med --out")
    out = OutputSet(folder)
    try:
        created = dt.datetime.fromisoformat(profile.cutover_date)  # fixed: same inputs, same bytes
        book = Workbook(out.path(PROFILE_NAME), created=created, title=f"Kortlægning – {profile.batch}")
        book.write_key_values("Oversigt", f"Kortlægning af ESDH-udtræk – {profile.batch}", overview_blocks(profile))
        for table in (columns_table(profile), values_table(profile), asset_years_table(profile),
                      config_lines_table(profile)):
            book.write_table(table)
        book.close()
    except (OSError, xlsxwriter.exceptions.XlsxFileError) as exc:
        out.abort()
        raise OutputError(f"{PROFILE_NAME} kunne ikke skrives ({getattr(exc, 'strerror', None) or exc})") from None
    except BaseException:
        out.abort()
        raise
    return out.commit()[PROFILE_NAME]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "Ja" if value else "Nej"


def _other_sheets(f: FileProfile) -> str:
    return ", ".join(s["name"] + (f" ({STATE_LABELS[s['state']]})" if s["state"] in STATE_LABELS else "")
                     for s in f.sheets if s["name"] != f.sheet)


def overview_blocks(p: ExportProfile) -> list[tuple[str, list[list[object]]]]:
    readable = [f for f in p.files if f.error is None]
    blocks: list[tuple[str, list[list[object]]]] = [("Kortlægningen", [
        ["Konfiguration", p.config], ["Startdato i KP", dt.date.fromisoformat(p.cutover_date)],
        ["Personoplysninger", PRIVACY_NOTE]])]
    files: list[list[object]] = [["Tabel", "Fil", "Format", "Tegnkodning", "Skilletegn", "Ark", "Andre ark",
                                  "Overskrift i række", "Poster", "Forkerte linjer", "Kolonner", "Koblet", "Fejl"]]
    for f in p.files:
        files.append([f.table_label, f.file, f.format.upper(), f.encoding, f.delimiter, f.sheet, _other_sheets(f),
                      f.header_row, f.records if f.error is None else None, f.ragged_lines if f.error is None else None,
                      len(f.columns) if f.error is None else None,
                      sum(c.field is not None for c in f.columns) if f.error is None else None, f.error or ""])
    blocks.append(("Filer", files))
    stops: list[list[object]] = [["Fil", "Hvad"]]
    stops += [[f.file, f.error] for f in p.files if f.error]
    stops += [[f.file, line] for f in readable for line in f.blocking]
    blocks.append(("Det stopper kp-convert", stops if len(stops) > 1 else [["Intet: udtrækkene kan læses"]]))
    missing: list[list[object]] = [["Fil", "Felt", "Feltnavn", "Betydning", "Hvorfor", "Forslag (kontrollér)"]]
    missing += [[f.file, m.field, m.field_label, NEED_LABELS[m.need], m.why, m.suggestion]
                for f in readable for m in f.missing]
    if len(missing) > 1:
        blocks.append(("Manglende felter", missing))
    notes: list[list[object]] = [["Fil", "Bemærkning"]]
    notes += [[f.file, line] for f in readable for line in (*f.notes, *f.warnings)]
    if len(notes) > 1:
        blocks.append(("Bemærkninger", notes))
    for f in readable:
        if f.selection is not None:
            blocks.append((f"Udvælgelse af sager i {f.file} (før validering)", selection_rows(f)))
    years = ", ".join(str(y) for y in p.years_without_limit)
    blocks.append(("Formuegrænser", [["År med formueoplysninger uden formuegrænse",
                                      f"{years} – skriv dem under [asset_limits]" if years else "ingen"]]))
    return blocks


def selection_rows(f: FileProfile) -> list[list[object]]:
    s = f.selection
    assert s is not None
    rows: list[list[object]] = [["Løbende statusser (selection.active_statuses)", ", ".join(s.active_statuses)]]
    rows.append(["Rækker med en løbende status", s.running_rows if s.running_rows is not None else "ingen statuskolonne"])
    if s.statuses_not_found:
        rows.append(["Løbende statusser som ingen række har", ", ".join(s.statuses_not_found)])
    rows.append(["Fodbehandling genkendes på (selection.foot_care_pattern)", s.foot_care_pattern])
    rows.append(["Rækker der matcher", s.foot_care_rows if s.foot_care_rows is not None
                 else "ingen af felterne " + ", ".join(s.match_fields) + " er fundet"])
    rows += [[f"  heraf i {_label(f.table, name)} ({name})", n] for name, n in s.foot_care_by_field.items()]
    if s.end_date is not None:
        rows += [["Slutdato: ingen (tidsubegrænset)", s.end_date["open_ended"]],
                 ["Slutdato efter startdatoen", s.end_date["after_cutover"]],
                 ["Slutdato på eller før startdatoen", s.end_date["on_or_before_cutover"]],
                 ["Slutdato der ikke er en dato", s.end_date["invalid"]]]
    rows.append(["Løbende fodbehandling der ville blive udvalgt", s.selected_rows if s.selected_rows is not None
                 else "kan ikke afgøres: en kolonne der afgør udvælgelsen mangler"])
    return rows


def _column_row(f: FileProfile, c: ColumnProfile) -> list[object]:
    d = c.dates
    return [f.table_label, f.file, c.position, c.header or "(ingen overskrift)", c.field or "", c.field_label or "",
            HOW_LABELS[c.how], c.reason, c.kind_label, round(100 * c.fill_rate, 1), c.filled, c.distinct,
            d.first if d else None, d.last if d else None, d.open_ended if d else None, d.invalid if d else None,
            c.suggestion.line if c.suggestion else "", c.suggestion.reason if c.suggestion else ""]


def columns_table(p: ExportProfile) -> Table:
    cols = [Column("Tabel", width=14), Column("Fil", width=24), Column("Nr.", "int", width=6),
            Column("Overskrift", width=28), Column("Felt", width=16), Column("Feltnavn", width=20),
            Column("Koblet af", width=22), Column("Begrundelse", width=50), Column("Indhold", width=12),
            Column("Udfyldt (%)", "percent", width=11), Column("Udfyldte celler", "int", width=11),
            Column("Forskellige værdier", "int", width=11), Column("Første dato", "date"),
            Column("Sidste dato", "date"), Column("Åben slutdato (31-12-9999)", "int", width=12),
            Column("Ugyldige datoer", "int", width=10), Column("Forslag (kontrollér)", width=36),
            Column("Forslagets begrundelse", width=50)]
    rows = [_column_row(f, c) for f in p.files for c in f.columns]
    return Table("Kolonner", cols, _frame(cols, rows))


def values_table(p: ExportProfile) -> Table:
    cols = [Column("Tabel", width=14), Column("Fil", width=24), Column("Felt", width=14),
            Column("Overskrift", width=24), Column("Værdi", width=36), Column("Rækker", "int", width=10),
            Column("Løbende (selection.active_statuses)", width=16)]
    rows = [[f.table_label, f.file, c.field, c.header, v.value or "(tom)", v.rows, _yes_no(v.running)]
            for f in p.files for c in f.columns for v in c.values or []]
    return Table("Værdier", cols, _frame(cols, rows))


def asset_years_table(p: ExportProfile) -> Table:
    cols = [Column("År", "int", width=8), Column("Kilde", width=36), Column("Formueoplysninger", "int", width=12),
            Column("Dateret efter startdatoen", "int", width=12), Column("Formuegrænse (kr.)", "int", width=14),
            Column("Grænse mangler", width=10)]
    rows = [[y.year, y.source, y.declarations, y.after_cutover, y.limit, _yes_no(y.limit is None)]
            for y in p.asset_years]
    return Table("Formueår", cols, _frame(cols, rows))


def config_lines_table(p: ExportProfile) -> Table:
    cols = [Column("Fil", width=24), Column("Linje til konfigurationen (kontrollér linjerne markeret FORSLAG)",
                                            width=120)]
    rows: list[list[object]] = []
    for f in p.files:
        rows += [[f.file, line] for line in f.columns_block]
    return Table("Konfiguration", cols, _frame(cols, rows))


def _frame(cols: list[Column], rows: Sequence[Sequence[object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[c.header for c in cols], dtype=object)
    for c in cols:
        if c.kind == "text":
            frame[c.header] = frame[c.header].astype("string").fillna("")
        elif c.kind == "date":  # ISO text -> real dates (Excel serials)
            frame[c.header] = pd.to_datetime(frame[c.header], format="%Y-%m-%d")
    return frame


def profile_lines(p: ExportProfile, written: Path | None) -> list[str]:
    """The console summary: per file what was found, what stops `run`, what is missing and what to paste."""
    out = [f"kp-convert kortlægning: {p.batch} – startdato i KP {dt.date.fromisoformat(p.cutover_date):%d-%m-%Y}"]
    for f in p.files:
        out.append(f"  {f.file} ({f.table_label}): " + (f"KAN IKKE LÆSES – {f.error}" if f.error else _file_line(f)))
        if f.error:
            continue
        mapped = [c for c in f.columns if c.field]
        by_config = sum(c.how == "config" for c in mapped)
        unmapped = [c for c in f.columns if not c.field and c.filled]
        out.append(f"    {len(f.columns)} kolonner: {len(mapped)} koblet ({by_config} fra konfigurationen, "
                   f"{len(mapped) - by_config} indbyggede overskrifter), {len(unmapped)} med data ikke koblet")
        if f.selection is not None:
            out += [f"    {line}" for line in _selection_lines(f)]
        out += [f"    Stopper: {line}" for line in f.blocking]
        unchecked = [m for m in f.missing if m.need == "check"]
        if unchecked:
            columns = [m.field_label for m in unchecked if m.field != "documents"]
            why = ([f"ingen kolonne til {', '.join(columns)}"] if columns else []) + (
                ["intet dokumentudtræk"] if len(columns) < len(unchecked) else [])
            out.append("    Kontrolleres ikke (se Oversigt): " + "; ".join(why))
        out += [f"    Bemærk: {line}" for line in (*f.notes, *f.warnings)]
        suggestions = [c.suggestion for c in f.columns if c.suggestion]
        if suggestions:
            out.append(f"    Forslag til [input.{f.table}.columns] (kontrollér dem):")
            out += [f"      {s.line:<40} # {s.reason}" for s in suggestions]
    if p.asset_years:
        first, last = p.asset_years[0].year, max(y.year for y in p.asset_years)
        missing = ", ".join(str(y) for y in p.years_without_limit)
        out.append(f"  Formueoplysninger fra {first} til {last}; "
                   + (f"ingen formuegrænse for {missing} – skriv dem under [asset_limits]" if missing
                      else "alle år har en formuegrænse"))
    if written is not None:
        out.append(f"  Kortlægningen er skrevet: {written} (arkene Oversigt, Kolonner, Værdier, Formueår og "
                   "Konfiguration med linjerne til [input.*.columns])")
    return out


def _file_line(f: FileProfile) -> str:
    parts = [f.format.upper()]
    if f.format == "csv":
        parts += [f.encoding, f"skilletegn '{f.delimiter}'"]
    if f.sheet:
        other = _other_sheets(f)
        parts.append(f"arket '{f.sheet}'" + (f" (andre ark: {other})" if other else ""))
    where = "linje" if f.format == "csv" else "række"
    parts.append(f"overskrift i {where} {f.header_row}")
    parts.append(f"{f.records} poster" + (f" ({f.ragged_lines} med forkert antal felter)" if f.ragged_lines else ""))
    return ", ".join(parts)


def _rows(n: int) -> str:
    return f"{n} række" if n == 1 else f"{n} rækker"


def _label(table: str, name: str) -> str:
    return field_spec(table, name).label


def _some(items: Iterable[str], shown: int = 8) -> str:
    """The first few of a list, and how many more (the console stays short; the workbook has them all)."""
    every = list(items)
    more = len(every) - shown
    return ", ".join(every[:shown]) + (f" og {more} flere" if more > 0 else "")


def _selection_lines(f: FileProfile) -> list[str]:
    s = f.selection
    assert s is not None
    status = next((c for c in f.columns if c.field == "status"), None)
    out = []
    if status is not None and status.values is not None:
        running = _some(f"{v.value or '(tom)'} {v.rows}" for v in status.values if v.running)
        other = _some(f"{v.value or '(tom)'} {v.rows}" for v in status.values if not v.running)
        out.append(f"Status ({status.header}): {_rows(s.running_rows or 0)} løbende" + (f" – {running}" if running else "")
                   + (f"; ikke løbende: {other}" if other else ""))
    elif s.running_rows is not None:
        out.append(f"Status: {_rows(s.running_rows)} løbende")
    if s.statuses_not_found:
        out.append("Løbende statusser (selection.active_statuses) som ingen række har: "
                   + ", ".join(s.statuses_not_found))
    if s.foot_care_rows is not None:
        out.append(f"Fodbehandling ('{s.foot_care_pattern}'): {_rows(s.foot_care_rows)} ("
                   + ", ".join(f"{_label(f.table, name).lower()} {n}" for name, n in s.foot_care_by_field.items())
                   + ")")
    if s.selected_rows is not None:
        out.append(f"Løbende fodbehandling der ville blive udvalgt: {_rows(s.selected_rows)} (før validering)")
    return out
