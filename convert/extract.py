"""Read the municipality's exports (CSV or XLSX) into frames of text, keeping each record's origin.

Everything is read as text; typing happens in validation, so a bad value becomes a row-level rejection
with its file, row and column, not a crash. `source_row` is the row a person would see: the text-editor
line where a CSV record starts, or the Excel row number.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .config import InputSpec
from .errors import ConfigError, InputError
from .fields import FIELDS, normalise_header
from .ledger import LEDGER_COLUMNS, SOURCE_FILE, SOURCE_ROW
from .progress import stage
from .records import LISTS, BrokenCsv, Records, split_records

HEADER_SCAN_ROWS = 30
_LOOKS_LIKE_DATA = re.compile(r"[0-9]{6}-?[0-9]{4}|[0-9]{1,2}[-./][0-9]{1,2}[-./][0-9]{4}")  # CPR or date
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or an encrypted (password-protected) .xlsx
_ZIP_MAGIC = b"PK\x03\x04"
_BINARY_MAGIC = {b"%PDF": "PDF", b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF8": "GIF"}


@dataclass
class RawTable:
    """One input file as read: its header cells and its records (text), plus ragged-line rejections."""

    spec: InputSpec
    headers: list[str]
    frame: pd.DataFrame  # one column per header position ("c0", "c1", …) + source_file, source_row
    rejected: pd.DataFrame  # ledger rows for records that could not be split into the header's columns
    meta: dict[str, object] = field(default_factory=dict)
    ragged_fields: list[list[str]] = field(default_factory=list)  # the fields of each rejected record

    @property
    def records_read(self) -> int:
        return len(self.frame) + len(self.rejected)


@stage("read", "Læser", detail=lambda spec: spec.name)
def read_input(spec: InputSpec) -> RawTable:
    path = spec.path
    if not path.exists():
        raise InputError(f"Filen findes ikke: {path} (input.{spec.table}.path)")
    if not path.is_file():
        raise InputError(f"Stien er ikke en fil: {path} (input.{spec.table}.path)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Filen kan ikke læses: {path} ({exc.strerror})") from None
    if not data.strip():
        raise InputError(f"Filen er tom: {spec.name}")
    if data.startswith(_OLE2_MAGIC) or path.suffix.lower() == ".xls":
        raise InputError(
            f"{spec.name} er en gammel Excel-fil (.xls) eller en adgangskodebeskyttet .xlsx, som ikke kan læses",
            hint="åbn filen i Excel, fjern en eventuel adgangskode og gem den som .xlsx eller CSV (semikolon)")
    for magic, kind in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise InputError(f"{spec.name} er en {kind}-fil, ikke et regneark eller en CSV-fil")
    if data.startswith(_ZIP_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm"):
        table = _read_xlsx(spec, data)
    else:
        table = _read_csv(spec, data)
    table.meta["sha256"] = hashlib.sha256(data).hexdigest()
    table.meta["size_bytes"] = len(data)
    return table


# ---- CSV ---------------------------------------------------------------------------------------------

def detect_encoding(data: bytes) -> str:
    return _detect(data)[1]


def _detect(data: bytes) -> tuple[str | None, str]:
    """(the decoded text when detecting already decoded it, the encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return None, "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return None, "iso-8859-1"  # decodes any byte: the last resort the Danish exports use


def detect_delimiter(text: str) -> str:
    lines = [ln for ln in text[:64_000].splitlines()[:HEADER_SCAN_ROWS] if ln.strip()]
    best, best_count = ";", 0
    for delim in (";", "\t", ",", "|"):  # ';' first: it wins ties, as Danish exports mostly use it
        count = max((ln.count(delim) for ln in lines), default=0)
        if count > best_count:
            best, best_count = delim, count
    return best


def _decode(spec: InputSpec, data: bytes) -> tuple[str, str]:
    detected, encoding = _detect(data) if spec.encoding == "auto" else (None, spec.encoding)
    if detected is not None:
        return detected, encoding
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
        raise InputError(
            f"{spec.name} kan ikke læses som {encoding}: ugyldigt tegn på linje {line}",
            hint=f"sæt input.{spec.table}.encoding til den rigtige tegnkodning (fx cp1252 eller utf-8), "
                 "eller 'auto'") from None
    return text, encoding


def _read_csv(spec: InputSpec, data: bytes) -> RawTable:
    text, encoding = _decode(spec, data)
    if text.startswith("\ufeff"):
        text = text[1:]
    nul_count = text.count("\x00")
    if nul_count:
        if nul_count > max(16, len(text) // 1000):
            raise InputError(f"{spec.name} ser ud til at være en binær fil, ikke en CSV-fil "
                             f"({nul_count} NUL-tegn)")
        text = text.replace("\x00", "")  # a stray NUL from a broken export: removed, and said in the manifest
    delimiter = detect_delimiter(text) if spec.delimiter == "auto" else spec.delimiter
    csv.field_size_limit(max(len(text), 131_072))  # one field may be the whole file; never a csv.Error
    breaks = text.count("\r\n"), text.count("\n"), text.count("\r")
    try:
        records = split_records(text, delimiter, lone_cr=breaks[2] != breaks[0])
    except BrokenCsv as exc:
        raise InputError(f"{spec.name}, linje {exc.line}: CSV-strukturen er brudt ({exc})",
                         hint="typisk et anførselstegn (\") der aldrig lukkes") from None
    return _build(spec, records, {
        "format": "csv", "encoding": encoding, "delimiter": delimiter,
        "nul_characters_removed": nul_count,
        "line_endings": _line_endings(*breaks),
    })


def _line_endings(crlf: int, lf_all: int, cr_all: int) -> str:
    lf, cr = lf_all - crlf, cr_all - crlf
    kinds = [name for name, n in (("CRLF", crlf), ("LF", lf), ("CR", cr)) if n]
    return "+".join(kinds) or "none"


# ---- XLSX --------------------------------------------------------------------------------------------

def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")  # real date cells: ISO, the time of day is not used
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))  # CPR stored as a number arrives as 101901234.0
        return format(Decimal(repr(value)), "f").replace(".", ",")  # Danish decimal comma for the parsers
    return str(value)


def _read_xlsx(spec: InputSpec, data: bytes) -> RawTable:
    import openpyxl  # heavy: imported only when an XLSX is read
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{spec.name} er ikke en gyldig .xlsx-fil (måske afkortet eller beskadiget): {exc}",
                         hint="åbn filen i Excel og gem den igen, eller eksportér som CSV") from None
    try:
        if spec.sheet:
            if spec.sheet not in wb.sheetnames:
                raise ConfigError(f"Arket '{spec.sheet}' findes ikke i {spec.name} (input.{spec.table}.sheet)",
                                  hint=f"arkene hedder: {', '.join(wb.sheetnames)}")
            ws = wb[spec.sheet]
        else:
            ws = wb.worksheets[0]
        records: list[list[str]] = []
        starts: list[int] = []
        for excel_row, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in row]
            if any(c.strip() for c in cells):
                records.append(cells)
                starts.append(excel_row)
        sheet_name = ws.title
    finally:
        wb.close()
    # Excel rows are padded to the sheet's width: trailing empty cells are not ragged lines
    return _build(spec, Records(pa.array(records, type=LISTS), np.array(starts, dtype=np.int64)),
                  {"format": "xlsx", "sheet": sheet_name, "encoding": "", "delimiter": ""}, pad_short_rows=True)


# ---- shared: header, ragged lines, frame -------------------------------------------------------------

def _known_headers(spec: InputSpec) -> set[str]:
    known = {normalise_header(a) for f in FIELDS[spec.table] for a in f.aliases}
    known |= {normalise_header(h) for h in spec.columns.values()}
    return known


def _find_header(spec: InputSpec, records: Records) -> int:
    """Index into records of the header row: configured, else the first row most like a header."""
    if not len(records):
        raise InputError(f"{spec.name} indeholder ingen data")
    if spec.header_row:
        hit = np.flatnonzero(records.starts == spec.header_row)
        if len(hit):
            return int(hit[0])
        raise ConfigError(f"input.{spec.table}.header_row = {spec.header_row}, men den række er tom eller findes ikke "
                          f"i {spec.name}")
    known = _known_headers(spec)
    best_i, best_hits = 0, 0
    for i, row in enumerate(records.fields.slice(0, HEADER_SCAN_ROWS).to_pylist()):
        hits = sum(1 for c in row if normalise_header(c) in known)
        if hits > best_hits:
            best_i, best_hits = i, hits
    return best_i


def _build(spec: InputSpec, records: Records, meta: dict[str, object], *, pad_short_rows: bool = False) -> RawTable:
    """Header, ragged lines and the frame of text columns, column-wise (no per-row Python)."""
    h = _find_header(spec, records)
    header_cells = records.fields[h].as_py()
    headers = [c.strip() for c in header_cells]
    full_width = len(headers)  # with blank header cells at the end (trailing separators, empty Excel columns)
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    meta.update({"header_row": int(records.starts[h]), "title_rows_skipped": h})
    data, starts = records.fields.slice(h + 1), records.starts[h + 1:]
    n = pc.list_value_length(data).to_numpy(zero_copy_only=False).astype(np.int64)
    unnamed_data: dict[int, int] = {}  # column position -> rows with data under a blank header
    for i in (i for i in range(full_width) if not header_cells[i].strip()):
        cells = pc.list_element(data.filter(pa.array(n > i)), i)
        if k := int(pc.sum(pc.not_equal(pc.utf8_trim_whitespace(cells), "")).as_py() or 0):
            unnamed_data[i] = k
    # not an extra field: data under blank header cells only, and blank fields past the header's width
    cut = (n > width) & (n <= full_width)
    beyond = np.flatnonzero(n > full_width)
    if len(beyond):
        extra = pc.list_slice(data.take(pa.array(beyond)), full_width)
        text = pc.not_equal(pc.utf8_trim_whitespace(pc.list_flatten(extra)), "").to_numpy(zero_copy_only=False)
        has_text = np.bincount(pc.list_parent_indices(extra).to_numpy()[text], minlength=len(beyond)) > 0
        cut[beyond[~has_text]] = True
    n[cut] = width
    fits = (n <= width) if pad_short_rows else (n == width)
    bad = np.flatnonzero(~fits)
    name = spec.name
    rejected = pd.DataFrame({SOURCE_FILE: name, SOURCE_ROW: starts[bad], "table": spec.table, "case_id": "",
                             "outcome": "rejected", "reason_code": "ragged_line",
                             "reason": [f"Linje {s} har {k} felter, men overskriften har {width}"
                                        for s, k in zip(starts[bad].tolist(), n[bad].tolist(), strict=True)]},
                            columns=LEDGER_COLUMNS)
    good = data if fits.all() else data.filter(pa.array(fits))
    if width and not (n[fits] == width).all():  # shorter rows (XLSX) padded: nulls, then ""
        good = pc.list_slice(good, 0, width, return_fixed_size_list=True)
    frame = pd.DataFrame({f"c{i}": pd.array(pc.fill_null(pc.list_element(good, i), ""), dtype="string")
                          for i in range(width)}, index=pd.RangeIndex(len(good)))
    frame[SOURCE_FILE] = name
    frame[SOURCE_ROW] = pd.array(starts[fits], dtype="int64")
    warnings = [f"{name}: kolonne {i + 1} har ingen overskrift, men {k} række(r) har data i den – kolonnen bruges "
                "ikke" for i, k in sorted(unnamed_data.items())]
    if len(records) == h + 1:
        warnings.append(f"{name} indeholder kun overskriften – ingen poster")
    if meta.get("nul_characters_removed"):
        warnings.append(f"{name}: {meta['nul_characters_removed']} NUL-tegn (\\0) er fjernet")
    meta.update({"unnamed_columns_with_data": {str(i + 1): k for i, k in sorted(unnamed_data.items())},
                 "warnings": warnings})
    return RawTable(spec=spec, headers=headers, frame=frame, rejected=rejected, meta=meta,
                    ragged_fields=data.take(pa.array(bad)).to_pylist())


def ragged_rejections(raw: RawTable, mapping: dict[str, str]) -> pd.DataFrame:
    """The ragged-line rejections, with the case number where the line has one in the case-number position."""
    if not len(raw.rejected) or "case_id" not in mapping:
        return raw.rejected
    pos = raw.headers.index(mapping["case_id"])
    ids = [f[pos].strip() if pos < len(f) else "" for f in raw.ragged_fields]
    return raw.rejected.assign(case_id=ids)


# ---- map: the file's headers to canonical fields -----------------------------------------------------

@stage("map", "Genkender kolonner i", detail=lambda raw: raw.spec.name)
def map_columns(raw: RawTable) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename header positions to canonical field names. Absent optional fields become empty columns.

    Returns the frame and the mapping used {canonical field: header in file}.
    """
    spec = raw.spec
    name = spec.name
    norm = [normalise_header(x) for x in raw.headers]
    used: dict[int, str] = {}
    mapping: dict[str, str] = {}
    positions: dict[str, int] = {}

    def claim(field_name: str, pos: int) -> None:
        dup = [i for i, n in enumerate(norm) if n == norm[pos] and i != pos]
        if dup:
            raise InputError(f"{name}: kolonnen '{raw.headers[pos]}' findes {len(dup) + 1} gange i overskriften, "
                             f"så det er uklart, hvilken der er {field_name}",
                             hint="omdøb den ene kolonne i udtrækket, eller kobl feltet til en entydig overskrift")
        used[pos] = field_name
        mapping[field_name] = raw.headers[pos]
        positions[field_name] = pos

    for field_name, header in spec.columns.items():  # explicit mapping first
        target = normalise_header(header)
        hits = [i for i, n in enumerate(norm) if n == target]
        if not hits:
            raise ConfigError(
                f"input.{spec.table}.columns.{field_name} = '{header}', men {name} har ingen kolonne med den overskrift",
                hint="overskrifterne i filen er: " + ", ".join(repr(x) for x in raw.headers if x))
        claim(field_name, hits[0])
    for f in FIELDS[spec.table]:
        if f.name in positions:
            continue
        for alias in f.aliases:
            target = normalise_header(alias)
            hits = [i for i, n in enumerate(norm) if n == target and i not in used]
            if hits:
                claim(f.name, hits[0])
                break
    missing = [f for f in FIELDS[spec.table] if f.required and f.name not in positions]
    if missing:
        labels = ", ".join(f"{f.name} ('{f.label}')" for f in missing)
        if any(_LOOKS_LIKE_DATA.search(x) for x in raw.headers):  # never echo a data row: it holds a CPR
            raise InputError(f"{name} mangler en påkrævet kolonne: {labels}. Linje {raw.meta.get('header_row')} "
                             "ligner data (et CPR-nummer eller en dato), ikke en overskrift",
                             hint="tag overskriftslinjen med i udtrækket, eller sæt "
                                  f"input.{spec.table}.header_row til overskriftens linjenummer")
        raise InputError(
            f"{name} mangler en påkrævet kolonne: {labels}",
            hint=f"tilføj i [input.{spec.table}.columns] fx {missing[0].name} = \"<overskriften i jeres fil>\"; "
                 "overskrifterne i filen er: " + ", ".join(repr(x) for x in raw.headers if x))
    out = pd.DataFrame(index=raw.frame.index)
    for f in FIELDS[spec.table]:
        out[f.name] = raw.frame[f"c{positions[f.name]}"] if f.name in positions else None
    out[SOURCE_FILE] = raw.frame[SOURCE_FILE]
    out[SOURCE_ROW] = raw.frame[SOURCE_ROW]
    return out, mapping

