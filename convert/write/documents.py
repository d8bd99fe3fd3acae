"""Copy the staged document files (the plan from `convert.plan.staging`) into `<out>/dokumenter/`.

Each file goes through a temporary name, so a half-copied file never looks staged; files and folders are readable
by the owner only (the documents are personal data).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

from ..errors import OutputError
from ..plan.staging import TO_COPY, StagingResult
from ..progress import stage
from .ownership import make_private_dirs


def _copy(source: Path, target: Path) -> str:
    """Copy through a temporary name; returns the copy's SHA-256."""
    target.parent.parent.mkdir(exist_ok=True, mode=0o700)  # the batch folder; <out>/dokumenter exists
    target.parent.mkdir(exist_ok=True, mode=0o700)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    h = hashlib.sha256()
    try:
        with source.open("rb") as src, tmp.open("wb") as dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                h.update(block)
                dst.write(block)
        if os.name == "posix":
            os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return h.hexdigest()


@stage("copy_documents", "Kopierer dokumentfiler")
def copy_staged_files(plan: StagingResult) -> StagingResult:
    """Make the copies the plan calls for; returns the result with each copy's own SHA-256."""
    root = plan.target_folder
    files = plan.files.copy()
    try:
        make_private_dirs(root)  # every folder it creates owner-only, the parents too (mkdir -p would make 0755)
        for i in files.index[files["status"].isin(TO_COPY)]:
            files.at[i, "sha256"] = _copy(plan.sources[i], root / str(files.at[i, "target"]))
    except OSError as exc:
        raise OutputError(f"Dokumentfilerne kan ikke kopieres til {root} ({exc.strerror or exc})",
                          hint="vælg en anden mappe med --out") from None
    return dataclasses.replace(plan, files=files, sources={})
