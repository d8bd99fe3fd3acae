"""No edit is lost in silence: the cells of the tool's own columns that the team changed since the last run.

The worksheet's tool columns (CPR-nr., Ansøgningsdato (KP), Bemærkninger …) are regenerated on every run. A
caseworker may still type over one – a corrected date, a note in Bemærkninger. So the tool remembers what it wrote:
a very hidden sheet `kp-convert` holds, per case, a fingerprint of every tool cell (a 32-bit SipHash of the cell
as written, the same way it reads back from Excel or LibreOffice). On the next run a cell whose content no longer
matches its fingerprint was changed by the team: its value is kept in *Sager* (marked), listed in the sheet
*Teamets rettelser* (case, column, what kp-convert writes now, what the team wrote) and counted on the console and
in *Oversigt*. The new fingerprint is again of what the tool writes, so the correction stays a correction on every
later run – until the tool itself writes the same value, when it is no longer listed.

A worksheet from an older version has no fingerprints: its tool cells cannot be checked, and the run says so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .batch import Batch
from .progress import stage
from .write.cells import EXCEL_EPOCH, cell_values
from .write.worksheet.fingerprints import column_hashes, read_fingerprints, tool_columns
from .write.worksheet.layout import CASE_ID
from .write.worksheet.read import filled
from .write.xlsx import Column, Table

EDITS_SHEET = "Teamets rettelser"
EDIT_COLUMNS = [CASE_ID, "Kolonne", "kp-convert skriver nu", "Teamet skrev", "Status"]

@dataclass(frozen=True)
class TeamEdits:
    """What the team changed in the tool's columns: kept in Sager, listed in 'Teamets rettelser'."""

    # CASE_ID, "Kolonne", "kp-convert skriver nu", "Teamet skrev", "Status"; _col (the Sager column, -1: gone),
    # _team (the value as the team typed it, which the writer keeps), _kept (the case is still in Sager)
    edits: pd.DataFrame
    settled: int = 0  # earlier corrections the tool now writes itself
    unchecked: bool = False  # the previous worksheet had no fingerprints (older version)

    def console_lines(self) -> list[str]:
        lines = []
        if len(self.edits):
            lines.append(f"Teamets rettelser i kp-converts kolonner: {len(self.edits)} celler i "
                         f"{self.edits[CASE_ID].nunique()} sager er beholdt – se arket '{EDITS_SHEET}'")
        if self.settled:
            lines.append(f"{self.settled} tidligere rettelser skriver kp-convert nu selv")
        if self.unchecked:
            lines.append("Rettelser i kp-converts kolonner er ikke kontrolleret: det tidligere ark er lavet af en "
                         "ældre version (fra nu af huskes hvad kp-convert skrev)")
        return lines

    def overview_blocks(self) -> list[tuple[str, list[list[object]]]]:
        rows: list[list[object]] = [["Celler i kp-converts kolonner rettet af teamet (beholdt)", len(self.edits)],
                                    ["Sager med rettelser", int(self.edits[CASE_ID].nunique()) if len(self.edits)
                                     else 0],
                                    ["Tidligere rettelser som kp-convert nu selv skriver", self.settled]]
        if self.unchecked:
            rows = [["Rettelser i kp-converts kolonner", "ikke kontrolleret – det tidligere ark er fra en ældre "
                                                          "version"]]
        return [("Teamets rettelser", rows)]

    def tables(self) -> list[Table]:
        if not len(self.edits):
            return []
        cols = [Column(CASE_ID, width=18), Column("Kolonne", width=22), Column(EDIT_COLUMNS[2], kind="any", width=28),
                Column(EDIT_COLUMNS[3], kind="any", width=28), Column("Status", width=40, wrap=True)]
        frame = self.edits[EDIT_COLUMNS].set_axis(range(len(cols)), axis=1)
        return [Table(EDITS_SHEET, cols, frame)]

    def manifest(self) -> dict[str, object]:
        return {"team_edits": {"cells": len(self.edits), "cases": int(self.edits[CASE_ID].nunique())
                               if len(self.edits) else 0, "settled": self.settled, "checked": not self.unchecked}}


@stage("team_edits", "Finder teamets rettelser")
def find_team_edits(batch: Batch, cases: Table, previous_rows: pd.DataFrame,
                    fingerprint_rows: pd.DataFrame | None) -> Batch:
    """Compare the previous Sager cells with what the tool wrote there last time (the fingerprints): a changed
    cell is the team's. `cases` is the Sager table this run writes. Returns the batch with `team_edits` (the
    cells the writer keeps) and a TeamEdits extension (console, Oversigt, sheet, manifest)."""
    found = read_fingerprints(fingerprint_rows) if fingerprint_rows is not None else None
    if found is None:
        extension = TeamEdits(_empty_edits(), unchecked=bool(len(previous_rows)))
        return dataclasses.replace(batch, extensions=(*batch.extensions, extension))
    headers, printed, matrix = found
    previous = previous_rows[previous_rows[CASE_ID].ne("")].drop_duplicates(CASE_ID).set_index(CASE_ID)
    known = previous.index.intersection(printed)
    stored = matrix[printed.get_indexer(known)]
    previous = previous.loc[known]
    now_cols = {cases.columns[i].header: i for i in tool_columns(cases)}
    new_ids = pd.Index(cases.frame.iloc[:, 0].astype(str))
    parts, settled = [], 0
    for at, header in enumerate(headers):
        if header not in previous.columns:
            continue  # the team deleted the column: nothing typed in it to keep
        team_values = previous[header].tolist()
        changed = np.flatnonzero(column_hashes(team_values) != stored[:, at])
        if not len(changed):
            continue
        ids = known[changed]
        team = [team_values[i] for i in changed]
        col = now_cols.get(header, -1)
        if col >= 0:
            written = pd.Series(list(cell_values(cases.frame.iloc[:, col], cases.columns[col].kind)), index=new_ids,
                                dtype=object)
            in_batch = ids.isin(written.index)
            now = [written.get(i) if ok else None for i, ok in zip(ids, in_batch, strict=True)]
            kind = cases.columns[col].kind
        else:  # a column the tool no longer writes
            in_batch, now, kind = np.zeros(len(ids), dtype=bool), [None] * len(ids), "text"
        same = (column_hashes(now) == column_hashes(team)) & in_batch
        settled += int(same.sum())
        keep = ~same
        parts.append(pd.DataFrame({
            CASE_ID: ids[keep], "Kolonne": header,
            "kp-convert skriver nu": [_shown(v, kind) for v, k in zip(now, keep, strict=True) if k],
            "Teamet skrev": [v if filled(v) else "(tom)" for v, k in zip(team, keep, strict=True) if k],
            "Status": np.where(in_batch, "Teamets værdi er beholdt i arket Sager",
                               "Sagen er ikke længere i batchen – rettelsen står kun her")[keep],
            "_col": col, "_kept": in_batch[keep], "_team": [v for v, k in zip(team, keep, strict=True) if k]}))
    edits = pd.concat(parts, ignore_index=True) if parts else _empty_edits()
    edits = edits.sort_values([CASE_ID, "_col"], kind="stable", ignore_index=True)
    extension = TeamEdits(edits, settled=settled)
    return dataclasses.replace(batch, team_edits=edits[edits["_kept"]].reset_index(drop=True),
                               extensions=(*batch.extensions, extension))


def _shown(v: object, kind: str) -> object:
    """What the tool writes, as the team sees it in the sheet (a day number as a date, øre already as kr.)."""
    if v is None:
        return None
    if kind == "date" and isinstance(v, int | float):
        return (EXCEL_EPOCH + pd.Timedelta(days=float(v) + (1 if v < 60 else 0))).date()  # Excel's 29-02-1900
    return v


def _empty_edits() -> pd.DataFrame:
    return pd.DataFrame({CASE_ID: pd.Series(dtype=object), "Kolonne": pd.Series(dtype=object),
                         "kp-convert skriver nu": pd.Series(dtype=object), "Teamet skrev": pd.Series(dtype=object),
                         "Status": pd.Series(dtype=object), "_col": pd.Series(dtype="int64"),
                         "_team": pd.Series(dtype=object),
                         "_kept": pd.Series(dtype=bool)})
