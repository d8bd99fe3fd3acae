"""CSV exports as text: detect the encoding and the delimiter, decode, and split into records with their lines.

Danish exports come as Windows-1252, ISO-8859-1, UTF-8 (with or without BOM) or UTF-16 (with or without BOM),
separated by `;` (or `,`, tab, `|`), with CRLF, LF or CR line endings, sometimes mixed. A file two programs appended
to can mix UTF-8 and Windows-1252 lines: each line is decoded in its own encoding, and the lines are named.
Nothing is guessed silently: what was detected is returned as meta data for the manifest and the Oversigt.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Collection, Sequence
from typing import NamedTuple

import numpy as np

from ..errors import InputError
from ..settings.inputs import InputSpec
from .headers import known_headers, normalise_header
from .records import BrokenCsv, Records, split_records

HEADER_SCAN_ROWS = 30
DELIMITERS = (";", "\t", ",", "|")  # ';' first: it wins ties, as Danish exports mostly use it
_UTF16_SAMPLE = 4096  # bytes looked at to tell UTF-16 without a BOM from 8-bit text
_SCAN_BLOCK = 1 << 18  # bytes looked at a time for UTF-8 in an 8-bit file
LINES_NAMED = 5  # lines (or cells) a message names; its count says how many there are in all


class Decoded(NamedTuple):
    text: str | None  # None: detected, not decoded yet
    encoding: str
    utf8_lines: tuple[int, ...] = ()  # a mixed file: its UTF-8 lines with non-ASCII text, counting from 1
    legacy_lines: tuple[int, ...] = ()  # … and its Windows-1252 (or ISO-8859-1) lines with non-ASCII text


def detect_encoding(data: bytes) -> str:
    return _detect(data).encoding


def _detect(data: bytes) -> Decoded:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return Decoded(data.decode("utf-8-sig"), "utf-8-sig")
        except UnicodeDecodeError:
            return _mixed(data, 3) or Decoded(None, "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(None, "utf-16")
    if utf16 := _utf16_without_bom(data):
        return Decoded(None, utf16)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if mixed := _mixed(data):
        return mixed
    try:
        return Decoded(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return Decoded(None, "iso-8859-1")  # decodes any byte: the last resort the Danish exports use


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when every other byte is NUL (Latin text in UTF-16 has a zero high byte) and what
    that decodes to is text, not control characters (a binary file can have the same pattern)."""
    n = min(len(data), _UTF16_SAMPLE) // 2
    if n < 2:
        return None
    even, odd = data[0:2 * n:2].count(0) / n, data[1:2 * n:2].count(0) / n
    encoding = "utf-16-le" if odd > 0.6 and even < 0.1 else "utf-16-be" if even > 0.6 and odd < 0.1 else None
    if encoding is None:
        return None
    sample = data[: 2 * n].decode(encoding, errors="replace")
    text = sum(ch.isprintable() or ch in "\t\r\n" for ch in sample)
    return encoding if text > 0.95 * len(sample) else None


def _mixed(data: bytes, skip: int = 0) -> Decoded | None:
    """A file of UTF-8 lines and Windows-1252 (or ISO-8859-1) lines, each decoded in its own encoding; None when no
    line is UTF-8. A line is UTF-8 when it has non-ASCII bytes and decodes as UTF-8 as a whole: Windows-1252 text
    with æøå is practically never valid UTF-8 by chance. `skip`: a BOM's bytes, not text."""
    if not _may_hold_utf8(data[skip:]):
        return None  # the common case, plain Windows-1252: one pass over the bytes, no line split
    arr = np.frombuffer(data, dtype=np.uint8)
    high = np.flatnonzero(arr[skip:-1] >= 0x80) + skip
    lead, follow = arr[high], arr[high + 1]
    maybe = high[(lead >= 0xC2) & (lead <= 0xF4) & (follow >= 0x80) & (follow <= 0xBF)]
    if not len(maybe):
        return None
    breaks = np.flatnonzero(arr == (0x0A if b"\n" in data else 0x0D))  # old Mac files break lines at CR only
    starts, ends = np.concatenate([[skip], breaks + 1]), np.concatenate([breaks, [len(data)]])
    utf8 = []
    for k in _distinct(np.searchsorted(breaks, maybe)).tolist():
        try:
            data[starts[k]:ends[k]].decode("utf-8")
            utf8.append(k)
        except UnicodeDecodeError:
            pass  # a Windows-1252 line whose letters happen to pair like UTF-8
    if not utf8:
        return None
    with_high = _distinct(np.searchsorted(breaks, np.flatnonzero(arr[skip:] >= 0x80) + skip))
    legacy = np.setdiff1d(with_high, utf8, assume_unique=True).tolist()
    pieces: list[tuple[bytes, bool]] = []  # runs of legacy lines between the UTF-8 lines: one decode call each
    pos = skip
    for k in utf8:
        pieces += [(data[pos:starts[k]], False), (data[starts[k]:ends[k]], True)]
        pos = int(ends[k])
    pieces.append((data[pos:], False))
    for encoding in ("cp1252", "iso-8859-1"):  # ISO-8859-1 decodes the few bytes Windows-1252 leaves undefined
        try:
            text = "".join(chunk.decode("utf-8" if is_utf8 else encoding) for chunk, is_utf8 in pieces)
            break
        except UnicodeDecodeError:
            continue
    return Decoded(text, f"utf-8+{encoding}", tuple(k + 1 for k in utf8), tuple(k + 1 for k in legacy))


def _distinct(ascending: np.ndarray) -> np.ndarray:
    """The distinct values of an ascending array (np.unique without its sort or hash)."""
    return ascending[np.concatenate([[True], ascending[1:] != ascending[:-1]])] if len(ascending) else ascending


def _may_hold_utf8(data: bytes) -> bool:
    """Whether a UTF-8 lead byte (C2–F4) is followed by a continuation byte (80–BF) anywhere: vectorised, a block at
    a time so the block stays in the CPU cache (about half the time of finding every non-ASCII byte)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    for i in range(0, len(arr), _SCAN_BLOCK):
        block = arr[i:i + _SCAN_BLOCK + 1]  # one byte more: a pair across the blocks' border
        if (((block[:-1] - np.uint8(0xC2)) <= 0xF4 - 0xC2) & ((block[1:] & 0xC0) == 0x80)).any():
            return True
    return False


def first_few(items: Sequence[object]) -> str:
    """'2, 5 og 9', or '2, 5, 9, 11, 14 … (12 i alt)': what a message names of a long list."""
    shown = [str(x) for x in items[:LINES_NAMED]]
    if len(items) > LINES_NAMED:
        return f"{', '.join(shown)} … ({len(items)} i alt)"
    return ", ".join(shown[:-1]) + " og " + shown[-1] if len(shown) > 1 else "".join(shown)


def detect_delimiter(text: str, known: Collection[str] = ()) -> str:
    """The delimiter that splits a line into the most `known` (normalised) headers: the header line decides, so
    commas in one data line's title cannot outvote it. Without a known header: the delimiter that splits the most
    lines into the same number of fields (more fields wins a tie, then the order of DELIMITERS)."""
    lines = [ln for ln in text[:64_000].splitlines()[:HEADER_SCAN_ROWS] if ln.strip()]
    if known:
        hits = {d: max((sum(normalise_header(f) in known for f in ln.split(d)) for ln in lines if d in ln), default=0)
                for d in DELIMITERS}
        best = max(DELIMITERS, key=hits.__getitem__)  # max keeps the first of equals: the order breaks ties
        if hits[best]:
            return best
    consistency: dict[str, tuple[int, int]] = {}
    for d in DELIMITERS:
        counts = Counter(n for n in (ln.count(d) for ln in lines) if n)
        if counts:
            fields, lines_with = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
            consistency[d] = (lines_with, fields)
    return max(DELIMITERS, key=lambda d: consistency.get(d, (0, 0)))


def _decode(spec: InputSpec, data: bytes) -> Decoded:
    found = _detect(data) if spec.encoding == "auto" else Decoded(None, spec.encoding)
    if found.text is not None:
        return found
    try:
        return Decoded(data.decode(found.encoding), found.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line = data[: getattr(exc, "start", 0)].count(b"\n") + 1
        raise InputError(
            f"{spec.name} kan ikke læses som {found.encoding}: ugyldigt tegn på linje {line}",
            hint=f"sæt input.{spec.table}.encoding til den rigtige tegnkodning (fx cp1252 eller utf-8), "
                 "eller 'auto'") from None


def csv_records(spec: InputSpec, data: bytes) -> tuple[Records, dict[str, object]]:
    """The file's records (each with the line it starts on) and what was detected about it."""
    decoded = _decode(spec, data)
    text, encoding = decoded.text or "", decoded.encoding
    if text.startswith("\ufeff"):
        text = text[1:]
    nul_count = text.count("\x00")
    if nul_count:
        if nul_count > max(16, len(text) // 1000):
            raise InputError(f"{spec.name} ser ud til at være en binær fil, ikke en CSV-fil "
                             f"({nul_count} NUL-tegn)")
        text = text.replace("\x00", "")  # a stray NUL from a broken export: removed, and said in the manifest
    delimiter = detect_delimiter(text, known_headers(spec)) if spec.delimiter == "auto" else spec.delimiter
    csv.field_size_limit(max(len(text), 131_072))  # one field may be the whole file; never a csv.Error
    breaks = text.count("\r\n"), text.count("\n"), text.count("\r")
    try:
        records = split_records(text, delimiter, lone_cr=breaks[2] != breaks[0])
    except BrokenCsv as exc:
        raise InputError(f"{spec.name}, linje {exc.line}: CSV-strukturen er brudt ({exc})",
                         hint="typisk et anførselstegn (\") der aldrig lukkes") from None
    warnings = []
    if decoded.utf8_lines:
        legacy = "Windows-1252" if encoding.endswith("cp1252") else "ISO-8859-1"
        warnings.append(f"{spec.name} blander to tegnkodninger: {len(decoded.utf8_lines)} linje(r) er UTF-8 "
                        f"(linje {first_few(decoded.utf8_lines)}), {len(decoded.legacy_lines)} linje(r) er {legacy} "
                        f"(linje {first_few(decoded.legacy_lines)}). Hver linje er læst i sin egen tegnkodning – "
                        "kontrollér navnene i de linjer, og gem gerne udtrækket i én tegnkodning")
    return records, {"format": "csv", "encoding": encoding, "delimiter": delimiter,
                     "nul_characters_removed": nul_count, "line_endings": _line_endings(*breaks),
                     "warnings": warnings}


def _line_endings(crlf: int, lf_all: int, cr_all: int) -> str:
    lf, cr = lf_all - crlf, cr_all - crlf
    kinds = [name for name, n in (("CRLF", crlf), ("LF", lf), ("CR", cr)) if n]
    return "+".join(kinds) or "none"
