"""Whose file is it, and can this folder hold the outputs? The checks every command makes before it writes.

An existing file is replaced only if kp-convert wrote it (`written_by_kp_convert`: its document properties or first
line say so); an output folder that is a file, a symlink loop, a name too long or not writable is refused before any
work is done; the folders the tool creates and its temporary data stay private to the user.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from ..errors import OutputError

TEMP_FOLDER_PREFIX = ".kp-convert-tmp-"
MARKER = "kp-convert"  # in every file the tool writes: document author, generator tag, manifest "tool"
_CREATOR = re.compile(rf"<(?:\w+:)?creator\b[^>]*>\s*{re.escape(MARKER)}\s*</")  # docProps/core.xml, any prefix
# documents that carry the municipality as author say who made them in their description ("Lavet af kp-convert")
_MADE_BY = re.compile(rf"<(?:\w+:)?description\b[^>]*>[^<]*\b{re.escape(MARKER)}\b[^<]*</")


def written_by_kp_convert(path: Path, *, like: Path | None = None) -> bool:
    """Did the tool write `path`? Workbooks and Word files carry the author 'kp-convert' or the description
    'Lavet af kp-convert' (both kept by Excel, Word and LibreOffice when the team saves them); text files carry the marker near the top, or begin with the same
    first line as the file about to replace them (`like`: a CSV with the tool's own header)."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                core = z.read("docProps/core.xml").decode("utf-8", "replace")
            return _CREATOR.search(core) is not None or _MADE_BY.search(core) is not None
        with path.open("rb") as fh:
            head = fh.read(16384)
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    if MARKER.encode() in head:
        return True
    if like is None:
        return False
    try:
        with like.open("rb") as fh:
            new_head = fh.read(16384)
    except OSError:
        return False
    first, new_first = head.split(b"\n", 1)[0], new_head.split(b"\n", 1)[0]
    return bool(first.strip()) and first == new_first and path.suffix.lower() in {".csv", ".md", ".txt"}


def private_temp_folder(folder: Path) -> Path:
    """`.kp-convert-tmp-PID` in `folder`, made owner-only if missing."""
    path = Path(folder) / f"{TEMP_FOLDER_PREFIX}{os.getpid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def check_output_folder_path(folder: Path) -> None:
    """Refuse (exit 4, one line) an output folder that cannot be one, before any work is done: a file, a symlink
    loop, a name too long for the file system, a place that cannot be written. Creates nothing."""
    folder = Path(folder)
    hint = "vælg en anden mappe med --out"
    try:
        folder.resolve()
    except RuntimeError:  # Python < 3.13 reports a symlink loop so
        raise OutputError(f"Resultatmappen {folder} er et symbolsk link, der peger på sig selv (en løkke)",
                          hint=hint) from None
    except OSError as exc:
        raise OutputError(f"Resultatmappen {folder} kan ikke bruges ({exc.strerror or exc})", hint=hint) from None
    existing = next((p for p in (folder, *folder.parents) if os.path.lexists(p)), Path("."))
    if existing == folder and not folder.is_dir():
        what = ("et symbolsk link, der ikke fører til en mappe (måske en løkke)" if folder.is_symlink()
                else "en fil, ikke en mappe")
        raise OutputError(f"Resultatmappen {folder} er {what}", hint=hint)
    if not existing.is_dir():
        raise OutputError(f"Resultatmappen {folder} kan ikke laves: {existing} er ikke en mappe", hint=hint)
    try:
        name_max = os.pathconf(existing, "PC_NAME_MAX")
        path_max = os.pathconf(existing, "PC_PATH_MAX")
    except (AttributeError, ValueError, OSError):  # Windows: no pathconf
        name_max, path_max = 255, 32767
    # the longest name the tool writes in it: '.konverteringsark.xlsx.previous-<pid>' and the like
    longest = next(iter(sorted((p.name for p in (folder, *folder.parents)), key=len, reverse=True)), "")
    if len(longest.encode()) > name_max or len(str(folder.absolute()).encode()) + 64 > path_max:
        raise OutputError(f"Resultatmappens navn er for langt til filsystemet: {str(folder)[:60]}…", hint=hint)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"Du har ikke skriveadgang til {existing}", hint=hint)


def make_private_dirs(folder: Path) -> None:
    """mkdir -p, every folder it creates readable by the owner only (they will hold CPR numbers)."""
    missing = []
    for p in (folder, *folder.parents):
        if p.exists():
            break
        missing.append(p)
    for p in reversed(missing):
        p.mkdir(mode=0o700, exist_ok=True)
