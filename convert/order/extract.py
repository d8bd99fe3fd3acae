"""The data behind a conversion order: the extract for Netcompany (bestilling_data.xlsx) and document file sizes.

The extract holds only the fields the conversion needs, and it holds CPR numbers by design: it is meant to be
sent by a secure channel, never attached to the specification itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING

import pandas as pd

from schemas.batch import CategorisedDocument as D
from schemas.batch import ConvertedCase as C

from ..batch import Batch
from ..codes import FLAGS
from ..danish.format import format_cpr
from ..errors import ConfigError
from ..write.xlsx import Column, Table, Workbook

if TYPE_CHECKING:
    from pandas.api.typing import NAType

DATA_NAME = "bestilling_data.xlsx"
PILOT_HEADER = "Prøvekonvertering"
CASE_COLUMNS = [Column("ESDH-sagsnr.", width=20), Column("CPR-nr.", width=13), Column("Sagstype (KP)", width=36),
                Column("Ansøgningsdato (KP)", kind="date",
                       comment="= seneste dato for oplyst formue (KOMBIT); kommunen har valgt den seneste på eller "
                               "før startdatoen"),
                Column("Startdato (KP)", kind="date"),
                Column("Bevilling slut (KP)", kind="date", comment="tom = tidsubegrænset bevilling"),
                Column("Antal dokumenter", kind="int", width=11), Column("Bemærkninger", width=60),
                Column(PILOT_HEADER, width=12, comment="Ja = med i prøvekonverteringen, som konverteres og "
                                                       "godkendes før resten")]
DOCUMENT_COLUMNS = [Column("ESDH-sagsnr.", width=20), Column("Dokument-id", width=14), Column("Titel", width=45),
                    Column("Dokumentdato", kind="date"), Column("Filnavn", width=24),
                    Column("Dokumentkategori (KP)", width=20)]


@dataclass(frozen=True)
class DocumentSizes:
    """File sizes of the documents to carry, from a folder holding the files; unknown without a folder."""

    folder: Path | None
    bytes_per_category: dict[str, int] = field(default_factory=dict)  # files found only
    found: int = 0
    missing: int = 0  # no file name, or no such file in the folder

    @property
    def known(self) -> bool:
        return self.folder is not None

    @property
    def total_bytes(self) -> int:
        return sum(self.bytes_per_category.values())


def document_sizes(documents: pd.DataFrame, folder: Path | None) -> DocumentSizes:
    """Sum the sizes of the files named in the documents' file-name column, looked up in `folder`
    (the name as given, else its last component, so an exported Windows path still finds the file)."""
    if folder is None:
        return DocumentSizes(None)
    if not folder.is_dir():
        raise ConfigError(f"Mappen med dokumentfilerne findes ikke: {folder}",
                          hint="ret order.documents_folder eller --documents, eller lad den være tom")
    per_category: dict[str, int] = {}
    found = missing = 0
    for name, category in zip(documents[D.filename].tolist(), documents[D.category].tolist(), strict=True):
        size = _file_size(folder, name)
        if size is None:
            missing += 1
        else:
            found += 1
            per_category[category] = per_category.get(category, 0) + size
    return DocumentSizes(folder, per_category, found, missing)


def _file_size(folder: Path, name: str | NAType | None) -> int | None:  # a cell of the file-name column
    if name is None or pd.isna(name) or not str(name).strip():
        return None
    text = str(name).strip()
    for candidate in (folder / text, folder / PureWindowsPath(text).name):
        if candidate.is_file():
            return candidate.stat().st_size
    return None


def document_formats(documents: pd.DataFrame) -> pd.Series:
    """Documents per file type, from the file names in the documents export ('.pdf' -> 'PDF'; a name without an
    extension or no name at all -> '(ukendt)'), most frequent first; empty when the export names no files."""
    names = documents[D.filename].astype("string").str.strip()
    if not names.fillna("").ne("").any():
        return pd.Series(dtype="int64")
    suffix = names.fillna("").map(lambda n: PureWindowsPath(n).suffix.lstrip(".").upper() if n else "")
    counts = suffix.replace("", "(ukendt)").value_counts()
    return counts.loc[sorted(counts.index, key=lambda k: (-int(counts[k]), k))]


def flag_labels(cases: pd.DataFrame, *, leave_out: tuple[str, ...] = ()) -> pd.Series:
    """The short Danish names of a case's flags, joined with '; ' ('' when none); `leave_out`: codes not shown."""
    codes = cases[C.flag_codes].fillna("").str.split("|").explode()
    codes = codes[codes.ne("") & ~codes.isin(leave_out)]
    labels = codes.map(lambda c: FLAGS.get(c, c))  # an unknown code is shown as itself, never dropped
    joined = labels.groupby(level=0).agg("; ".join)
    return joined.reindex(cases.index).fillna("").astype("string")


def case_extract(cases: pd.DataFrame, case_type: str, pilot: pd.Series, *, with_documents: bool = True) -> Table:
    """The ordered cases; `pilot` (bool, aligned with `cases`) marks the test conversion. Without documents in the
    order, a remark about documents is left out (they are not converted)."""
    remarks = flag_labels(cases, leave_out=() if with_documents else ("documents_uncategorised",))
    frame = pd.DataFrame({0: cases[C.case_id], 1: format_cpr(cases[C.cpr]), 2: case_type,
                          3: cases[C.application_date], 4: cases[C.start_date], 5: cases[C.end_date],
                          6: cases[C.document_count], 7: remarks,
                          8: pilot.reindex(cases.index).fillna(False).map({True: "Ja", False: ""})}, index=cases.index)
    return Table("Sager", CASE_COLUMNS, frame)


def document_extract(documents: pd.DataFrame) -> Table:
    d = documents
    frame = pd.DataFrame({0: d[D.case_id], 1: d[D.document_id], 2: d[D.title], 3: d[D.doc_date], 4: d[D.filename],
                          5: d[D.category]}, index=d.index)
    return Table("Dokumenter", DOCUMENT_COLUMNS, frame)


def write_order_data(batch: Batch, path: Path, *, include_documents: bool,
                     scope: pd.DataFrame) -> list[tuple[str, int, list[str]]]:
    """Write the extract of the cases in the order (`scope`: `convert.order.scope.order_scope`) and their
    documents; returns per sheet (name, rows, column headers) for the specification."""
    cfg = batch.config
    cases = batch.cases[scope["in_order"]]
    documents = batch.documents[batch.documents[D.case_id].isin(cases[C.case_id])]
    tables = [case_extract(cases, cfg.order.kp_case_type, scope["pilot"], with_documents=include_documents)]
    if include_documents:
        tables.append(document_extract(documents))
    created = dt.datetime.combine(cfg.cutover_date, dt.time())
    book = Workbook(path, created=created, title=f"Udtræk til konvertering – {cfg.batch_name}")
    about: list[list[object]] = [
        ["Felt", "Værdi"], ["Kommune", cfg.municipality], ["Batch", cfg.batch_name], ["Startdato i KP", cfg.cutover_date],
        ["Sager", len(cases)],
        ["Dokumenter", len(documents) if include_documents else "konverteres ikke"],
        ["Prøvekonvertering", f"{int(scope['pilot'].sum())} sager – kolonnen »{PILOT_HEADER}« på arket Sager"],
        ["Indhold", "CPR-numre og sagsoplysninger om borgere: fortrolige personoplysninger."],
        ["Forsendelse", "Send kun filen via en sikker kanal aftalt med Netcompany."],
    ]
    book.write_key_values("Læs mig", f"Udtræk til konvertering – {cfg.batch_name}", [("Om filen", about)])
    for table in tables:
        book.write_table(table)
    book.close()
    return [(t.sheet, len(t.frame), [c.header for c in t.columns]) for t in tables]
