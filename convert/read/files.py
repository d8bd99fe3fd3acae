"""An export file as bytes: refuse what is not an export (missing, empty, binary, an old .xls) with one clear
message, tell XLSX from CSV, and hash what was read (the manifest names every input by its SHA-256)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import InputError
from ..settings.inputs import InputSpec

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, or an encrypted (password-protected) .xlsx
ZIP_MAGIC = b"PK\x03\x04"
BINARY_MAGIC = {b"%PDF": "PDF", b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF8": "GIF"}


def read_export_bytes(spec: InputSpec) -> bytes:
    """The file's bytes, or an InputError naming the file (and the config key) when it cannot be an export."""
    path = spec.path
    if not path.exists():  # also False for a symlink loop (or a link to nothing): is_symlink tells those apart
        missing = "Filen findes ikke eller er et symbolsk link i ring" if path.is_symlink() else "Filen findes ikke"
        raise InputError(f"{missing}: {path} (input.{spec.table}.path)")
    if not path.is_file():
        raise InputError(f"Stien er ikke en fil: {path} (input.{spec.table}.path)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Filen kan ikke læses: {path} ({exc.strerror})") from None
    if not data.strip():
        raise InputError(f"Filen er tom: {spec.name}")
    if data.startswith(OLE2_MAGIC) or path.suffix.lower() == ".xls":
        raise InputError(
            f"{spec.name} er en gammel Excel-fil (.xls) eller en adgangskodebeskyttet .xlsx, som ikke kan læses",
            hint="åbn filen i Excel, fjern en eventuel adgangskode og gem den som .xlsx eller CSV (semikolon)")
    for magic, kind in BINARY_MAGIC.items():
        if data.startswith(magic):
            raise InputError(f"{spec.name} er en {kind}-fil, ikke et regneark eller en CSV-fil")
    return data


def is_xlsx(path: Path, data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm")


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (document files can be large)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
