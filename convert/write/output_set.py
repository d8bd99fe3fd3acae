"""Write a run's files into the output folder, all or nothing.

Every file is first written to a temporary name in the same folder; only when all are written are they
renamed into place. A run that fails halfway leaves the previous run's files untouched.
Files are created readable by the owner only (POSIX), since they hold CPR numbers and health data.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import OutputError


class OutputSet:
    """Temporary files in the output folder, renamed into place together by `commit` (or all put back)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        try:
            make_private_dirs(self.folder)
            probe = self.folder / f".kp-convert-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise OutputError(f"Resultatmappen kan ikke skrives: {self.folder} ({exc.strerror})",
                              hint="vælg en anden mappe med --out") from None
        self.pending: dict[str, Path] = {}

    def path(self, name: str) -> Path:
        tmp = self.folder / f".{name}.tmp-{os.getpid()}"
        # created owner-only before any data goes in; the writers reopen it and keep the mode
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        self.pending[name] = tmp
        return tmp

    def previous_files(self) -> list[str]:
        return [name for name in self.pending if (self.folder / name).exists()]

    def commit(self) -> dict[str, Path]:
        """Rename every temporary file into place; if one rename fails, the earlier ones are put back."""
        done: dict[str, Path] = {}
        backups: dict[str, Path] = {}
        name = ""
        try:
            for name, tmp in self.pending.items():
                if os.name == "posix":
                    os.chmod(tmp, 0o600)
                final = self.folder / name
                if final.exists():
                    backups[name] = self.folder / f".{name}.previous-{os.getpid()}"
                    os.replace(final, backups[name])
                os.replace(tmp, final)
                done[name] = final
        except OSError as exc:
            restored = self._roll_back(done, backups)
            self.abort()
            state = ("de tidligere filer er lagt tilbage og er urørte" if restored else
                     "de tidligere filer kunne ikke alle lægges tilbage – se efter filer der begynder med "
                     f"'.' og slutter på '.previous-{os.getpid()}'")
            raise OutputError(f"Kunne ikke lægge {name} på plads i {self.folder} ({exc.strerror}); {state}",
                              hint="er filen åben i Excel? Luk den og kør igen") from None
        for backup in backups.values():
            backup.unlink(missing_ok=True)
        self.pending = {}
        return done

    def _roll_back(self, done: dict[str, Path], backups: dict[str, Path]) -> bool:
        try:
            for final in done.values():
                final.unlink(missing_ok=True)
            for name, backup in backups.items():
                os.replace(backup, self.folder / name)
            return True
        except OSError:
            return False

    def abort(self) -> None:
        for tmp in self.pending.values():
            tmp.unlink(missing_ok=True)
        self.pending = {}


def make_private_dirs(folder: Path) -> None:
    """mkdir -p, every folder it creates readable by the owner only (they will hold CPR numbers)."""
    missing = []
    for p in (folder, *folder.parents):
        if p.exists():
            break
        missing.append(p)
    for p in reversed(missing):
        p.mkdir(mode=0o700, exist_ok=True)


