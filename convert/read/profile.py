"""The export profile (`kp-convert inspect`): what each configured export holds and how the run would read it,
before anything is converted.

It reads through the run's own reader and mapping (`read_input`, `map_columns(strict=False)`), and where the run
would stop it reports instead: a file that cannot be read, a configured header the file lacks, a header used twice,
a required or deciding column that is missing. Per column: the field it maps to and why, its content kind, fill
rate and distinct count. Values are shown only for the categorical fields (status, benefit, document type, pension
type) – never a CPR number, a name or free text: the profile is safe to share with a colleague or a supplier.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import pandas as pd

from schemas import TABLE_LABELS, fields_of

from ..codes import CHECK_NEEDS, FLAGS
from ..errors import KpConvertError
from ..privacy import scrub_cpr_text
from ..progress import stage
from ..settings.batch import Config, reconcile_settings
from ..settings.inputs import InputSpec
from ..stages.compute import check_fields
from .columns import (
    KIND_LABELS,
    ColumnContent,
    Suggestion,
    column_content,
    fits,
    header_likeness,
    suggest,
    suggest_optional,
)
from .headers import normalise_header
from .mapping import BY_CONFIG, HIDDEN_HEADER, MappedTable, header_row_looks_like_data, hidden_headers, map_columns
from .profile_facts import VALUE_FIELDS, add_values, asset_years, date_range, name_values, selection_profile
from .profile_model import (
    HOW_LABELS,
    AssetYear,
    ColumnProfile,
    ExportProfile,
    FileProfile,
    MissingField,
    Suggested,
)
from .table import RawTable, read_input

DECISION_FIELDS = ("status", "end_date")  # with one of selection.match_fields: they decide what is converted
NOTED_LIKENESS = 0.85  # "looks like a field already mapped": only with one of the field's hint words


@dataclass
class _Read:
    """What one file gave besides its profile: the fields found (for the checks) and the asset years."""

    present: set[str] | None  # None: the file could not be read
    years: list[AssetYear]


@stage("inspect", "Kortlægger udtrækkene")
def profile_exports(config: Config) -> ExportProfile:
    """Profile every configured export (the batch's inputs and, when they have a path, the KP report and the later
    ESDH export). Never raises for what is in the files: that is what it reports."""
    specs = dict(config.inputs)
    settings = reconcile_settings(config)
    for extra in (settings.kp_report, settings.esdh_export):
        if extra is not None:
            specs[extra.table] = extra
    files: list[FileProfile] = []
    present: dict[str, set[str]] = {}
    years: list[AssetYear] = []
    for table, spec in specs.items():
        profile, got = profile_file(spec, config)
        files.append(profile)
        years += got.years
        if got.present is not None:
            present[table] = got.present
    cases = next((f for f in files if f.table == "cases"), None)
    if cases is not None and "cases" in present:
        cases.missing += _missing_checks(config, present)
    without = sorted({y.year for y in years if y.limit is None and y.declarations > y.after_cutover})
    return ExportProfile(batch=config.batch_name, config=str(config.source or ""),
                         cutover_date=config.cutover_date.isoformat(), files=files,
                         asset_years=sorted(years, key=lambda y: (y.year, y.source)), years_without_limit=without)


def profile_file(spec: InputSpec, config: Config) -> tuple[FileProfile, _Read]:
    """One export: read it as the run does, map what can be mapped, and describe every column."""
    out = FileProfile(table=spec.table, table_label=TABLE_LABELS[spec.table], file=spec.name, path=str(spec.path))
    try:
        raw = read_input(spec)
    except KpConvertError as exc:  # missing, empty, binary, broken quoting, unknown sheet …: said, not raised
        out.error, out.error_exit_code = scrub_cpr_text(str(exc)), exc.exit_code
        return out, _Read(None, [])
    meta = raw.meta
    out.format, out.encoding = str(meta.get("format", "")), str(meta.get("encoding", ""))
    out.delimiter = {"\t": "tab"}.get(str(meta.get("delimiter", "")), str(meta.get("delimiter", "")))
    out.line_endings, out.sheet = str(meta.get("line_endings", "")), str(meta.get("sheet", ""))
    sheets = meta.get("sheets")
    out.sheets = [{"name": str(s.get("name", "")), "state": str(s.get("state", "visible"))}
                  for s in sheets if isinstance(s, dict)] if isinstance(sheets, list) else []
    header_row = meta.get("header_row")
    out.header_row = header_row if isinstance(header_row, int) else None
    skipped = meta.get("title_rows_skipped", 0)
    out.title_rows_skipped = skipped if isinstance(skipped, int) else 0
    out.records, out.ragged_lines = raw.records_read, len(raw.rejected)
    warnings = meta.get("warnings", [])
    out.warnings = [scrub_cpr_text(str(w)) for w in warnings] if isinstance(warnings, list) else []

    # no header line (or header_row pointing at data): never show a cell of that row – it holds a CPR number or a name
    data_row = header_row_looks_like_data(raw.headers)
    if data_row:
        where = "Række" if out.format == "xlsx" else "Linje"
        out.blocking.append(f"{where} {out.header_row} ligner data (et CPR-nummer, en dato, et filnavn eller tal), ikke "
                            f"en overskrift – {_command(spec)} stopper (exit 3). Tag overskriftslinjen med i udtrækket, "
                            f"eller sæt input.{spec.table}.header_row til overskriftens nummer")
        raw = replace(raw, headers=[f"Kolonne {i + 1}" if f"c{i}" in raw.frame else ""
                                    for i in range(len(raw.headers))])
    mapping_raw, duplicates = _mappable(raw, out)
    mapped = map_columns(mapping_raw, strict=False)
    empty = column_content(pd.Series("", index=raw.frame.index, dtype="string"))  # a blank position without data
    contents = [column_content(raw.frame[f"c{i}"]) if f"c{i}" in raw.frame else empty  # (the frame has no column)
                for i in range(len(raw.headers))]
    position = {h: i for i, h in enumerate(mapping_raw.headers) if h}
    field_at = {position[h]: f for f, h in mapped.columns.items()}
    specs = {f.name: f for f in fields_of(spec.table)}
    # a header cell shaped like a person's name is never shown nor suggested, unless a field maps to it (then it is
    # the configured or a built-in header, not a person)
    hidden = hidden_headers(raw.headers) - set(mapped.columns.values())

    def shown(header: str) -> str:
        return HIDDEN_HEADER if header in hidden else header

    for i, first in duplicates.items():
        if first in field_at:
            out.blocking.append(f"Kolonnen '{shown(raw.headers[i])}' findes flere gange i overskriften, og "
                                f"{specs[field_at[first]].label} ({field_at[first]}) bruger den – {_command(spec)} "
                                "stopper (exit 3). Omdøb den ene kolonne i udtrækket")
    for f, h in mapped.columns.items():
        if mapped.how.get(f) == BY_CONFIG and not fits(specs[f], contents[position[h]]):
            out.notes.append(f"{f} er koblet til '{h}' i konfigurationen, men indholdet er mest "
                             f"{KIND_LABELS[contents[position[h]].kind]}: rækkerne afvises som ugyldige")

    suggestions, likeness = (([], {}) if data_row else
                             _suggestions(spec, mapping_raw, mapped, contents, config.selection.match_fields, hidden))
    by_header = {s.header: s for s in suggestions}
    names = name_values(mapped)
    for i, header in enumerate(raw.headers):
        c = contents[i]
        if not header and not c.filled:
            continue  # a blank column without data (trailing separators, empty Excel columns)
        col = ColumnProfile(position=i + 1, header=shown(header), field=None, field_label=None, how="not_mapped", reason="",
                            kind=c.kind, kind_label=KIND_LABELS[c.kind], filled=c.filled,
                            fill_rate=round(c.fill_rate, 4), distinct=c.distinct)
        if i in field_at:
            target = specs[field_at[i]]
            col.field, col.field_label = target.name, target.label
            col.how = "config" if mapped.how.get(target.name) == BY_CONFIG else "alias"
        elif not header:
            col.how = "no_header"
        elif i in duplicates:
            col.how, col.reason = "duplicate", f"samme overskrift som kolonne {duplicates[i] + 1}; bruges ikke"
        elif header in mapped.refused:
            label, why = mapped.refused[header]
            col.how, col.reason = "refused", f"ikke brugt som {label}: {why}"
        if col.field is None and (s := by_header.get(header)) is not None:
            col.suggestion = Suggested(s.field, specs[s.field].label, _line(s.field, s.header), s.reason)
        elif col.field is None and header in likeness:
            col.reason = "; ".join(x for x in (col.reason, likeness[header]) if x)
        elif col.field is None and col.how == "not_mapped" and c.filled:
            col.reason = "intet ledigt felt ligner kolonnen"
        if c.kind == "date" or (col.field is not None and specs[col.field].kind == "date"):
            col.dates = date_range(raw.column(i))
        if col.field in VALUE_FIELDS.get(spec.table, ()):
            add_values(col, raw.column(i), c, names, config if spec.table in ("cases", "esdh_export") else None)
        out.columns.append(col)

    out.missing = _missing_fields(spec, mapped, config, by_field={s.field: s for s in suggestions})
    for m in out.missing:
        if m.need in ("required", "decision"):
            out.blocking.append(f"Ingen kolonne til {m.field_label} ({m.field}): {m.why}")
    if spec.table == "cases":
        out.selection = selection_profile(mapped, spec, config)
    if not data_row:
        out.columns_block = _columns_block(spec, mapped, suggestions, out.missing)
    return out, _Read(set(mapped.columns), asset_years(spec, mapped, config))


def _command(spec: InputSpec) -> str:
    """The command that reads this input (and stops at what the profile reports)."""
    return "reconcile" if spec.table in ("kp_report", "esdh_export") else "run"


def _mappable(raw: RawTable, out: FileProfile) -> tuple[RawTable, dict[int, int]]:
    """The table as `map_columns` can take it without stopping: a configured header the file lacks is reported and
    left out, a repeated header is kept once (the later ones blanked). Returns it and {repeat position: first}."""
    norm = [normalise_header(h) for h in raw.headers]
    first: dict[str, int] = {}
    duplicates: dict[int, int] = {}
    for i, n in enumerate(norm):
        if n and n in first:
            duplicates[i] = first[n]
        elif n:
            first[n] = i
    spec = raw.spec
    columns = {}
    for f, header in spec.columns.items():
        if normalise_header(header) in first:
            columns[f] = header
        else:
            out.blocking.append(f"input.{spec.table}.columns.{f} = '{header}', men filen har ingen kolonne med den "
                                f"overskrift – {_command(spec)} stopper (exit 2)")
    headers = ["" if i in duplicates else h for i, h in enumerate(raw.headers)]
    if columns == spec.columns and not duplicates:
        return raw, duplicates
    return replace(raw, spec=replace(spec, columns=columns), headers=headers), duplicates


def _suggestions(spec: InputSpec, raw: RawTable, mapped: MappedTable, contents: list[ColumnContent],
                 match_fields: tuple[str, ...], hidden: set[str]) -> tuple[list[Suggestion], dict[str, str]]:
    """Lines to paste for the fields not found, from the columns no field took (header likeness and content), and
    for the columns left over, which mapped field they look like. A header in `hidden` (shaped like a person's name)
    is never suggested.

    The fields the run cannot do without (required, and for the cases export those that decide the selection) are
    matched first, as the run's own message does; an optional field only when the header clearly names it (a case's
    'Afsluttet dato' is not the date its assets were declared)."""
    specs = {f.name: f for f in fields_of(spec.table)}
    taken = set(mapped.columns.values())
    free = {h: contents[i] for i, h in enumerate(raw.headers)
            if h and h not in taken and h not in hidden and contents[i].filled}
    wanted = [f for f in specs if f not in mapped.columns and f not in spec.not_in_export]
    deciding = (*DECISION_FIELDS, *match_fields) if spec.table == "cases" else ()
    urgent = [f for f in wanted if specs[f].required or f in deciding]
    found = suggest(spec.table, free, urgent)  # also finds a column of CPR numbers whatever its header (Acadre)

    def left(pool: dict[str, ColumnContent]) -> dict[str, ColumnContent]:
        return {h: c for h, c in pool.items() if h not in {s.header for s in found}}

    found += suggest_optional(spec.table, left(free), [f for f in wanted if f not in urgent])
    likeness = {s.header: f"ligner {specs[s.field].label} ({s.field}), som allerede er koblet til "
                          f"'{mapped.columns[s.field]}'"
                for s in suggest(spec.table, left(free), list(mapped.columns))
                if header_likeness(specs[s.field], s.header) >= NOTED_LIKENESS}
    return found, likeness


def _missing_fields(spec: InputSpec, mapped: MappedTable, config: Config, *, by_field: dict[str, Suggestion]
                    ) -> list[MissingField]:
    """Required fields and (for the cases export) the fields that decide the selection, not found."""
    labels = {f.name: f.label for f in fields_of(spec.table)}
    have = set(mapped.columns) | set(spec.not_in_export)
    out = [MissingField(f.name, f.label, "required", f"påkrævet – {_command(spec)} stopper (exit 3)")
           for f in fields_of(spec.table) if f.required and f.name not in mapped.columns]
    if spec.table == "cases":
        decision = [f for f in DECISION_FIELDS if f not in have]
        match = config.selection.match_fields
        if not set(match) & set(mapped.columns):
            decision += [f for f in match if f not in have]
        out += [MissingField(f, labels[f], "decision", "afgør hvilke sager der konverteres – run stopper (exit 2), "
                             "indtil den er koblet eller nævnt i input.cases.not_in_export") for f in decision]
    for m in out:
        if (s := by_field.get(m.field)) is not None:
            m.suggestion = _line(s.field, s.header)
    return out


def _missing_checks(config: Config, present: dict[str, set[str]]) -> list[MissingField]:
    """The checks of KP's criteria that will not run (`ikke kontrolleret`) for want of a column or an export."""
    available = check_fields(present)
    declared = set(config.inputs["cases"].not_in_export)
    labels = {f.name: f.label for f in fields_of("cases")} | {"documents": "Dokumentudtræk"}
    needs: dict[str, list[str]] = {}
    for code, need in CHECK_NEEDS.items():
        if need not in available:
            needs.setdefault(need, []).append(FLAGS[code])
    return [MissingField(need, labels.get(need, need), "check",
                         ("ikke i udtrækket (not_in_export)" if need in declared else "ingen kolonne" if
                          need != "documents" else "intet dokumentudtræk") + " – kontrolleres ikke: " + ", ".join(flags))
            for need, flags in needs.items()]


def _line(field_name: str, header: str) -> str:
    """`field = "header"`, the header as a TOML string (JSON's escapes are TOML's)."""
    return f"{field_name} = {json.dumps(header, ensure_ascii=False)}"


def _columns_block(spec: InputSpec, mapped: MappedTable, suggestions: list[Suggestion],
                   missing: list[MissingField]) -> list[str]:
    """`[input.X.columns]` as the run would map the file, with the suggested lines marked for checking."""
    suggested = {s.field: s for s in suggestions}
    lacking = {m.field: m for m in missing if m.need in ("required", "decision")}
    lines = [f"[input.{spec.table}.columns]"]
    for f in fields_of(spec.table):
        if f.name in mapped.columns:
            how = HOW_LABELS["config" if mapped.how.get(f.name) == BY_CONFIG else "alias"]
            lines.append(f"{_line(f.name, mapped.columns[f.name]):<44} # {how}")
        elif (s := suggested.get(f.name)) is not None:
            lines.append(f"{_line(f.name, s.header):<44} # FORSLAG – kontrollér: {s.reason}")
        elif f.name in lacking:
            lines.append(f"# {f.name} = \"<overskrift>\"{'':<20} # MANGLER ({f.label}): ingen kolonne ligner den")
    absent = [f for f in lacking if f not in suggested and lacking[f].need == "decision"]
    if absent:
        lines.append(f"# findes kolonnen ikke, så skriv under [input.{spec.table}]: not_in_export = ["
                     + ", ".join(f'"{f}"' for f in absent) + "]")
    if spec.not_in_export:
        lines.append(f"# not_in_export (under [input.{spec.table}]): " + ", ".join(spec.not_in_export))
    return lines
