"""Write a command's files into the output folder as one set: at every instant a complete old set or a complete new
set can be found, whatever kills the process.

How (a commit journal, as databases do):
1. every file is written to a hidden temporary name in the same folder (`.ledger.csv.tmp-PID`), owner-only;
2. when all are complete, a journal `.kp-convert-commit-PID.json` naming them is written (itself through a
   temporary name, so it is either whole or absent) – from this instant the new set is decided;
3. each old file is moved aside (`.ledger.csv.previous-PID`) and the new one renamed into place;
4. the journal and the moved-aside files are removed.
A process killed before step 2 leaves the old set untouched (and temporary files that are ours); killed after it,
the next command that opens the folder (`recover_folder`, run before anything is read) finishes the renames from
the journal. Throughout step 3 every new file exists under its temporary or its final name, which is what makes the
roll-forward always possible. A rename that fails with an error (a file locked by Excel on Windows) is rolled back
in the same way, journal last, so a kill during the roll-back still rolls forward to the complete new set.

Only what the tool can prove is its own is removed: hidden files named `.<name>.tmp-PID` / `.<name>.previous-PID`,
journals and private temp folders (`.kp-convert-tmp-PID`) of a process that is no longer running.
An existing file is replaced only if the tool wrote it (`written_by_kp_convert`): anything else – an export, a KP
report saved under an output's name – is refused with exit 4.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OutputError
from .ownership import (
    MARKER,
    TEMP_FOLDER_PREFIX,
    check_output_folder_path,
    make_private_dirs,
    private_temp_folder,
    written_by_kp_convert,
)

log = logging.getLogger("convert.housekeeping")

JOURNAL_PREFIX = ".kp-convert-commit-"
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|previous)-(?P<pid>[0-9]+)$")
_OWN_FOLDER = re.compile(rf"^(?:{re.escape(TEMP_FOLDER_PREFIX)}|\.kp-convert-probe-)(?P<pid>[0-9]+)$")
_JOURNAL = re.compile(rf"^{re.escape(JOURNAL_PREFIX)}(?P<pid>[0-9]+)\.json$")
_STALE_JOURNAL_SECONDS = 600  # a commit takes seconds: an older journal of a 'running' PID is a reused PID


@dataclass
class Recovery:
    """What `recover_folder` found and did, in Danish lines for the console, the Oversigt and the manifest."""

    completed: list[str] = field(default_factory=list)  # files put in place from an interrupted commit
    restored: list[str] = field(default_factory=list)  # old files put back (an interrupted run of an older version)
    removed: int = 0  # leftover temporary files and folders removed

    def lines(self) -> list[str]:
        out = []
        if self.completed:
            out.append("En afbrudt kørsel er gjort færdig: " + ", ".join(self.completed) + " er lagt på plads "
                       "(de var skrevet færdige, da kørslen blev afbrudt)")
        if self.restored:
            out.append("Genskabt fra en afbrudt kørsel: " + ", ".join(self.restored))
        if self.removed:
            out.append(f"{self.removed} efterladte midlertidige filer fra en afbrudt kørsel er slettet")
        return out

    def __bool__(self) -> bool:
        return bool(self.completed or self.restored or self.removed)

    # as a run's extension (convert.batch.Extension): said on the console, in the Oversigt and the manifest
    def console_lines(self) -> list[str]:
        return [f"Bemærk: {line}" for line in self.lines()]

    def overview_blocks(self) -> list[tuple[str, list[list[object]]]]:
        return [("Afbrudt kørsel", [[line] for line in self.lines()])]

    def tables(self) -> list[object]:
        return []

    def manifest(self) -> dict[str, object]:
        return {"recovered": {"completed": self.completed, "restored": self.restored, "removed": self.removed}}


class OutputSet:
    """Temporary files in the output folder, put in place together by `commit` (or all removed by `abort`).

    `trusted`: output names whose existing file the caller has already checked is its own (the worksheet, read
    as the team's worksheet before it is replaced); every other existing file must be `written_by_kp_convert`.
    """

    def __init__(self, folder: Path, *, trusted: Collection[str] = ()) -> None:
        self.folder = Path(folder)
        self.trusted = frozenset(trusted)
        check_output_folder_path(self.folder)
        try:
            make_private_dirs(self.folder)
            probe = self.folder / f".kp-convert-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise OutputError(f"Resultatmappen kan ikke skrives: {self.folder} ({exc.strerror or exc})",
                              hint="vælg en anden mappe med --out") from None
        self.recovery = recover_folder(self.folder)
        for line in self.recovery.lines():
            log.warning("%s: %s", self.folder, line)
        self.pending: dict[str, Path] = {}

    def path(self, name: str) -> Path:
        tmp = self.folder / f".{name}.tmp-{os.getpid()}"
        # created owner-only before any data goes in; the writers reopen it and keep the mode
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        self.pending[name] = tmp
        return tmp

    def temp_folder(self) -> Path:
        """A private folder for the writers' own temporary data (the workbook writer's sheet data holds CPR
        numbers): inside the output folder, owner-only, removed by `commit` and `abort` – and by the next run if
        the process was killed."""
        return private_temp_folder(self.folder)

    def previous_files(self) -> list[str]:
        return [name for name in self.pending if (self.folder / name).exists()]

    def check_replaceable(self) -> None:
        """Refuse (exit 4) before anything moves if an existing file under an output's name is not the tool's."""
        for name, tmp in self.pending.items():
            final = self.folder / name
            if name in self.trusted or not final.exists():
                continue
            if final.is_dir() or not written_by_kp_convert(final, like=tmp):
                raise OutputError(f"{final} er ikke skrevet af kp-convert og bliver ikke overskrevet med "
                                  f"resultatfilen {name}",
                                  hint="flyt eller omdøb filen, eller vælg en anden resultatmappe med --out")

    def commit(self) -> dict[str, Path]:
        """Put every temporary file in place (see the module docstring); returns name -> final path."""
        try:
            self.check_replaceable()
        except BaseException:
            self.abort()
            raise
        pid = os.getpid()
        entries = list(self.pending.items())
        try:
            for _, tmp in entries:
                if os.name == "posix":
                    os.chmod(tmp, 0o600)
                _fsync(tmp)
            journal = _write_journal(self.folder, pid, [name for name, _ in entries])
        except OSError as exc:
            self.abort()
            raise OutputError(f"Resultatfilerne kunne ikke gøres færdige i {self.folder} ({exc.strerror or exc}); "
                              "de tidligere filer er urørte", hint="ret årsagen og kør igen") from None
        moved: list[tuple[str, Path, Path | None]] = []  # (name, tmp, backup) renamed into place so far
        name = ""
        try:
            for name, tmp in entries:
                final = self.folder / name
                backup = None
                if final.exists():
                    backup = self.folder / f".{name}.previous-{pid}"
                    os.replace(final, backup)
                try:
                    os.replace(tmp, final)
                except OSError:
                    if backup is not None:
                        os.replace(backup, final)
                    raise
                moved.append((name, tmp, backup))
        except OSError as exc:
            restored = _roll_back(self.folder, moved)
            if restored:
                journal.unlink(missing_ok=True)
            self.abort()
            state = ("de tidligere filer er lagt tilbage og er urørte" if restored else
                     "næste kørsel gør de nye filer færdige ud fra journalen")
            raise OutputError(f"Kunne ikke lægge {name} på plads i {self.folder} ({exc.strerror or exc}); {state}",
                              hint="er filen åben i Excel? Luk den og kør igen") from None
        journal.unlink(missing_ok=True)
        for _, _, backup in moved:
            if backup is not None:
                backup.unlink(missing_ok=True)
        self._remove_temp_folder()
        done = {name: self.folder / name for name, _ in entries}
        self.pending = {}
        return done

    def abort(self) -> None:
        for tmp in self.pending.values():
            tmp.unlink(missing_ok=True)
        self.pending = {}
        self._remove_temp_folder()

    def _remove_temp_folder(self) -> None:
        shutil.rmtree(self.folder / f"{TEMP_FOLDER_PREFIX}{os.getpid()}", ignore_errors=True)


def _roll_back(folder: Path, moved: list[tuple[str, Path, Path | None]]) -> bool:
    """Undo the renames so far, newest first: the new file back to its temporary name, then the old one back."""
    try:
        for name, tmp, backup in reversed(moved):
            os.replace(folder / name, tmp)
            if backup is not None:
                os.replace(backup, folder / name)
        return True
    except OSError:
        return False


def _write_journal(folder: Path, pid: int, names: list[str]) -> Path:
    journal = folder / f"{JOURNAL_PREFIX}{pid}.json"
    tmp = folder / f".{journal.name}.tmp-{pid}"
    body = {"tool": MARKER, "pid": pid, "written": time.time(),
            "files": [{"name": n, "tmp": f".{n}.tmp-{pid}", "previous": f".{n}.previous-{pid}"} for n in names]}
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(body, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, journal)
    _fsync_folder(folder)
    return journal


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        _fsync(folder)
    except OSError:  # some file systems (network shares) cannot sync a folder: the renames are still atomic
        pass


# ---- recovery ------------------------------------------------------------------------------------------------

def recover_folder(folder: Path) -> Recovery:
    """Finish or clean up after an interrupted command in `folder`, before anything there is read.

    Journals of processes that are gone are rolled forward; leftovers of such processes that are provably the
    tool's own (hidden temporary and moved-aside files, private temp folders) are removed; a moved-aside old file
    whose final file is missing (an interrupted run of an older kp-convert) is put back. The caller says what
    was done (`Recovery.lines`)."""
    result = Recovery()
    folder = Path(folder)
    try:
        names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    except OSError:
        return result
    journals = [(n, int(m["pid"])) for n in names if (m := _JOURNAL.match(n))]
    for name, pid in sorted(journals):
        if _running(pid, folder / name):
            continue
        result.completed += _roll_forward(folder, folder / name)
    for path in _leftovers(folder, names):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            result.removed += 1
            continue
        m = _LEFTOVER.match(path.name)
        final = folder / m["name"] if m else None
        try:
            if m and m["kind"] == "previous" and final is not None and not final.exists():
                os.replace(path, final)
                result.restored.append(final.name)
            elif path.exists():
                path.unlink()
                result.removed += 1
        except OSError:
            continue  # not ours to fight over (permissions, a share): left, and the next run tries again
    return result


def _roll_forward(folder: Path, journal: Path) -> list[str]:
    try:
        body = json.loads(journal.read_text(encoding="utf-8"))
        files = [(str(f["name"]), str(f["tmp"]), str(f["previous"])) for f in body["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("%s: en ulæselig commit-journal (%s) er ikke brugt", folder, journal.name)
        return []
    done = []
    for name, tmp, previous in files:
        if "/" in name or "\\" in name or "/" in tmp or "/" in previous:
            continue  # a journal names files in its own folder only
        if (folder / tmp).exists():
            os.replace(folder / tmp, folder / name)
            done.append(name)
        (folder / previous).unlink(missing_ok=True)
    journal.unlink(missing_ok=True)
    return done


def _leftovers(folder: Path, names: Iterable[str]) -> list[Path]:
    """Hidden files and folders of ours whose process is gone (sorted: `.previous` files are handled after
    `.tmp` files of the same run, which does not matter, but the order is stable)."""
    found = []
    for n in sorted(names):
        m = _LEFTOVER.match(n) or _OWN_FOLDER.match(n)
        if m and int(m["pid"]) != os.getpid() and not _running(int(m["pid"]), folder / n):
            found.append(folder / n)
    return found


def _running(pid: int, evidence: Path) -> bool:
    """Is the process that wrote `evidence` still running? A live PID with evidence older than a commit can take
    is another process that reused the number."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        pass  # exists, owned by someone else
    try:
        return time.time() - evidence.stat().st_mtime < _STALE_JOURNAL_SECONDS
    except OSError:
        return False
