"""CSV exports as text: detect the encoding and the delimiter, decode, and split into records with their lines.

Danish exports come as Windows-1252, ISO-8859-1 or UTF-8 (with or without BOM), separated by `;` (or `,`, tab,
`|`), with CRLF, LF or CR line endings, sometimes mixed. Nothing is guessed silently: what was detected is
returned as meta data for the manifest and the Oversigt.
"""

from __future__ import annotations

import csv

from ..errors import InputError
from ..settings.inputs import InputSpec
from .records import BrokenCsv, Records, split_records

HEADER_SCAN_ROWS = 30


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


def csv_records(spec: InputSpec, data: bytes) -> tuple[Records, dict[str, object]]:
    """The file's records (each with the line it starts on) and what was detected about it."""
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
    return records, {"format": "csv", "encoding": encoding, "delimiter": delimiter,
                     "nul_characters_removed": nul_count, "line_endings": _line_endings(*breaks)}


def _line_endings(crlf: int, lf_all: int, cr_all: int) -> str:
    lf, cr = lf_all - crlf, cr_all - crlf
    kinds = [name for name, n in (("CRLF", crlf), ("LF", lf), ("CR", cr)) if n]
    return "+".join(kinds) or "none"


