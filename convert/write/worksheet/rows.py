"""What the worksheet reader gives: one contract for its two engines (`read_calamine`, `read_openpyxl`).

The worksheet is the team's own record, edited in Excel or LibreOffice: sheets are found by name (`Sager` and
its numbered continuations, `Udgåede sager`), columns by their header (normalised: a sorted sheet, moved or added
columns and hidden rows read the same), and every cell as it was typed. Each row keeps where it was (sheet,
Excel row), so an update can write back into the same cell.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from ...errors import InputError, OutputError
from ...read.headers import normalise_header
from ...read.xlsx import cell_text, formula_cells, sheet_part
from .layout import CASE_ID, CASE_SHEET, CHECKLIST_HEADERS, CONTEXT, REASON, W, is_part_of

SHEET, ROW = "_sheet", "_row"  # where a row was read
HEADER_SCAN_ROWS = 10
# the tool's own headers: a header typed differently ('esdh sagsnr') is read under its canonical text
_KNOWN = {normalise_header(h): h for h in (*W.to_schema().columns, *CHECKLIST_HEADERS, *CONTEXT, REASON)}


@dataclass
class WorksheetRows:
    """What a worksheet holds, every column by its header."""

    path: Path
    sha256: str
    sheets: list[str]  # the sheets read, in workbook order
    rows: pd.DataFrame  # SHEET, ROW, CASE_ID (text, "" when blank), then one column per header (values as typed)
    columns: dict[str, dict[str, int]] = field(default_factory=dict)  # sheet -> header -> column (1-based)
    notes: list[str] = field(default_factory=list)  # what was read differently from what the sheet shows (formulas)


class Book(Protocol):
    """A workbook as an engine opened it: its sheet names, one sheet made ready, one sheet's rows, closing it."""

    names: list[str]

    def prepare(self, sheet: str, name: str, hint: str | None) -> None: ...

    def rows(self, sheet: str, name: str, hint: str | None) -> tuple[pd.DataFrame, dict[str, int]]: ...

    def close(self) -> None: ...


@dataclass
class OpenedWorksheet:
    """A worksheet opened and its sheets made ready (`open_with`), not yet turned into rows (`read`).

    The two steps are apart so the first can run in a background thread: it is the file, the unzipping and – with
    calamine – the parsing of the sheet XML in Rust, all without holding the interpreter; the second is Python
    objects, done where they are used, so it does not compete with the main thread for the interpreter."""

    path: Path
    sha256: str
    book: Book
    sheets: list[str]  # the sheets to read, in workbook order
    formulas: dict[str, list[tuple[int, int, str, bool]]]  # sheet -> its formula cells (`formula_cells`)
    hint: str | None
    unread: set[str] = field(init=False)  # the book is closed when every sheet has been read
    closed: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.unread = set(self.sheets)

    def read(self, sheets: tuple[str, ...] | None = None) -> WorksheetRows:
        """The rows of the opened sheets (those of `sheets` only, each with its continuations, when given) in one
        frame, the team's formulas (`with_formulas`) said. The book is closed once every sheet is read."""
        chosen = [n for n in self.sheets if sheets is None or any(is_part_of(n, s) for s in sheets)]
        parts: list[pd.DataFrame] = []
        columns: dict[str, dict[str, int]] = {}
        notes: list[str] = []
        try:
            for sheet in chosen:
                frame, columns[sheet] = self.book.rows(sheet, self.path.name, self.hint)
                self.unread.discard(sheet)
                parts.append(with_formulas(self.formulas[sheet], sheet, frame, columns[sheet], notes))
        except BaseException:
            self.unread.clear()
            raise
        finally:
            if not self.unread and not self.closed:
                self.book.close()
                self.closed = True
        rows = pd.concat(parts, ignore_index=True) if parts else empty_rows()
        return WorksheetRows(self.path, self.sha256, chosen, rows, columns, notes)


def open_with(open_book: Callable[[bytes], Book], path: Path, sheets: tuple[str, ...], hint: str | None
              ) -> OpenedWorksheet:
    """What both engines do alike: the file's bytes, the errors said the same way, the sheets chosen by name (each
    with its continuations) and made ready, their formula cells found."""
    name = path.name
    try:
        data = Path(path).read_bytes()
        book = open_book(data)
    except PermissionError as exc:
        raise locked_or_refused(name, path, exc) from None
    except FileNotFoundError:
        raise InputError(f"Konverteringsarket findes ikke: {path}", hint=hint) from None
    except Exception as exc:  # noqa: BLE001 – the engines raise many kinds (and OSError) on a damaged file
        raise InputError(f"Konverteringsarket {path} kan ikke læses – filen er beskadiget eller ikke et regneark "
                         f"({type(exc).__name__})", hint=hint) from None
    try:
        names = book.names
        if not any(is_part_of(n, CASE_SHEET) for n in names):
            raise InputError(f"{name} har intet ark '{CASE_SHEET}' (arkene hedder: {', '.join(names)})", hint=hint)
        wanted = [n for n in names if any(is_part_of(n, s) for s in sheets)]
        for sheet in wanted:
            book.prepare(sheet, name, hint)
        formulas = _formulas_of(data, wanted)
    except BaseException:
        book.close()
        raise
    return OpenedWorksheet(Path(path), hashlib.sha256(data).hexdigest(), book, wanted, formulas, hint)


def _formulas_of(data: bytes, sheets: list[str]) -> dict[str, list[tuple[int, int, str, bool]]]:
    """The formula cells of each sheet (none for a sheet whose part cannot be found: nothing is said about it)."""
    import zipfile

    found: dict[str, list[tuple[int, int, str, bool]]] = {sheet: [] for sheet in sheets}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            for sheet in sheets:
                try:
                    found[sheet] = formula_cells(package.read(sheet_part(package, sheet)))
                except (KeyError, StopIteration, ValueError):
                    continue
    except zipfile.BadZipFile:
        pass
    return found


def locked_or_refused(name: str, path: Path, exc: PermissionError) -> OutputError:
    """The worksheet could not be opened: on Windows a sharing or lock violation (32/33) means another program
    (Excel) has it open; otherwise the file's rights do not let this user read it."""
    if getattr(exc, "winerror", None) in (32, 33):
        return OutputError(f"{name} er låst af et andet program (er det åbent i Excel?) – luk det og kør igen")
    return OutputError(f"Du har ikke adgang til at læse {name} (filrettigheder)",
                       hint=f"tjek filens rettigheder: din bruger skal kunne læse og skrive {path}")


def filled(v: object) -> bool:
    """A cell that holds something (not empty, not only spaces)."""
    if isinstance(v, str):
        return bool(v.strip())
    try:
        # NaN, NaT, <NA>; a cell may hold any object, but pandas-stubs type pd.isna for pandas' scalars only
        return v is not None and not bool(pd.isna(v))  # type: ignore[call-overload]  # stubs: no pd.isna(object)
    except (TypeError, ValueError):
        return True


def case_key(v: object) -> str:
    """A case number as text, however the cell holds it (Excel may have turned it into a number)."""
    return cell_text(v).strip() if filled(v) else ""


def with_formulas(cells: list[tuple[int, int, str, bool]], sheet: str, frame: pd.DataFrame, columns: dict[str, int],
                  notes: list[str]) -> pd.DataFrame:
    """A formula the team typed is read as its value – or, when the file holds no value for it (written by a
    script, never saved by Excel), as its text ('=C5*2'), so nothing the team typed reads as empty. Says so.
    `cells`: the sheet's formula cells (`formula_cells`)."""
    if not cells:
        return frame
    header_of = {col: header for header, col in columns.items()}
    at_row = {int(r): i for i, r in enumerate(frame[ROW])}
    frame = frame.copy()
    position = {c: i for i, c in enumerate(frame.columns)}
    as_text: dict[str, int] = {}
    as_value: dict[str, int] = {}
    for row, col, formula, has_result in cells:
        header = header_of.get(col)
        if header is None or row not in at_row or header not in frame.columns or header == CASE_ID:
            continue
        if has_result:
            as_value[header] = as_value.get(header, 0) + 1
        else:
            frame.iat[at_row[row], position[header]] = "=" + formula if formula else "=(formel)"
            as_text[header] = as_text.get(header, 0) + 1
    for header, n in as_text.items():
        notes.append(f"Arket '{sheet}', kolonnen '{header}': {n} formler uden gemt resultat er overført som tekst "
                     "(åbn arket i Excel og skriv dem som formler igen)")
    for header, n in as_value.items():
        notes.append(f"Arket '{sheet}', kolonnen '{header}': {n} formler er overført som deres værdi, ikke som formler")
    return frame


def empty_rows() -> pd.DataFrame:
    return pd.DataFrame({SHEET: pd.Series(dtype=object), ROW: pd.Series(dtype="int64"),
                         CASE_ID: pd.Series(dtype=object)})


def column_names(header: list[str]) -> list[str]:
    """The sheet's headers: the tool's own by their canonical text, blank ones by letter, repeats numbered."""
    from openpyxl.utils import get_column_letter

    names: list[str] = []
    for i, h in enumerate(header, start=1):
        n = _KNOWN.get(normalise_header(h), h) if h else f"Kolonne {get_column_letter(i)}"
        base, k = n, 2
        while n in names:
            n, k = f"{base} ({k})", k + 1
        names.append(n)
    return names
