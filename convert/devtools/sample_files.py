"""Dummy document files for a synthetic export, so document staging can be tried without real documents.

`convert.sample` writes only the CSV exports. This writes one tiny text file per row of dokumenter.csv into
`<out>/filer/<Filnavn>` (the extension is the export's; the content is a line of fictitious text, not a real
PDF). With `defects`, two staging problems are planted on running foot-care cases that are otherwise clean:
one file is left out (missing), and one file repeats an earlier document of the same case (duplicate).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .sample import CASES_FILE, DOCUMENTS_FILE, PlantedDefect

FILES_FOLDER = "filer"


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(text-editor line where the record starts, record) for every record of a sample CSV file."""
    reader = csv.DictReader(io.StringIO(path.read_bytes().decode("cp1252"), newline=""), delimiter=";")
    out, start = [], 2
    for row in reader:
        out.append((start, row))
        start = reader.line_num + 1
    return out


def write_document_files(out_dir: Path, defects: bool = True, avoid_case_ids: set[str] | None = None
                         ) -> tuple[Path, list[PlantedDefect]]:
    """Write `<out_dir>/filer/` from `<out_dir>/dokumenter.csv`; returns the folder and the planted defects."""
    out_dir = Path(out_dir)
    folder = out_dir / FILES_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    docs = _rows(out_dir / DOCUMENTS_FILE)
    skip: set[int] = set()
    same_as: dict[int, int] = {}
    planted: list[PlantedDefect] = []
    if defects:
        # running foot-care cases without a planted defect of their own, with at least two documents
        clean = [r["Sagsnr."] for _, r in _rows(out_dir / CASES_FILE)
                 if r.get("Ydelse") == "Fodbehandling" and r.get("Sagsstatus") == "Aktiv" and not r.get("Slutdato")
                 and r["Sagsnr."] not in (avoid_case_ids or set())]
        by_case: dict[str, list[int]] = {}
        for i, (_, r) in enumerate(docs):
            by_case.setdefault(r["Sagsnr."], []).append(i)
        targets = [c for c in clean if len(by_case.get(c, [])) >= 2][:2]
        if len(targets) == 2:
            missing = by_case[targets[0]][1]
            skip.add(missing)
            planted.append(PlantedDefect("document_file_missing", f"{FILES_FOLDER}/{docs[missing][1]['Filnavn']}",
                                         (docs[missing][0],), (targets[0],), docs[missing][1]["Dokument-id"],
                                         "staging: listed as missing, nothing copied"))
            first, dup = by_case[targets[1]][:2]
            same_as[dup] = first
            planted.append(PlantedDefect("document_file_duplicate", f"{FILES_FOLDER}/{docs[dup][1]['Filnavn']}",
                                         (docs[dup][0],), (targets[1],), docs[dup][1]["Dokument-id"],
                                         f"staging: listed as a duplicate of {docs[first][1]['Dokument-id']}, "
                                         "not copied"))
    for i, (_, r) in enumerate(docs):
        if i in skip or not r.get("Filnavn"):
            continue
        src = docs[same_as.get(i, i)][1]
        text = (f"Fiktivt testdokument {src['Dokument-id']} (kp-convert sample)\r\n"
                f"Sag: {src['Sagsnr.']}\r\nTitel: {src['Dokumenttitel']}\r\n")
        (folder / r["Filnavn"]).write_bytes(text.encode("utf-8"))
    return folder, planted
