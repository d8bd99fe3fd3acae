"""Fill text into empty cells of an .xlsx without opening it as a workbook: every other byte stays as it was.

`--update-worksheet` writes a KP case number into a few thousand cells of one column. Saving the workbook again
through openpyxl rebuilds every sheet (minutes and gigabytes at 100,000 cases) and drops what openpyxl does not
know. Here the sheet's XML is streamed once, only the rows that get a number are parsed and rewritten (the new cell
as an inline string, so sharedStrings.xml is untouched), and every other member of the zip is copied compressed,
byte for byte. Anything this reader does not expect (a row or cell without its reference, ZIP64) raises
`Unsupported`, and the caller saves with openpyxl instead.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO

CHUNK = 1 << 20
_LEVEL = 6  # zlib's default, as the writers use: the patched sheet compresses as before
_OFFICE_DOCUMENT = "/officeDocument"
_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_ROW_NUMBER = re.compile(rb'(?:^|\s)r="(\d+)"')
_CELL_REF = re.compile(rb'(?:^|\s)r="([A-Z]{1,3})(\d+)"')
_STYLE = re.compile(rb'(?:^|\s)s="(\d+)"')
_CUSTOM_FORMAT = re.compile(rb'(?:^|\s)customFormat="(?:1|true)"')


class Unsupported(Exception):  # noqa: N818 – a reason to take the slow road, not an error the user sees
    """The file is laid out in a way this patcher does not handle; save through openpyxl instead."""


Cells = dict[str, dict[tuple[int, int], str]]  # sheet name -> (Excel row, column 1-based) -> text


def fill_cells(source: Path, target: Path, cells: Cells) -> set[tuple[str, int, int]]:
    """Write `source` to `target` with `cells` filled in; returns the cells left alone because they hold a formula."""
    with zipfile.ZipFile(source) as zin:
        parts = _sheet_parts(zin)
        missing = [s for s in cells if s not in parts]
        if missing:
            raise Unsupported(f"no sheet part for {missing}")
        by_part = {parts[s]: (s, c) for s, c in cells.items() if c}
        infos = zin.infolist()
        if len(infos) >= 0xFFFF or any(i.flag_bits & 0x1 or _has_zip64(i.extra) for i in infos):
            raise Unsupported("ZIP64 or encrypted members")
        skipped: set[tuple[str, int, int]] = set()
        with open(source, "rb") as raw, open(target, "wb") as out:
            central = []
            for info in infos:
                offset = out.tell()
                if info.filename in by_part:
                    sheet, wanted = by_part[info.filename]
                    with zin.open(info) as member:
                        crc, size, written, formulas = _write_deflated(out, info, member, wanted)
                    skipped |= {(sheet, r, c) for r, c in formulas}
                    central.append(_central(info, offset, crc=crc, compressed=written, size=size,
                                            method=zipfile.ZIP_DEFLATED))
                else:
                    _copy_member(raw, out, info)
                    central.append(_central(info, offset))
                if out.tell() >= 0xFFFFFFFF:
                    raise Unsupported("ZIP64 needed")
            start = out.tell()
            for record in central:
                out.write(record)
            comment = zin.comment
            out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start,
                                  start, len(comment)) + comment)
    return skipped


# ---- which part holds which sheet --------------------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _relationships(zin: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """(id, type, target part) of a part's relationships."""
    p = PurePosixPath(part)
    rels = str(p.parent / "_rels" / f"{p.name}.rels") if part else "_rels/.rels"
    root = ET.fromstring(zin.read(rels))
    out = []
    for rel in root:
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = target.lstrip("/") if target.startswith("/") else _normalise(p.parent / target)
        out.append((rel.get("Id", ""), rel.get("Type", ""), resolved))
    return out


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for piece in path.parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in (".", ""):
            parts.append(piece)
    return "/".join(parts)


def _sheet_parts(zin: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member that holds its XML."""
    try:
        book = next(t for _, kind, t in _relationships(zin, "") if kind.endswith(_OFFICE_DOCUMENT))
        targets = {i: t for i, _, t in _relationships(zin, book)}
        root = ET.fromstring(zin.read(book))
    except (KeyError, StopIteration, ET.ParseError) as exc:
        raise Unsupported(f"workbook parts: {exc}") from None
    names = {}
    for el in root.iter():
        if _local(el.tag) == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id" and k.startswith("{")), None)
            if rid in targets:
                names[el.get("name", "")] = targets[rid]
    return names


# ---- the sheet's XML, streamed ------------------------------------------------------------------------------

def _patch_sheet(src: IO[bytes], sink: Callable[[bytes], None], wanted: dict[tuple[int, int], str]
                 ) -> set[tuple[int, int]]:
    """Copy the sheet XML from `src` to `sink` with the `wanted` cells filled; returns the cells holding a formula."""
    rows: dict[int, dict[int, str]] = {}
    for (r, c), text in wanted.items():
        rows.setdefault(r, {})[c] = text
    buf, patcher, skipped = b"", None, set[tuple[int, int]]()
    while True:
        data = src.read(CHUNK)
        buf += data
        if patcher is None:
            m = re.search(rb"<([A-Za-z_][\w.-]*:)?sheetData[\s>/]", buf)
            if m is None:
                if not data:
                    raise Unsupported("no sheetData")
                continue
            patcher = _RowPatcher(m.group(1) or b"", buf[:m.start()], rows, skipped)
        if data:
            cut = buf.rfind(patcher.row_close)
            if cut < 0:
                continue
            cut += len(patcher.row_close)
        else:
            cut = len(buf)
        sink(patcher.patch(buf[:cut]))
        buf = buf[cut:]
        if not data:
            break
    if patcher is None or patcher.rows:
        raise Unsupported(f"rows not found: {sorted(patcher.rows)[:5] if patcher else '?'}")
    return skipped


class _RowPatcher:
    def __init__(self, prefix: bytes, head: bytes, rows: dict[int, dict[int, str]], skipped: set[tuple[int, int]]):
        p = re.escape(prefix)
        self.prefix, self.rows, self.skipped = prefix, rows, skipped
        self.row_close = b"</" + prefix + b"row>"
        self.row_open = re.compile(b"<" + p + rb"row\b([^>]*)>")
        self.cell = re.compile(b"<" + p + rb"c\b([^>]*?)(?:/>|>(.*?)</" + p + rb"c>)", re.S)
        self.formula = b"<" + prefix + b"f"
        self.col_style: dict[int, bytes] = {}  # a new cell takes its column's format, as Excel gives it
        for m in re.finditer(b"<" + p + rb"col\b([^>]*)/?>", head):
            lo, hi, style = (re.search(rb'(?:^|\s)' + a + rb'="(\d+)"', m.group(1)) for a in (b"min", b"max",
                                                                                                b"style"))
            if lo and hi and style:
                for c in range(int(lo.group(1)), min(int(hi.group(1)), 16384) + 1):
                    self.col_style[c] = style.group(1)

    def patch(self, segment: bytes) -> bytes:
        if not self.rows:
            return segment
        pieces, at = [], 0
        for m in self.row_open.finditer(segment):
            number = _ROW_NUMBER.search(m.group(1))
            if number is None:
                raise Unsupported("a row without its number")
            r = int(number.group(1))
            if r not in self.rows:
                continue
            if m.group(1).endswith(b"/"):
                raise Unsupported("an empty row to fill")
            end = segment.find(self.row_close, m.end())
            if end < 0:
                raise Unsupported("a row split across chunks")
            row_style = _STYLE.search(m.group(1)) if _CUSTOM_FORMAT.search(m.group(1)) else None
            pieces += [segment[at:m.end()], self._cells(segment[m.end():end], r, self.rows.pop(r),
                                                        row_style.group(1) if row_style else None)]
            at = end
        pieces.append(segment[at:])
        return b"".join(pieces)

    def _cells(self, inner: bytes, r: int, wanted: dict[int, str], row_style: bytes | None) -> bytes:
        existing: list[tuple[int, int, int, bytes | None, bool]] = []  # column, start, end, style, has a formula
        for m in self.cell.finditer(inner):
            ref = _CELL_REF.search(m.group(1))
            if ref is None:
                raise Unsupported("a cell without its reference")
            s = _STYLE.search(m.group(1))
            existing.append((_column(ref.group(1)), m.start(), m.end(), s.group(1) if s else None,
                             self.formula in (m.group(2) or b"")))
        out, at = [], 0
        for c in sorted(wanted):
            found = next((e for e in existing if e[0] == c), None)
            if found is not None:
                _, start, end, style, formula = found
                if formula:
                    self.skipped.add((r, c))
                    continue
                out += [inner[at:start], self._new_cell(r, c, wanted[c], style)]
                at = end
            else:
                before = next((e[1] for e in existing if e[0] > c), len(inner))
                if before < at:
                    raise Unsupported("cells out of order")
                out += [inner[at:before], self._new_cell(r, c, wanted[c], self.col_style.get(c, row_style))]
                at = before
        out.append(inner[at:])
        return b"".join(out)

    def _new_cell(self, r: int, c: int, text: str, style: bytes | None) -> bytes:
        p = self.prefix
        space = b' xml:space="preserve"' if text != text.strip() else b""
        s = b' s="' + style + b'"' if style else b""
        return (b"<" + p + b'c r="' + _letters(c) + str(r).encode() + b'"' + s + b' t="inlineStr"><' + p + b"is><"
                + p + b"t" + space + b">" + _escape(text) + b"</" + p + b"t></" + p + b"is></" + p + b"c>")


def _escape(text: str) -> bytes:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # characters XML cannot hold, and text that looks like Excel's own escape, as Excel writes them (_xHHHH_)
    text = _INVALID_XML.sub(lambda m: f"_x{ord(m.group()[0]):04X}_" + m.group()[1:], text)
    return text.encode("utf-8")


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _letters(c: int) -> bytes:
    out = b""
    while c:
        c, rem = divmod(c - 1, 26)
        out = bytes([65 + rem]) + out
    return out


# ---- the zip, member by member ------------------------------------------------------------------------------

def _dos_time(info: zipfile.ZipInfo) -> tuple[int, int]:
    y, mo, d, h, mi, s = info.date_time
    return h << 11 | mi << 5 | s // 2, (y - 1980) << 9 | mo << 5 | d


def _name(info: zipfile.ZipInfo) -> bytes:
    return info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")


def _copy_member(raw: IO[bytes], out: IO[bytes], info: zipfile.ZipInfo) -> None:
    """The member's local header, compressed data and data descriptor, byte for byte."""
    raw.seek(info.header_offset)
    header = raw.read(30)
    if header[:4] != b"PK\x03\x04":
        raise Unsupported("a damaged local header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    length = 30 + name_len + extra_len + info.compress_size
    if info.flag_bits & 0x08:  # a data descriptor follows the data: crc, sizes, with or without its signature
        raw.seek(info.header_offset + length)
        length += 16 if raw.read(4) == b"PK\x07\x08" else 12
    raw.seek(info.header_offset)
    while length:
        block = raw.read(min(length, CHUNK))
        if not block:
            raise Unsupported("a truncated member")
        out.write(block)
        length -= len(block)


def _write_deflated(out: IO[bytes], info: zipfile.ZipInfo, member: IO[bytes], wanted: dict[tuple[int, int], str]
                    ) -> tuple[int, int, int, set[tuple[int, int]]]:
    """The patched sheet as a new member with `info`'s name and time: (crc, size, compressed size, formula cells)."""
    name = _name(info)
    start = out.tell()
    out.write(b"\0" * (30 + len(name)))
    deflate = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    state = {"crc": 0, "size": 0, "written": 0}

    def sink(data: bytes) -> None:
        state["crc"] = zlib.crc32(data, state["crc"])
        state["size"] += len(data)
        block = deflate.compress(data)
        state["written"] += len(block)
        out.write(block)

    formulas = _patch_sheet(member, sink, wanted)
    tail = deflate.flush()
    out.write(tail)
    crc, size, written = state["crc"], state["size"], state["written"] + len(tail)
    if size >= 0xFFFFFFFF or written >= 0xFFFFFFFF:
        raise Unsupported("ZIP64 needed")
    end = out.tell()
    tm, dd = _dos_time(info)
    out.seek(start)
    out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, info.flag_bits & 0x800, zipfile.ZIP_DEFLATED, tm, dd,
                          crc, written, size, len(name), 0) + name)
    out.seek(end)
    return crc, size, written, formulas


def _has_zip64(extra: bytes) -> bool:
    while len(extra) >= 4:
        kind, length = struct.unpack("<HH", extra[:4])
        if kind == 0x0001:
            return True
        extra = extra[4 + length:]
    return False


def _central(info: zipfile.ZipInfo, offset: int, *, crc: int | None = None, compressed: int | None = None,
             size: int | None = None, method: int | None = None) -> bytes:
    if offset >= 0xFFFFFFFF:
        raise Unsupported("ZIP64 needed")
    name, tm_dd = _name(info), _dos_time(info)
    flags = info.flag_bits if method is None else info.flag_bits & 0x800
    return struct.pack(
        "<IHHHHHHIIIHHHHHII", 0x02014B50, info.create_system << 8 | info.create_version,
        info.extract_version if method is None else 20, flags,
        info.compress_type if method is None else method, *tm_dd,
        info.CRC if crc is None else crc, info.compress_size if compressed is None else compressed,
        info.file_size if size is None else size, len(name), len(info.extra), len(info.comment), 0,
        info.internal_attr, info.external_attr, offset) + name + info.extra + info.comment
