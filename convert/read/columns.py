"""What a column holds, judged from its content, and which field an unmapped column could be.

Used where the tool must not guess in silence: a header that matched a date, amount or percentage field by its
name is used only when its cells mostly are of that kind (a Ja/Nej column called "Bevilget" is not a grant date),
a column whose cells are CPR numbers is never read as a title or a name (Acadre puts the CPR number in the case
title), and when a field is missing the columns that could be it are suggested as lines to paste into the
configuration – with the reason (header likeness and content), never with a value from the file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pandas as pd

from schemas import FieldSpec, fields_of

from ..danish.parse import (
    date_shaped,
    is_empty,
    open_end_dates,
    parse_amounts_ore,
    parse_cpr,
    parse_dates,
    parse_percentages,
)
from .headers import normalise_header

SAMPLE = 2_000  # cells looked at to judge a column's kind (the fill rate and distinct count use every cell)
MOSTLY = 0.5  # a header matched by name is used only when more than this share of its cells fits the field's kind
KIND_LABELS = {"cpr": "CPR-numre", "date": "datoer", "amount": "beløb", "percent": "procenter", "yes_no": "ja/nej",
               "case_number": "sagsnumre", "text": "tekst", "empty": "tom"}
_YES_NO = {"ja", "nej", "j", "n", "yes", "no", "true", "false", "sand", "falsk", "x"}
_CASE_NUMBER = r"[A-ZÆØÅ]{0,4}[-. ]?[0-9][0-9A-Z.\-/]*[0-9A-Z]"
# what a cell of each kind looks like (shape only: an invalid value is still of its column's kind)
_SHAPES = {
    "cpr": r"[0-9]{6}[- ]?[0-9]{4}|[0-9]{9,10}(?:\.0)?",
    "amount": r"(?:[kK][rR]\.? ?)?[-+\u2212]? ?[0-9][0-9 .,\u00a0\u202f]*(?:,-)?(?: ?[kK][rR]\.?| ?DKK)?",
    "percent": r"[-+]?[0-9]{1,4}(?:[.,][0-9]+)? ?%?",
}
# words in a header that point at one field more than another (difflib alone confuses "Bevilget til" with
# "Bevilget dato"); checked after normalise_header
HINTS: dict[str, tuple[str, ...]] = {
    "case_id": ("sagsn", "sagsid", "sagid", "journal", "nummer", "caseid", "casefilenumber"),
    "cpr": ("cpr", "personn", "personnr"),
    "name": ("navn", "name", "partsnavn"),
    "title": ("titel", "title", "overskrift"),
    "benefit": ("ydelse", "bevillingstype", "tilskudstype", "sagstype"),
    "status": ("status", "tilstand", "state"),
    "grant_date": ("fra", "start", "ikraft", "virkning", "bevilgetdato", "bevillingsdato"),
    "end_date": ("til", "slut", "ophør", "ophor", "udløb", "udlob", "stop"),
    "tillaegsprocent": ("tillægsprocent", "tillaegsprocent", "tillægspct"),
    "pension_type": ("pension",),
    "asset_date": ("formueoplyst", "formuedato", "oplystdato", "erklæring"),
    "assets": ("formue", "likvid"),
    "caseworker": ("behandler", "ansvarlig", "initialer"),
    "estimate": ("overslag", "pris"),
    "document_id": ("dokid", "dokumentid", "dokumentnr", "aktid", "aktnr", "docid"),
    "doc_type": ("type", "art", "kategori"),
    "doc_date": ("dato", "date", "oprettet"),
    "filename": ("fil", "sti", "path"),
    "declaration_date": ("dato", "oplyst", "erklæring"),
}
# words that point away from a field (a "… til" column is an end, not a start)
AVOID: dict[str, tuple[str, ...]] = {
    "grant_date": ("til", "slut", "ophør", "ophor", "udløb", "udlob"),
    "end_date": ("fra", "start", "ikraft", "virkning"),
    "asset_date": ("beløb", "belob", "kr"),
    "assets": ("dato", "oplyst"),
}
# headers that look like a field but must never become it, with why
NEVER: dict[str, dict[str, str]] = {
    "tillaegsprocent": {"helbredstillægsprocent": "Helbredstillægsprocent er ikke den personlige tillægsprocent "
                                                  "(den er allerede ganget med 85 %)"},
}
# content a field's column has besides its kind: a status or a benefit has few distinct values, a case number is unique
FEW_VALUES = {"status", "benefit", "pension_type", "doc_type", "caseworker"}
UNIQUE = {"case_id", "document_id"}
_FITS = {"cpr": {"cpr"}, "date": {"date"}, "amount": {"amount", "percent"}, "percent": {"percent"},
         "text": {"text", "case_number", "yes_no"}}


@dataclass(frozen=True)
class ColumnContent:
    """A column's content: its kind, how full it is, and how much of it fits each kind (of the filled cells)."""

    kind: str  # a key of KIND_LABELS
    rows: int
    filled: int
    distinct: int
    shares: dict[str, float]  # kind -> share of the looked-at filled cells that are of that kind

    @property
    def fill_rate(self) -> float:
        return self.filled / self.rows if self.rows else 0.0

    def share(self, kind: str) -> float:
        return self.shares.get(kind, 0.0)


def column_content(values: pd.Series) -> ColumnContent:
    """Judge a column of text cells (as read from the export)."""
    text = values.astype("string").str.strip()
    filled_mask = ~is_empty(text)
    filled = text[filled_mask]
    look = filled.head(SAMPLE)
    n = len(look)
    if not n:
        return ColumnContent("empty", len(values), 0, 0, {})
    shares = {
        "cpr": float(parse_cpr(look, pad_nine_digits=True)["cpr"].notna().mean()),
        "date": float((parse_dates(look).notna() | open_end_dates(look)).mean()),  # 31-12-9999 is a date too
        "amount": float(parse_amounts_ore(look).notna().mean()),
        "percent": float(parse_percentages(look).notna().mean()),  # 0–100, with or without '%'
        "percent_sign": float(look.str.contains("%", regex=False).fillna(False).astype(bool).mean()),
        "yes_no": float(look.str.casefold().isin(_YES_NO).mean()),
        "case_number": float((look.str.fullmatch(_CASE_NUMBER).fillna(False).astype(bool) & ~date_shaped(look)).mean()),
    }
    distinct = int(filled.nunique())
    kind = "text"
    for candidate in ("cpr", "date", "yes_no"):
        if shares[candidate] > 0.8:
            kind = candidate
            break
    else:
        if shares["percent"] > 0.8 and (shares["percent_sign"] > 0.5 or shares["amount"] > 0.8):
            kind = "percent"  # '75', '75,5 %': numbers within 0–100
        elif shares["amount"] > 0.8:
            kind = "amount"
        elif shares["case_number"] > 0.8 and distinct >= 0.9 * len(filled):
            kind = "case_number"
    return ColumnContent(kind, len(values), int(filled_mask.sum()), distinct, shares)


def share_of_kind(values: pd.Series, kind: str) -> float | None:
    """The share of a column's filled cells (the first SAMPLE of them) that are of one kind (None: no filled cell):
    cheaper than `column_content` when only one question is asked (does a matched column fit its field?)."""
    look = values.astype("string").str.strip()
    look = look[~is_empty(look)].head(SAMPLE)
    if not len(look):
        return None
    if kind == "date":  # the shape, not the calendar: '31-11-2024' is a date column's bad cell, not a text cell
        hit = date_shaped(look) | open_end_dates(look)
    else:
        hit = look.str.fullmatch(_SHAPES[kind]).fillna(False).astype(bool)
    return float(hit.mean())


def fits_field(field: FieldSpec, values: pd.Series) -> bool:
    """`fits` from the cells themselves, asking only the one question the field needs. An empty column fits:
    there is nothing to judge, and it maps as its header says."""
    share = share_of_kind(values, "cpr" if field.kind == "text" else field.kind)
    if share is None:
        return True
    return share <= MOSTLY if field.kind == "text" else share > MOSTLY


def fits(field: FieldSpec, content: ColumnContent) -> bool:
    """Do the column's cells mostly fit the field's kind? Text fields take anything but CPR numbers."""
    if content.kind == "empty":
        return True  # nothing to judge: an empty column maps as its header says
    if field.kind == "text":
        return content.share("cpr") <= MOSTLY  # Acadre: the case title is the CPR number
    return content.share(field.kind) > MOSTLY


def why_not(field: FieldSpec, content: ColumnContent) -> str:
    """Why a column is not used for a field it matched by name (Danish, for the console and the profile)."""
    if field.kind == "text":
        return f"kolonnen indeholder CPR-numre ({_pct(content.share('cpr'))} af de udfyldte celler), ikke {field.label}"
    wanted = KIND_LABELS.get(field.kind, field.kind)
    return f"kun {_pct(content.share(field.kind))} af de udfyldte celler er {wanted} (mest {KIND_LABELS[content.kind]})"


@dataclass(frozen=True)
class Suggestion:
    field: str
    header: str
    reason: str  # Danish: header likeness and content
    score: float

    def line(self) -> str:
        """The line to paste into [input.X.columns]."""
        return f'{self.field} = "{self.header}"'


def header_likeness(field: FieldSpec, header: str) -> float:
    """0–1: how much the header looks like the field's label, aliases or hint words."""
    h = normalise_header(header)
    if not h:
        return 0.0
    names = {normalise_header(a) for a in (field.label, *field.aliases)}
    best = max(difflib.SequenceMatcher(None, h, n).ratio() for n in names)
    if any(w in h for w in HINTS.get(field.name, ())):
        best = max(best, 0.6) + 0.25
    if any(w in h for w in AVOID.get(field.name, ())):
        best -= 0.4
    return max(0.0, min(best, 1.0))


def _pct(share: float) -> str:
    return f"{round(100 * share)} %"


def suggest(table: str, headers: dict[str, ColumnContent], fields: list[str]) -> list[Suggestion]:
    """The unmapped columns that could be the wanted fields (header likeness, then content), each column for one
    field at most, the likeliest pairs first."""
    specs = {f.name: f for f in fields_of(table)}
    pairs = []
    for name in fields:
        field = specs[name]
        for header, content in headers.items():
            if content.kind == "empty" or normalise_header(header) in NEVER.get(name, {}):
                continue
            like = header_likeness(field, header)
            if like < 0.6 or not fits(field, content) or not _plausible(name, content):
                continue
            score = like + (0.3 if content.kind in _FITS.get(field.kind, set()) else 0.0)
            pairs.append(Suggestion(name, header, f"overskriften ligner '{field.label}' ({_pct(like)}), og "
                                                  f"indholdet er {KIND_LABELS[content.kind]}", score))
    out: list[Suggestion] = []
    for s in sorted(pairs, key=lambda s: -s.score):
        if all(s.field != o.field and s.header != o.header for o in out):
            out.append(s)
    for name in fields:  # a date or percent field no header resembles: the one unused column of that kind
        field = specs[name]
        if field.kind not in _BY_CONTENT_ALONE or any(s.field == name for s in out):
            continue
        alike = [h for h, c in headers.items() if c.kind == field.kind and all(h != o.header for o in out)]
        if len(alike) == 1:
            kind = KIND_LABELS[field.kind]
            out.append(Suggestion(name, alike[0], f"indholdet er {kind}, og det er den eneste ubrugte kolonne med "
                                                  f"{kind} – overskriften ligner ikke '{field.label}', så tjek den", 0.5))
    if "cpr" in fields and not any(s.field == "cpr" for s in out):  # Acadre: the CPR number is the case title
        cpr_columns = sorted(((c.share("cpr"), h) for h, c in headers.items()
                              if c.kind == "cpr" and all(h != o.header for o in out)), reverse=True)
        if cpr_columns:
            share, header = cpr_columns[0]
            out.append(Suggestion("cpr", header, f"indholdet er CPR-numre ({_pct(share)} af de udfyldte celler), "
                                                 "selv om overskriften ikke siger det", share))
    return out


CLEAR_LIKENESS = 0.75  # an optional field is suggested only when the header clearly names it (or see below)


def suggest_optional(table: str, headers: dict[str, ColumnContent], fields: list[str]) -> list[Suggestion]:
    """`suggest` for fields a run can do without: only where the header clearly names the field (a case's
    'Afsluttet dato' is not the date its assets were declared) – or for a percent field, whose column's content
    says it plainly (the tillægsprocent is the one percent field)."""
    specs = {f.name: f for f in fields_of(table)}
    return [s for s in suggest(table, headers, fields)
            if header_likeness(specs[s.field], s.header) >= CLEAR_LIKENESS or specs[s.field].kind == "percent"]


_BY_CONTENT_ALONE = {"date", "percent"}  # kinds a column's content shows plainly enough to suggest it without its header


def _plausible(field: str, content: ColumnContent) -> bool:
    """Beyond the kind: few distinct values where a field names a category, unique values where it is an id."""
    if field in FEW_VALUES:
        return content.distinct <= max(30, content.filled // 20)
    if field in UNIQUE:
        return content.distinct >= 0.9 * content.filled
    return True


def never_reason(field: str, header: str) -> str | None:
    """Why a header must never be used for a field (e.g. Helbredstillægsprocent for the tillægsprocent)."""
    return NEVER.get(field, {}).get(normalise_header(header))
