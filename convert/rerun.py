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
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputError, OutputError
from .fields import normalise_header
from .progress import stage
from .worksheet import CASE_ID, CHECKLIST, CHECKLIST_HEADERS, WORKSHEET_NAME, case_table
from .xlsx import Column, Table

CASE_SHEET = "Sager"
LEFT_SHEET = "Udgåede sager"
REASON = "Udgået fordi"
CONTEXT = ("CPR-nr.", "Navn", "Sagstitel")  # kept with an entry whose case left, so the team knows who it was
SHEET, ROW = "_sheet", "_row"  # where a row was read
HEADER_SCAN_ROWS = 10
_KNOWN = {normalise_header(h): h for h in (CASE_ID, *CHECKLIST_HEADERS, *CONTEXT, REASON)}
_TEXT_ENTRY = {c.header for c in CHECKLIST if c.kind == "text"}
_DATE_ENTRY = {c.header for c in CHECKLIST if c.kind == "date"}


@dataclass(frozen=True)
class PreviousWorksheet:
    """The rows of the previous worksheet's Sager and Udgåede sager sheets, every column by its header."""

    path: Path
    rows: pd.DataFrame  # SHEET, ROW, CASE_ID (text, "" when blank), then one column per header (values as read)
    discarded: bool = False  # --force: read only to say what is discarded


# ---- read ------------------------------------------------------------------------------------------

def lock_files(path: Path) -> list[Path]:
    """Owner files Excel and LibreOffice keep next to a workbook while it is open."""
    name = path.name
    return [path.with_name(n) for n in (f"~${name}", f"~${name[2:]}", f".~lock.{name}#")]


@stage("previous", "Læser det forrige konverteringsark")
def load_previous(folder: Path, *, force: bool = False) -> PreviousWorksheet | None:
    """The worksheet already in `folder`, or None. Refuses one that is open or unreadable (unless `force`)."""
    path = Path(folder) / WORKSHEET_NAME
    if not path.exists():
        return None
    if force:
        try:
            return dataclasses.replace(read_previous_worksheet(path), discarded=True)
        except (InputError, OutputError):  # unreadable: nothing to count, it is overwritten as asked
            return PreviousWorksheet(path, _empty_rows(), discarded=True)
    lock = next((p for p in lock_files(path) if p.exists()), None)
    if lock is not None:
        raise OutputError(f"{path.name} ser ud til at være åben i Excel eller LibreOffice (låsefilen {lock.name} "
                          f"findes i {path.parent}) – luk arket og kør igen",
                          hint="er arket lukket, og findes låsefilen stadig, så slet låsefilen")
    return read_previous_worksheet(path)


def read_previous_worksheet(path: Path) -> PreviousWorksheet:
    import openpyxl  # heavy: only when there is a previous worksheet

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except PermissionError:
        raise OutputError(f"{path.name} er låst af et andet program (er det åbent i Excel?) – luk det og kør igen"
                          ) from None
    except Exception as exc:  # noqa: BLE001 – openpyxl raises many kinds on a damaged file
        raise InputError(f"Det tidligere konverteringsark {path} kan ikke læses – filen er beskadiget eller ikke "
                         f"et regneark ({type(exc).__name__}) – så teamets afkrydsninger i det kan ikke overføres",
                         hint="gendan arket fra en sikkerhedskopi, flyt det væk, eller kør med --force for at "
                              "skrive et nyt ark uden afkrydsningerne") from None
    try:
        names = wb.sheetnames
        case_sheets = [n for n in names if n == CASE_SHEET or re.fullmatch(r"Sager \(\d+\)", n)]
        if not case_sheets:
            raise InputError(f"Det tidligere konverteringsark {path} har intet ark '{CASE_SHEET}' "
                             f"(arkene hedder: {', '.join(names)})",
                             hint="giv arket sit navn tilbage, eller kør med --force for at skrive et nyt ark "
                                  "uden afkrydsningerne")
        parts = [_read_sheet(wb[n], path) for n in case_sheets + [n for n in names if n == LEFT_SHEET]]
    finally:
        wb.close()
    return PreviousWorksheet(path, pd.concat(parts, ignore_index=True) if parts else _empty_rows())


def read_checklist(path: Path | str, *, include_left: bool = False) -> pd.DataFrame:
    """The team's checklist entries of a worksheet, indexed by ESDH case number (CHECKLIST_HEADERS columns).

    Only rows with at least one entry; dates the team typed are Timestamps, other entries text.
    `include_left` adds the cases kept in the sheet "Udgåede sager". Raises InputError if unreadable.
    """
    rows = read_previous_worksheet(Path(path)).rows
    if not include_left:
        rows = rows[rows[SHEET] != LEFT_SHEET]
    entries = _normalise(rows.reindex(columns=[CASE_ID, *CHECKLIST_HEADERS]), CHECKLIST_HEADERS)
    keep = entries[CHECKLIST_HEADERS].map(_filled).any(axis=1) & entries[CASE_ID].ne("")
    return entries[keep].drop_duplicates(CASE_ID).set_index(CASE_ID)[CHECKLIST_HEADERS]


def _empty_rows() -> pd.DataFrame:
    return pd.DataFrame({SHEET: pd.Series(dtype=object), ROW: pd.Series(dtype="int64"),
                         CASE_ID: pd.Series(dtype=object)})


def _read_sheet(ws, path: Path) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # a sheet saved by another program may state a wrong size: read what is there
    header: list[str] | None = None
    records: list[tuple[int, list[object]]] = []
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if header is None:
            cells = ["" if v is None else str(v).strip() for v in row]
            if any(normalise_header(c) == normalise_header(CASE_ID) for c in cells):
                header = cells
            elif r >= HEADER_SCAN_ROWS:
                break
            continue
        if any(_filled(v) for v in row):
            records.append((r, list(row)))
    if header is None:
        raise InputError(f"Arket '{ws.title}' i det tidligere konverteringsark {path.name} har ingen kolonne "
                         f"'{CASE_ID}' i de første {HEADER_SCAN_ROWS} rækker, så afkrydsningerne kan ikke kobles "
                         "til sagerne", hint="giv kolonnen sin overskrift tilbage, eller kør med --force")
    width = max([len(header), *(len(v) for _, v in records)])
    names = _column_names(header + [""] * (width - len(header)))
    data: dict[str, list[object]] = {name: [] for name in names}
    for _, values in records:
        for name, v in zip(names, values + [None] * (width - len(values)), strict=True):
            data[name].append(v)
    frame = pd.DataFrame(data, dtype=object)
    key = frame[CASE_ID].map(_key) if len(frame) else pd.Series(dtype=object)
    return pd.concat([pd.DataFrame({SHEET: ws.title, ROW: [r for r, _ in records], CASE_ID: key}, dtype=object),
                      frame.drop(columns=CASE_ID)], axis=1).astype({ROW: "int64"})


def _column_names(header: list[str]) -> list[str]:
    """The sheet's headers: the tool's own by their canonical text, blank ones by letter, repeats numbered."""
    from openpyxl.utils import get_column_letter

    names: list[str] = []
    for i, h in enumerate(header, start=1):
        name = _KNOWN.get(normalise_header(h), h) if h else f"Kolonne {get_column_letter(i)}"
        base, n = name, 2
        while name in names:
            name, n = f"{base} ({n})", n + 1
        names.append(name)
    return names


def _filled(v: object) -> bool:
    if isinstance(v, str):
        return bool(v.strip())
    try:
        return v is not None and not bool(pd.isna(v))  # NaN, NaT, <NA>
    except (TypeError, ValueError):
        return True


def _key(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # a case number Excel turned into a number
    return "" if not _filled(v) else str(v).strip()


# ---- normalise the team's entries ------------------------------------------------------------------

def _as_text(v: object) -> object:
    if not _filled(v):
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
    from .parsing import parse_dates

    if not _filled(v):
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
            out[col] = rows[col].map(lambda v: v if _filled(v) else None).astype(object)
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
def carry_over(batch, previous: PreviousWorksheet | None):  # type: ignore[no-untyped-def]
    """The batch with the previous worksheet's entries as its checklist, and a RerunReport extension."""
    if previous is None:
        return batch
    rows = previous.rows
    tool = {normalise_header(c.header) for c in case_table(batch).columns} | {normalise_header(h) for h in CONTEXT}
    tool |= {normalise_header(h) for h in (CASE_ID, REASON)}
    entry_cols = [h for h in CHECKLIST_HEADERS if h in rows.columns]
    entry_cols += [h for h in rows.columns if h not in (SHEET, ROW, *entry_cols) and normalise_header(h) not in tool]
    rows = _normalise(rows.reindex(columns=[SHEET, ROW, CASE_ID, *CONTEXT, REASON, *entry_cols]), entry_cols)
    has_entry = rows[entry_cols].map(_filled).any(axis=1) if entry_cols else pd.Series(False, index=rows.index)
    if previous.discarded:
        extension = RerunReport(previous.path.name, forced=True, discarded=int(has_entry.sum()))
        return dataclasses.replace(batch, extensions=(*batch.extensions, extension))

    on_left_sheet = rows[SHEET] == LEFT_SHEET
    new_ids = set(batch.cases["case_id"])
    old_ids = set(rows.loc[~on_left_sheet & rows[CASE_ID].ne(""), CASE_ID])
    entries = rows[has_entry].sort_values([SHEET, ROW], key=lambda s: s.eq(LEFT_SHEET) if s.name == SHEET else s,
                                          kind="stable")  # the Sager sheet wins over Udgåede sager
    keyed = entries[entries[CASE_ID].ne("")]
    signature = pd.Series(["|".join(map(repr, v)) for v in keyed[entry_cols].itertuples(index=False)],
                          index=keyed.index, dtype=object)  # rows with entries only: few
    repeat = keyed[CASE_ID].duplicated()
    identical = pd.concat([keyed[CASE_ID], signature], axis=1).duplicated()
    winners = keyed[~repeat]
    conflicts = keyed[repeat & ~identical].assign(**{REASON: lambda d: _conflict_reason(d)})
    unkeyed = entries[entries[CASE_ID].eq("")]
    unkeyed = unkeyed.assign(**{REASON: unkeyed[REASON].where(
        unkeyed[SHEET].eq(LEFT_SHEET) & unkeyed[REASON].map(_filled),
        "Række " + unkeyed[ROW].astype(str) + " i arket '" + unkeyed[SHEET] + "' havde afkrydsninger, men intet "
        + CASE_ID)})

    carried = winners[winners[CASE_ID].isin(new_ids)]
    gone = winners[~winners[CASE_ID].isin(new_ids)]
    gone = gone.assign(**{REASON: gone[CASE_ID].map(_why_not_converted(batch))})
    kept = pd.concat([gone.sort_values(CASE_ID, kind="stable"), conflicts, unkeyed], ignore_index=True)
    checklist = carried.set_index(CASE_ID)[entry_cols]
    why = _why_not_converted(batch)
    returned = set(carried.loc[carried[SHEET].eq(LEFT_SHEET), CASE_ID]) - old_ids
    report = RerunReport(
        previous=previous.path.name,
        carried=len(carried),
        joined=tuple(sorted(new_ids - old_ids - returned)),
        left=tuple((c, why(c)) for c in sorted(old_ids - new_ids)),
        returned=tuple(sorted(returned)),
        kept=kept.reindex(columns=[CASE_ID, *CONTEXT, REASON, *entry_cols]).astype(object),
        entry_columns=tuple(entry_cols),
    )
    return dataclasses.replace(batch, checklist=checklist, extensions=(*batch.extensions, report))


def _conflict_reason(rows: pd.DataFrame) -> pd.Series:
    return (CASE_ID + " stod flere gange i det tidligere ark med forskellige afkrydsninger (ark '" + rows[SHEET]
            + "', række " + rows[ROW].astype(str) + "); den første er overført – kontrollér og ret i arket Sager")


def _why_not_converted(batch):  # type: ignore[no-untyped-def]
    """case id -> why the case is not converted in this run (from the ledger)."""
    led = batch.ledger[(batch.ledger["table"] == "cases") & (batch.ledger["outcome"] != "converted")]
    led = led.drop_duplicates("case_id").set_index("case_id")
    label = {"excluded": "Udeladt", "rejected": "Afvist"}
    text = {c: f"{label[r.outcome]} ({r.reason_code}): {r.reason}" for c, r in zip(led.index, led.itertuples(),
                                                                                      strict=True)}
    return lambda case_id: text.get(case_id, "Sagen findes ikke længere i sagsudtrækket")
