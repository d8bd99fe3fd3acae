"""Re-runs keep the team's work: checklist entries in the previous worksheet are carried to the same case.

The worksheet is the team's record of a conversion that runs over weeks: caseworkers tick cases off in its
checklist columns and may add columns of their own. A new run reads the worksheet already in the output folder
(by header, so a sorted, filtered or re-arranged sheet reads the same), carries every entry to the same ESDH case
number, and keeps the entries of cases that left the batch in the sheet "Udgåede sager", from where they come back
if the case returns. Nothing is discarded unless the user asks (`--force`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from schemas.batch import ConvertedCase as C

from .batch import Batch
from .codes import OUTCOME_LABELS
from .errors import InputError, OutputError
from .progress import stage
from .read.headers import normalise_header
from .write.manifest import MANIFEST_NAME
from .write.worksheet.fingerprints import FINGERPRINT_SHEET
from .write.worksheet.layout import (
    CASE_ID,
    CASE_SHEET,
    CHECKLIST,
    CHECKLIST_HEADERS,
    CONTEXT,
    LEFT_SHEET,
    REASON,
    WORKSHEET_NAME,
    is_part_of,
    open_lock,
)
from .write.worksheet.read import ROW, SHEET, OpenedWorksheet, empty_rows, filled, open_worksheet
from .write.worksheet.write import case_headers, case_table
from .write.xlsx import Column, Table

_TEXT_ENTRY = {c.header for c in CHECKLIST if c.kind == "text"}
_DATE_ENTRY = {c.header for c in CHECKLIST if c.kind == "date"}
_FORCE_HINT = ("gendan arket fra en sikkerhedskopi, flyt det væk, eller kør med --force for at skrive et nyt ark "
               "uden teamets afkrydsninger")


@dataclass(frozen=True)
class PreviousWorksheet:
    """The rows of the previous worksheet's Sager and Udgåede sager sheets, every column by its header."""

    path: Path
    rows: pd.DataFrame  # SHEET, ROW, CASE_ID (text, "" when blank), then one column per header (values as read)
    discarded: bool = False  # --force: read only to say what is discarded
    fingerprints: pd.DataFrame | None = None  # the hidden sheet of what the tool wrote (None: an older version)
    notes: tuple[str, ...] = ()  # what was read differently from what the sheet shows (the team's formulas)


# ---- read ------------------------------------------------------------------------------------------

@stage("previous", "Læser det forrige konverteringsark")
def load_previous(folder: Path, *, force: bool = False) -> PreviousWorksheet | None:
    """The worksheet already in `folder`, or None. Refuses one that is open or unreadable (unless `force`)."""
    return start_previous(folder, force=force).result()


class PendingWorksheet:
    """The previous worksheet, opened in a background thread while the exports are read and converted: the file
    read, unzipped and its sheets parsed by python-calamine, which does not hold the interpreter while it parses.
    `result()` waits for that and then turns the cells into rows in the calling thread – Python work that, done in
    the background, would only compete with the main thread for the interpreter. It raises what reading the
    worksheet raised, as reading it in the main thread would have."""

    def __init__(self, opening: Callable[[], OpenedWorksheet | None],
                 finishing: Callable[[OpenedWorksheet | None], PreviousWorksheet | None]) -> None:
        import threading

        self._opened: OpenedWorksheet | None = None
        self._error: BaseException | None = None
        self._finishing = finishing

        def work() -> None:
            try:
                self._opened = opening()
            except BaseException as exc:  # noqa: BLE001 – handed to the main thread by result()
                self._error = exc

        self._thread = threading.Thread(target=work, name="kp-convert-previous-worksheet", daemon=True)
        self._thread.start()

    def result(self) -> PreviousWorksheet | None:
        self._thread.join()
        if self._error is not None:
            raise self._error
        opened, self._opened = self._opened, None
        return self._finishing(opened)


def start_previous(folder: Path, *, force: bool = False) -> PendingWorksheet:
    """`load_previous`, with what is quick checked now (a worksheet gone, a lock file: refused before any work)
    and the opening itself started in the background."""
    path = Path(folder) / WORKSHEET_NAME
    if not path.exists():
        if not force:
            _refuse_lost_worksheet(Path(folder))
        return PendingWorksheet(lambda: None, lambda opened: None)
    if force:
        def opened_if_readable() -> OpenedWorksheet | None:
            try:
                return open_previous(path)
            except (InputError, OutputError):  # unreadable: nothing to count, it is overwritten as asked
                return None

        def discarded(opened: OpenedWorksheet | None) -> PreviousWorksheet:
            try:
                if opened is not None:
                    return dataclasses.replace(previous_from(opened), discarded=True)
            except (InputError, OutputError):
                pass
            return PreviousWorksheet(path, empty_rows(), discarded=True)
        return PendingWorksheet(opened_if_readable, discarded)
    lock = open_lock(path)
    if lock is not None:
        raise OutputError(f"{path.name} ser ud til at være åben i Excel eller LibreOffice (låsefilen {lock.name} "
                          f"findes i {path.parent}) – luk arket og kør igen",
                          hint="er arket lukket, og findes låsefilen stadig, så slet låsefilen")
    return PendingWorksheet(lambda: open_previous(path), lambda opened: previous_from(opened) if opened else None)


@stage("previous", "Læser det forrige konverteringsark")
def wait_previous(pending: PendingWorksheet | None) -> PreviousWorksheet | None:
    """The previous worksheet opened in the background, turned into rows now (the time it is still waited for
    after the exports, and the turning)."""
    return pending.result() if pending is not None else None


def _refuse_lost_worksheet(folder: Path) -> None:
    """The folder holds an earlier run's files but no worksheet: the team's entries would silently start over."""
    import json

    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        earlier = manifest.get("tool") == "kp-convert" and WORKSHEET_NAME in (manifest.get("outputs") or {})
    except (OSError, ValueError, AttributeError):
        return  # no earlier run of ours here
    if earlier:
        raise OutputError(f"{folder} har resultatfiler fra en tidligere kørsel ({MANIFEST_NAME}), men "
                          f"{WORKSHEET_NAME} mangler – teamets afkrydsninger ville ikke blive overført",
                          hint=f"læg {WORKSHEET_NAME} tilbage i mappen, eller kør med --force for at begynde på et "
                               "nyt ark uden afkrydsninger")


def read_previous_worksheet(path: Path) -> PreviousWorksheet:
    """The Sager sheets and 'Udgåede sager' of the worksheet: the team's entries are carried from them."""
    return previous_from(open_previous(path))


def open_previous(path: Path) -> OpenedWorksheet:
    """The worksheet opened, the sheets a re-run reads parsed (`previous_from` reads them)."""
    return open_worksheet(path, sheets=(CASE_SHEET, LEFT_SHEET, FINGERPRINT_SHEET), hint=_FORCE_HINT)


def previous_from(opened: OpenedWorksheet) -> PreviousWorksheet:
    """The opened worksheet's rows: the team's sheets, and apart from them the tool's hidden fingerprints."""
    team = opened.read((CASE_SHEET, LEFT_SHEET))
    own = opened.read((FINGERPRINT_SHEET,))
    notes = (*team.notes, *own.notes)
    prints = own.rows.dropna(axis=1, how="all") if len(own.rows) else None
    return PreviousWorksheet(opened.path, team.rows, fingerprints=prints, notes=notes)


def _on_sheet(rows: pd.DataFrame, sheet: str) -> pd.Series:
    """The rows read from `sheet` or its numbered continuations (each sheet name looked at once)."""
    names = rows[SHEET].astype(str)
    return names.isin([n for n in names.unique() if is_part_of(n, sheet)])


def read_checklist(path: Path | str, *, include_left: bool = False) -> pd.DataFrame:
    """The team's checklist entries of a worksheet, indexed by ESDH case number (CHECKLIST_HEADERS columns).

    Only rows with at least one entry; dates the team typed are Timestamps, other entries text.
    `include_left` adds the cases kept in the sheet "Udgåede sager". Raises InputError if unreadable.
    """
    rows = read_previous_worksheet(Path(path)).rows
    if not include_left:
        rows = rows[rows[SHEET] != LEFT_SHEET]
    rows = rows.reindex(columns=[CASE_ID, *CHECKLIST_HEADERS])
    entries = _normalise(rows[_has_entry(rows, CHECKLIST_HEADERS) & rows[CASE_ID].ne("")], CHECKLIST_HEADERS)
    return entries.drop_duplicates(CASE_ID).set_index(CASE_ID)[CHECKLIST_HEADERS]


# ---- normalise the team's entries ------------------------------------------------------------------

def _as_text(v: object) -> object:
    if not filled(v):
        return None
    if isinstance(v, bool):
        return "Ja" if v else "Nej"
    if isinstance(v, dt.datetime | dt.date):
        return v.strftime("%d-%m-%Y")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # a KP case number Excel stored as a number
    return str(v)


def _as_date(v: object) -> object:
    """A date the team typed stays a date; text that reads as a Danish date becomes one; anything else stays text."""
    from .danish.parse import parse_dates

    if not filled(v):
        return None
    if isinstance(v, dt.datetime | dt.date):
        return pd.Timestamp(v)
    parsed = parse_dates(pd.Series([str(v)], dtype="string")).iloc[0]
    return _as_text(v) if pd.isna(parsed) else parsed


def _normalise(rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = {}
    for col in columns:
        if col in _DATE_ENTRY:
            out[col] = rows[col].map(_as_date).astype(object)
        elif col in _TEXT_ENTRY:
            out[col] = rows[col].map(_as_text).astype(object)
        else:  # a column the team added: kept as typed
            out[col] = rows[col].map(lambda v: v if filled(v) else None).astype(object)
    return rows.assign(**out)


# ---- carry over ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RerunReport:
    """What a re-run did with the previous worksheet: an Oversigt block, the Udgåede sager sheet, the manifest."""

    previous: str
    carried: int = 0
    joined: tuple[str, ...] = ()
    left: tuple[tuple[str, str], ...] = ()  # (case id, why)
    returned: tuple[str, ...] = ()
    kept: pd.DataFrame | None = None  # rows for Udgåede sager: CASE_ID, CONTEXT, REASON, entry columns
    entry_columns: tuple[str, ...] = ()
    discarded: int = 0
    forced: bool = False
    notes: tuple[str, ...] = ()  # how the previous sheet was read (formulas)

    @property
    def kept_count(self) -> int:
        return 0 if self.kept is None else len(self.kept)

    def console_lines(self) -> list[str]:
        if self.forced:
            return [f"--force: det tidligere konverteringsark er overskrevet; {self.discarded} rækker med "
                    "afkrydsninger er kasseret"]
        lines = [f"Tidligere konverteringsark fundet: afkrydsninger for {self.carried} sager er overført"]
        if self.joined:
            lines.append(f"  {len(self.joined)} nye sager i batchen: {_some(self.joined)}")
        if self.returned:
            lines.append(f"  {len(self.returned)} sager er vendt tilbage (afkrydsninger hentet fra "
                         f"'{LEFT_SHEET}'): {_some(self.returned)}")
        if self.left:
            lines.append(f"  {len(self.left)} sager er udgået af batchen: {_some([c for c, _ in self.left])}")
        if self.kept_count:
            lines.append(f"  {self.kept_count} rækker med afkrydsninger for sager uden for batchen er gemt i "
                         f"arket '{LEFT_SHEET}' – intet er kasseret")
        lines += [f"  Bemærk: {note}" for note in self.notes]
        return lines

    def overview_blocks(self) -> list[tuple[str, list[list[object]]]]:
        if self.forced:
            return [("Genkørsel", [["Tidligere konverteringsark", self.previous],
                                   ["Overskrevet med --force; rækker med afkrydsninger kasseret", self.discarded]])]
        summary: list[list[object]] = [
            ["Tidligere konverteringsark", self.previous],
            ["Sager med afkrydsninger overført", self.carried],
            ["Nye sager i batchen", len(self.joined)],
            [f"Sager vendt tilbage (afkrydsninger hentet fra '{LEFT_SHEET}')", len(self.returned)],
            ["Sager udgået af batchen", len(self.left)],
            [f"Rækker med afkrydsninger gemt i arket '{LEFT_SHEET}'", self.kept_count],
        ]
        changes: list[list[object]] = [["Sagsnr.", "Ændring", "Årsag"]]
        changes += [[c, "Ny i batchen", ""] for c in self.joined]
        changes += [[c, "Vendt tilbage", ""] for c in self.returned]
        changes += [[c, "Udgået", why] for c, why in self.left]
        summary += [[note, ""] for note in self.notes]
        blocks = [("Genkørsel: ændringer siden det tidligere konverteringsark", summary)]
        if len(changes) > 1:
            blocks.append(("Sager der er kommet til eller udgået", changes))
        return blocks

    def tables(self) -> list[Table]:
        if not self.kept_count:
            return []
        assert self.kept is not None
        by_header = {c.header: c for c in CHECKLIST}
        cols = [Column(CASE_ID, width=20), Column("CPR-nr.", width=13), Column("Navn"), Column("Sagstitel"),
                Column(REASON, width=60)]
        cols += [by_header.get(h, Column(h, kind="any")) for h in self.entry_columns]
        frame = self.kept[[CASE_ID, *CONTEXT, REASON, *self.entry_columns]]
        return [Table(LEFT_SHEET, cols, frame.set_axis(range(len(cols)), axis=1))]

    def manifest(self) -> dict[str, object]:
        return {"rerun": {"previous_worksheet": self.previous, "forced": self.forced,
                          "discarded_rows_with_entries": self.discarded, "carried": self.carried,
                          "joined": list(self.joined), "returned": list(self.returned),
                          "left": [c for c, _ in self.left], "kept_in_left_sheet": self.kept_count}}


def _some(ids: list[str] | tuple[str, ...], n: int = 10) -> str:
    ids = list(ids)
    return ", ".join(ids[:n]) + (f" … og {len(ids) - n} flere" if len(ids) > n else "")


@stage("carry_over", "Overfører tjeklisten")
def carry_over(batch: Batch, previous: PreviousWorksheet | None) -> Batch:
    """The batch with the previous worksheet's entries as its checklist, and a RerunReport extension."""
    if previous is None:
        return batch
    rows = previous.rows
    tool = {normalise_header(h) for h in (*case_headers(batch), *CONTEXT, CASE_ID, REASON)}
    entry_cols = [h for h in CHECKLIST_HEADERS if h in rows.columns]
    entry_cols += [h for h in rows.columns if h not in (SHEET, ROW, *entry_cols) and normalise_header(h) not in tool]
    rows = rows.reindex(columns=[SHEET, ROW, CASE_ID, *CONTEXT, REASON, *entry_cols])
    has_entry = _has_entry(rows, entry_cols)
    if previous.discarded:
        extension = RerunReport(previous.path.name, forced=True, discarded=int(has_entry.sum()))
        return dataclasses.replace(batch, extensions=(*batch.extensions, extension))

    on_left_sheet = rows[SHEET] == LEFT_SHEET
    new_ids = set(batch.cases[C.case_id])
    old_ids = set(rows.loc[~on_left_sheet & rows[CASE_ID].ne(""), CASE_ID])
    entries = _normalise(rows[has_entry], entry_cols).sort_values(  # the Sager sheet wins over Udgåede sager
        [SHEET, ROW], key=lambda s: s.eq(LEFT_SHEET) if s.name == SHEET else s, kind="stable")
    keyed = entries[entries[CASE_ID].ne("")]
    signature = pd.Series(["|".join(map(repr, v)) for v in keyed[entry_cols].itertuples(index=False)],
                          index=keyed.index, dtype=object)  # rows with entries only: few
    repeat = keyed[CASE_ID].duplicated()
    identical = pd.concat([keyed[CASE_ID], signature], axis=1).duplicated()
    winners = keyed[~repeat]
    conflicts = keyed[repeat & ~identical].assign(**{REASON: lambda d: _conflict_reason(d)})
    unkeyed = entries[entries[CASE_ID].eq("")]
    unkeyed = unkeyed.assign(**{REASON: unkeyed[REASON].where(
        unkeyed[SHEET].eq(LEFT_SHEET) & unkeyed[REASON].map(filled),
        "Række " + unkeyed[ROW].astype(str) + " i arket '" + unkeyed[SHEET] + "' havde afkrydsninger, men intet "
        + CASE_ID)})

    carried = winners[winners[CASE_ID].isin(new_ids)]
    why = _why_not_converted(batch)
    gone = winners[~winners[CASE_ID].isin(new_ids)]
    gone = gone.assign(**{REASON: gone[CASE_ID].map(why)})
    kept = pd.concat([gone.sort_values(CASE_ID, kind="stable"), conflicts, unkeyed], ignore_index=True)
    checklist = carried.set_index(CASE_ID)[entry_cols]
    returned = set(carried.loc[carried[SHEET].eq(LEFT_SHEET), CASE_ID]) - old_ids
    report = RerunReport(
        previous=previous.path.name,
        carried=len(carried),
        joined=tuple(sorted(new_ids - old_ids - returned)),
        left=tuple((c, why(c)) for c in sorted(old_ids - new_ids)),
        returned=tuple(sorted(returned)),
        kept=kept.reindex(columns=[CASE_ID, *CONTEXT, REASON, *entry_cols]).astype(object),
        entry_columns=tuple(entry_cols),
        notes=previous.notes,
    )
    return dataclasses.replace(batch, checklist=checklist, extensions=(*batch.extensions, report))


def _has_entry(rows: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Rows with something typed in at least one of `columns` (`filled`: spaces alone are nothing). Only the
    cells that hold a value are looked at one by one: most of a checklist is empty."""
    found = pd.Series(False, index=rows.index)
    for col in columns:
        present = rows[col].notna()
        if present.any():
            found |= rows.loc[present, col].map(filled).astype(bool).reindex(rows.index, fill_value=False)
    return found


def _conflict_reason(rows: pd.DataFrame) -> pd.Series:
    return (CASE_ID + " stod flere gange i det tidligere ark med forskellige afkrydsninger (ark '" + rows[SHEET]
            + "', række " + rows[ROW].astype(str) + "); den første er overført – kontrollér og ret i arket Sager")


def _why_not_converted(batch: Batch) -> Callable[[str], str]:
    """case id -> why the case is not converted in this run (from the ledger)."""
    led = batch.ledger[(batch.ledger["table"] == "cases") & (batch.ledger["outcome"] != "converted")]
    led = led.drop_duplicates("case_id").set_index("case_id")
    text = {c: f"{OUTCOME_LABELS[outcome]}: {reason}"  # the reason says it in full; the code stays in ledger.csv
            for c, outcome, reason in zip(led.index, led["outcome"], led["reason"], strict=True)}
    return lambda case_id: text.get(case_id, "Sagen findes ikke længere i sagsudtrækket")


def team_edits_of(batch: Batch, previous: PreviousWorksheet) -> Batch:
    """The cells of the tool's columns in the previous Sager sheet that the team changed (`convert.team_edits`)."""
    from .team_edits import find_team_edits

    on_cases = _on_sheet(previous.rows, CASE_SHEET)
    return find_team_edits(batch, case_table(batch, batch.checklist), previous.rows[on_cases],
                           previous.fingerprints)
