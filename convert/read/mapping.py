"""Map an export's headers to the contract's fields: the configured mapping first, then the built-in aliases.

A header matched by its name only is used when its cells fit the field (a Ja/Nej column called "Bevilget" is not a
grant date; a column of CPR numbers is not a title). Everything the mapping did not use is kept for the user to see:
columns with data that no field took ("ikke brugt"), and columns refused for their content, with why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from schemas import FieldSpec, fields_of

from ..danish.parse import is_empty
from ..errors import ConfigError, InputError
from ..privacy import CPR_IN_TEXT
from ..progress import stage
from .columns import column_content, fits_field, suggest, suggest_optional, why_not
from .headers import normalise_header
from .table import SOURCE_FILE, SOURCE_ROW, RawTable
from .xlsx import sheet_with_headers

# a cell that is data, not a header: a CPR number (any spelling), a date (01-02-2024, 1.2.24, 2024-02-01) or a
# document's file name
LOOKS_LIKE_DATA = re.compile(
    f"{CPR_IN_TEXT.pattern}"
    r"|(?<![0-9])(?:[0-9]{1,2}(?P<dsep>[-./])[0-9]{1,2}(?P=dsep)(?:[0-9]{4}|[0-9]{2})|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})"
    r"(?![0-9])"
    r"|\.(?:pdf|docx?|xlsx?|msg|eml|txt|rtf|odt|tiff?|jpe?g|png|gif|html?|zip)$", re.IGNORECASE)
_NUMBER = re.compile(r"[-+]?[0-9][0-9 .,\u00a0]*%?")  # 100, 45.000,00, 12 %
# two capitalised words in a row ("Hans Knudsen"): shown as hidden, as it may be a person's name
_NAME_SHAPED = re.compile(r"[A-ZÆØÅÄÖÜ][a-zæøåäöüé'’.-]+[ _][A-ZÆØÅÄÖÜ][a-zæøåäöüé'’.-]+")
HIDDEN_HEADER = "(skjult)"
BY_CONFIG, BY_ALIAS = "konfigurationen", "indbygget overskrift"


@dataclass
class MappedTable:
    """An export with its columns named by the contract's fields, and what the mapping decided and why."""

    frame: pd.DataFrame  # one column per field of the table (absent fields empty) + source_file, source_row
    columns: dict[str, str]  # field -> header in the file
    how: dict[str, str] = field(default_factory=dict)  # field -> BY_CONFIG or BY_ALIAS
    unused: dict[str, int] = field(default_factory=dict)  # header with data that no field took -> rows with data
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)  # header -> (field, why it was not used)
    # unused columns that may be a field the export was not found to have: header -> (field label, line, why)
    maybe: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def notes(self, file: str, table: str) -> list[str]:
        """Danish lines for the console, the Oversigt and the manifest."""
        out = [f"{file}: kolonnen '{h}' er ikke brugt som {f} – {why}" for h, (f, why) in self.refused.items()]
        out += [f"{file}: kolonnen '{h}' er ikke brugt, men kan være {label} ({why}) – er den det, så skriv under "
                f"[input.{table}.columns]: {line}" for h, (label, line, why) in self.maybe.items()]
        others = [h for h in self.unused if h not in self.refused and h not in self.maybe]
        if others:
            out.append(f"{file}: {len(others)} kolonne(r) med data bruges ikke: " + ", ".join(f"'{h}'" for h in others))
        return out


def _positions(raw: RawTable) -> list[str]:
    return [normalise_header(x) for x in raw.headers]


@stage("map", "Genkender kolonner i", detail=lambda raw, **_: raw.spec.name)
def map_columns(raw: RawTable, *, strict: bool = True) -> MappedTable:
    """Rename header positions to canonical field names. Absent optional fields become empty columns.
    `strict=False` (the export profile) maps what it can instead of stopping at a missing required column."""
    spec = raw.spec
    name = spec.name
    norm = _positions(raw)
    used: dict[int, str] = {}
    columns: dict[str, str] = {}
    how: dict[str, str] = {}
    positions: dict[str, int] = {}
    refused: dict[str, tuple[str, str]] = {}

    def claim(field_name: str, pos: int, source: str) -> None:
        dup = [i for i, n in enumerate(norm) if n == norm[pos] and i != pos]
        if dup:
            raise InputError(f"{name}: kolonnen '{raw.headers[pos]}' findes {len(dup) + 1} gange i overskriften, "
                             f"så det er uklart, hvilken der er {field_name}",
                             hint="omdøb den ene kolonne i udtrækket, eller kobl feltet til en entydig overskrift")
        used[pos] = field_name
        columns[field_name] = raw.headers[pos]
        how[field_name] = source
        positions[field_name] = pos

    for field_name, header in spec.columns.items():  # explicit mapping first: the user has looked at the column
        target = normalise_header(header)
        hits = [i for i, n in enumerate(norm) if n == target]
        if not hits:
            raise ConfigError(
                f"input.{spec.table}.columns.{field_name} = '{header}', men {name} har ingen kolonne med den overskrift",
                hint=_headers_hint(raw))
        claim(field_name, hits[0], BY_CONFIG)
    for f in fields_of(spec.table):
        if f.name in positions or f.name in spec.not_in_export:
            continue
        for alias in f.aliases:
            target = normalise_header(alias)
            hits = [i for i, n in enumerate(norm) if n == target and i not in used]
            if not hits:
                continue
            reason = _content_refusal(f, raw.frame[f"c{hits[0]}"])
            if reason is None:
                claim(f.name, hits[0], BY_ALIAS)
                break
            refused.setdefault(raw.headers[hits[0]], (f.label, reason))
    missing = [f for f in fields_of(spec.table) if f.required and f.name not in positions]
    if missing and strict:
        _refuse_missing(raw, missing, taken={raw.headers[i] for i in used})
    out = pd.DataFrame(index=raw.frame.index)
    for f in fields_of(spec.table):
        out[f.name] = raw.frame[f"c{positions[f.name]}"] if f.name in positions else None
    out[SOURCE_FILE] = raw.frame[SOURCE_FILE]
    out[SOURCE_ROW] = raw.frame[SOURCE_ROW]
    taken = set(positions.values())
    unused = {}
    for i, header in enumerate(raw.headers):
        if i in taken or not header:
            continue
        n = int((~is_empty(raw.frame[f"c{i}"])).sum())
        if n:
            unused[header] = n
    absent = [f.name for f in fields_of(spec.table) if f.name not in positions and f.name not in spec.not_in_export]
    return MappedTable(out, columns, how, unused, {h: r for h, r in refused.items() if h not in columns.values()},
                       maybe=_maybe(raw, absent, unused))


def _maybe(raw: RawTable, absent: list[str], unused: dict[str, int]) -> dict[str, tuple[str, str, str]]:
    """Unused columns that may be one of the `absent` fields (the same rule as `inspect`: `suggest_optional`):
    said beside 'not checked – no column', with the line to write. Only the unused columns are looked at."""
    hidden = hidden_headers(raw.headers)
    free = {h: column_content(raw.frame[f"c{raw.headers.index(h)}"]) for h in unused if h not in hidden}
    if not absent or not free:
        return {}
    labels = {f.name: f.label for f in fields_of(raw.spec.table)}
    return {s.header: (labels[s.field], s.line(), s.reason) for s in suggest_optional(raw.spec.table, free, absent)}


def _content_refusal(f: FieldSpec, values: pd.Series) -> str | None:
    """Why a column that matched a field by its header cannot be that field, or None when its cells fit."""
    return None if fits_field(f, values) else why_not(f, column_content(values))


def _refuse_missing(raw: RawTable, missing: list[FieldSpec], *, taken: set[str]) -> None:
    spec, name = raw.spec, raw.spec.name
    labels = ", ".join(f"{f.name} ('{f.label}')" for f in missing)
    if other := sheet_with_headers(spec, raw.meta, missing):  # the columns are there, on another sheet
        raise InputError(f"{name} mangler en påkrævet kolonne på arket '{raw.meta.get('sheet')}': {labels}. "
                         f"Arket '{other}' har kolonnerne", hint=f'sæt input.{spec.table}.sheet = "{other}"')
    if header_row_looks_like_data(raw.headers):  # never echo a data row: it holds a CPR number or a name
        raise InputError(f"{name} mangler en påkrævet kolonne: {labels}. {_data_row(raw)}",
                         hint="tag overskriftslinjen med i udtrækket, eller sæt "
                              f"input.{spec.table}.header_row til overskriftens linjenummer")
    lines = candidate_lines(raw, [f.name for f in missing], exclude=hidden_headers(raw.headers) | taken)
    raise InputError(
        f"{name} mangler en påkrævet kolonne: {labels}",
        hint=(f"skriv i [input.{spec.table}.columns] fx\n" + "\n".join(f"    {line}" for line in lines)
              if lines else
              f"tilføj i [input.{spec.table}.columns] fx {missing[0].name} = \"<overskriften i jeres fil>\"")
        + "\n  " + _first_upper(_headers_hint(raw)))


def header_row_looks_like_data(headers: list[str]) -> bool:
    """The header row is a data row (a configured header_row pointing at data, an export without its header line):
    a CPR number, a date or a file name in a cell, or two cells that are numbers."""
    return (any(LOOKS_LIKE_DATA.search(h) for h in headers)
            or sum(1 for h in headers if _NUMBER.fullmatch(h.strip())) >= 2)


def hidden_headers(headers: list[str]) -> set[str]:
    """Header cells never shown in a message: a number, or text shaped like a person's name."""
    return {h for h in headers if h and (_NUMBER.fullmatch(h.strip()) or _NAME_SHAPED.search(h))}


def _data_row(raw: RawTable) -> str:
    return (f"Linje {raw.meta.get('header_row')} ligner data (et CPR-nummer, en dato, et filnavn eller tal), "
            "ikke en overskrift")


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _headers_hint(raw: RawTable) -> str:
    """The file's headers for a hint – never the cells of a data row, and a cell that may be a name as hidden."""
    if header_row_looks_like_data(raw.headers):
        return (f"{_data_row(raw).replace('Linje', 'linje', 1)}: tag overskriftslinjen med i udtrækket, eller sæt "
                f"input.{raw.spec.table}.header_row til overskriftens linjenummer")
    hidden = hidden_headers(raw.headers)
    return "overskrifterne i filen er: " + ", ".join(HIDDEN_HEADER if x in hidden else repr(x) for x in raw.headers if x)


def candidate_lines(raw: RawTable, fields: list[str], *, exclude: set[str] | frozenset[str] = frozenset()
                    ) -> list[str]:
    """Paste-ready `field = "header"` lines for the wanted fields, from the file's unmapped columns, each with
    the reason as a comment (header likeness and content; never a value from the file, nor a header in `exclude`)."""
    taken = {normalise_header(h) for h in raw.spec.columns.values()}
    contents = {h: column_content(raw.frame[f"c{i}"]) for i, h in enumerate(raw.headers)
                if h and normalise_header(h) not in taken and h not in exclude}
    return [f"{s.line():<36} # {s.reason}" for s in suggest(raw.spec.table, contents, fields)]


def require_decision_fields(raw: RawTable, mapped: MappedTable, match_fields: tuple[str, ...]) -> None:
    """The fields that decide which cases are converted must be found, or the configuration must say the export
    has no such column: status, end date, and at least one of the fields the foot-care pattern is matched in.
    Otherwise stop (exit 2) with the lines to paste – a missing end-date column would convert every ended grant
    as open-ended, without a word."""
    spec = raw.spec
    have = set(mapped.columns) | set(spec.not_in_export)
    missing = [f for f in ("status", "end_date") if f not in have]
    if not set(match_fields) & set(mapped.columns):
        if set(match_fields) <= set(spec.not_in_export):
            raise ConfigError(f"{spec.name}: fodbehandling genkendes i {', '.join(match_fields)} "
                              "(selection.match_fields), men input.cases.not_in_export siger, at ingen af dem findes",
                              hint="kobl ydelse (benefit) eller sagstitel (title) til en kolonne i udtrækket")
        missing += [f for f in match_fields if f not in have]
    if not missing:
        return
    labels = {f.name: f.label for f in fields_of(spec.table)}
    what = ", ".join(f"{labels[f]} ({f})" for f in missing)
    # never a column another field already uses (found by its built-in alias, e.g. 'Bevilget dato' for the grant date)
    lines = candidate_lines(raw, missing, exclude=set(mapped.columns.values()) | hidden_headers(raw.headers))
    paste = ("skriv i [input.cases.columns] fx\n" + "\n".join(f"    {line}" for line in lines) + "\n  eller, "
             if lines else "skriv i [input.cases.columns] kolonnens overskrift, fx end_date = \"Bevilget til\", eller, ")
    raise ConfigError(
        f"{spec.name}: ingen kolonne til {what}. Den afgør, hvilke sager der konverteres, så kp-convert gætter ikke",
        hint=paste + "hvis udtrækket ikke har kolonnen, skriv under [input.cases]: not_in_export = ["
        + ", ".join(f'"{f}"' for f in missing) + "]")
