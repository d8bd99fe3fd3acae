"""Which document files to stage for drag-and-drop into KP: one folder per batch and case, files named in order.

`dokumenter/Batch 03/32.03.12-G01-17-24/01 - Ansøgning - D000123.pdf`: the caseworker drags a case's files
into KP's "Dokumenter" tab in that order, and the name says which document category to choose (a document
without one is not carried to the case KP creates at the year-end re-assessment). Every document of a converted
case gets a status: to copy, already there (same SHA-256: a re-run copies nothing twice), to copy again (the export
changed), or a problem that is listed, never skipped silently: missing, unreadable, or a duplicate (the same
content as an earlier document of the same case, not copied again).

This module only decides (it reads the source files and what is already staged, and writes nothing); the copy
happens at the writing edge (`convert.write.documents`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from schemas.batch import CategorisedDocument as D
from schemas.batch import ConvertedCase as C

from ..errors import InputError
from ..progress import stage
from ..read.files import sha256_file
from ..settings.toml import resolved

STAGING_FOLDER = "dokumenter"
STATUS_LABELS = {
    "copied": "Kopieret",
    "already_staged": "Allerede kopieret (uændret)",
    "replaced": "Kopieret igen (filen er ændret)",
    "missing": "Mangler",
    "unreadable": "Kan ikke læses",
    "duplicate": "Dublet – ikke kopieret",
    "held_back": "Sagen er holdt tilbage – ikke kopieret",
    "not_in_plan": "Ligger i mappen, men hører ikke til planen",
}
STAGED = ("copied", "already_staged", "replaced")
TO_COPY = ("copied", "replaced")  # in a plan: the copy is still to be made
PROBLEMS = ("missing", "unreadable", "duplicate")
FILE_COLUMNS = ["case_id", "document_id", "category", "batch", "filename", "target", "status", "message", "sha256"]
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


@dataclass(frozen=True)
class StagingResult:
    """The staged (or, before the copy, planned) files: one row per document of a converted case, + files from an
    earlier plan. `sources` maps a row that is still to be copied to its source file."""

    source_folder: Path
    target_folder: Path  # <out>/dokumenter
    files: pd.DataFrame  # FILE_COLUMNS
    sources: dict[int, Path] = field(default_factory=dict, compare=False)  # row -> source file (TO_COPY rows)

    def counts(self) -> dict[str, int]:
        return {str(s): int(n) for s, n in self.files["status"].value_counts().items()}

    def problems(self) -> pd.DataFrame:
        return self.files[self.files["status"].isin([*PROBLEMS, "not_in_plan"])]

    def manifest(self) -> dict[str, object]:
        staged = self.files[self.files["status"].isin(STAGED)]
        return {"source_folder": str(self.source_folder), "target_folder": STAGING_FOLDER,
                "counts": dict(sorted(self.counts().items())),
                "files": [{"document_id": r.document_id, "target": r.target, "sha256": r.sha256, "status": r.status}
                          for r in staged.itertuples()]}


def safe_name(text: object, limit: int = 80) -> str:
    """A file or folder name Windows and Linux both accept: no \\ / : * ? " < > |, no reserved device name."""
    name = _UNSAFE.sub("_", str(text)).strip().rstrip(". ")[:limit].rstrip(". ")
    if not name:
        return "_"
    if name.split(".")[0].upper() in _RESERVED:
        return "_" + name
    return name


def _inspect(filename: object, folder: Path) -> tuple[str, str, Path | None, str]:
    """(status, message, path, sha256) of one document's source file: ok, missing or unreadable."""
    if filename is None or filename is pd.NA or not str(filename).strip():
        return "missing", "Filnavn mangler i dokumentudtrækket", None, ""
    rel = str(filename).strip().replace("\\", "/")
    path = resolved(folder / rel)  # a symlink loop stays as it is: then it does not exist (missing)
    if not path.is_relative_to(folder):
        return "unreadable", f"Filnavnet peger uden for dokumentmappen: {filename}", None, ""
    if not path.exists():
        return "missing", f"Filen findes ikke i dokumentmappen: {rel}", None, ""
    try:
        return "ok", "", path, sha256_file(path)
    except OSError as exc:
        return "unreadable", f"Filen kan ikke læses: {rel} ({exc.strerror or exc})", None, ""


@stage("staging", "Planlægger dokumentfiler")
def plan_staging(cases: pd.DataFrame, documents: pd.DataFrame, source_folder: Path, out_dir: Path) -> StagingResult:
    """Decide, for every planned case's documents, where its file goes in `<out_dir>/dokumenter/Batch NN/<case>/`
    and whether it must be copied. Reads the source files and the staging folder; writes nothing."""
    folder = resolved(Path(source_folder))
    if not folder.is_dir():
        raise InputError(f"Mappen med dokumentfiler findes ikke: {folder}",
                         hint="sæt planning.documents_folder i konfigurationen eller brug --documents-folder")
    root = Path(out_dir) / STAGING_FOLDER
    batch_of = dict(zip(cases[C.case_id], cases[C.plan_batch], strict=True)) if C.plan_batch in cases else {}
    held = set(cases.loc[cases[C.plan_status] == "held_back", C.case_id]) if C.plan_status in cases else set()
    width = max(2, len(str(max((b for b in batch_of.values() if pd.notna(b)), default=1))))
    rows: list[dict[str, object]] = []
    paths: dict[int, Path] = {}  # row -> its readable source file
    seen: dict[tuple[str, str], str] = {}  # (case, sha256) -> first document id with that content
    for doc in documents.itertuples(index=False):
        case, doc_id = str(getattr(doc, D.case_id)), str(getattr(doc, D.document_id))
        status, message, path, digest = _inspect(getattr(doc, D.filename, None), folder)
        if status == "ok" and (case, digest) in seen:
            status, message = "duplicate", f"Samme indhold som {seen[(case, digest)]} på samme sag"
        elif status == "ok":
            seen[(case, digest)] = doc_id
        if status == "ok" and (case in held or pd.isna(batch_of.get(case, pd.NA))):
            status, message = "held_back", "Sagen er ikke planlagt (holdt tilbage)"
        rows.append({"case_id": case, "document_id": doc_id, "category": getattr(doc, D.category),
                     "batch": batch_of.get(case, pd.NA), "filename": getattr(doc, D.filename, pd.NA),
                     "target": "", "status": status, "message": message, "sha256": digest})
        if path is not None:
            paths[len(rows) - 1] = path

    case_folders: dict[tuple[object, str], str] = {}
    per_case: dict[str, int] = {}
    to_stage = [i for i, r in enumerate(rows) if r["status"] == "ok"]
    counts = pd.Series([rows[i]["case_id"] for i in to_stage]).value_counts()
    sources: dict[int, Path] = {}
    for i in to_stage:
        r = rows[i]
        case = str(r["case_id"])
        n = per_case[case] = per_case.get(case, 0) + 1
        name = safe_name(case)
        key = (r["batch"], name.casefold())
        if case_folders.setdefault(key, case) != case:  # two case numbers that differ only in unsafe chars
            name = f"{name} ({hashlib.sha256(case.encode()).hexdigest()[:6]})"
        number = f"{n:0{max(2, len(str(counts[case])))}d}"
        ext = Path(str(r["filename"])).suffix
        file_name = f"{number} - {safe_name(r['category'], 60)} - {safe_name(r['document_id'], 60)}{ext}"
        rel = Path(f"Batch {int(batch_of[case]):0{width}d}") / name / file_name  # an "ok" row's case is planned
        target = root / rel
        r["target"] = rel.as_posix()
        if target.is_file() and sha256_file(target) == r["sha256"]:
            r["status"], r["message"] = "already_staged", "Findes allerede med samme indhold"
            continue
        r["status"] = "replaced" if target.exists() else "copied"
        sources[i] = paths[i]  # an "ok" row always has its source path

    wanted = {str(r["target"]) for r in rows if r["target"]}
    stale = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                   if p.is_file() and not p.name.startswith(".")) if root.exists() else []
    rows += [{"case_id": "", "document_id": "", "category": "", "batch": pd.NA, "filename": "", "target": t,
              "status": "not_in_plan", "message": "Fra en tidligere kørsel med en anden plan – flyt eller slet den",
              "sha256": ""} for t in stale if t not in wanted]
    files = pd.DataFrame(rows, columns=FILE_COLUMNS).astype({"batch": "Int64"})
    return StagingResult(source_folder=folder, target_folder=root, files=files, sources=sources)
