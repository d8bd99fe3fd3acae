"""XLSX exports: the chosen sheet's rows as records (Excel row numbers kept), every cell as the text a person sees in
Excel: real dates as ISO dates, numbers to Excel's 15 significant digits, percent cells as the percentage, Danish
decimal comma. A hidden sheet is read only when it is named; a formula without a stored result is never read as an
empty cell without a word."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import numpy as np
import pyarrow as pa

from schemas import FieldSpec

from ..errors import ConfigError, InputError
from ..settings.inputs import InputSpec
from .header_row import find_header
from .headers import known_headers, normalise_header
from .records import LISTS, Records
from .text import HEADER_SCAN_ROWS, first_few

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")  # a formula element, with or without a namespace prefix
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')  # quoted text, an escaped character, [Red] or [$-406]
FORMULA_CELLS = "formula_cells_without_result"  # meta key: (row, column) of each, until the header row is known


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")  # real date cells: ISO, the time of day is not used
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return number_text(value)
    return str(value)


def number_text(value: int | float, *, percent: bool = False) -> str:
    """A number as Excel shows it: at most 15 significant digits (21523.000000000004 is 21523), a percent cell
    as the percentage (0.755 formatted 0.0% is 75,5), Danish decimal comma."""
    if not percent and (isinstance(value, int) or (value.is_integer() and abs(value) < 1e15)):
        return str(int(value))  # CPR stored as a number arrives as 101901234.0
    d = Decimal(value) if isinstance(value, int) else Decimal(format(value, ".15g"))
    if percent:
        d = d.scaleb(2)  # exact: 1.5 is 150, never 150.00000000000003
    return format(d + 0, "f").replace(".", ",")  # + 0: no '-0'


@functools.cache
def is_percent_format(number_format: str | None) -> bool:
    """'0%', '0.0 %', '#,##0.00%;[Red]-0%': Excel shows the value times 100. A quoted or escaped % ('0" %"', '0\\%')
    is only text: the value is shown as it is."""
    if not number_format or "%" not in number_format:
        return False
    return "%" in _FORMAT_LITERALS.sub("", number_format).split(";")[0]


def _cell_reader() -> Callable[[Any], str]:
    """A cell's text, from the cell (not only its value): a number's format says whether it is a percent cell.
    The answer is kept per style id (openpyxl's read-only cell has one): a number format costs ~5 µs to look up."""
    percent_style: dict[int, bool] = {}

    def shown(cell: Any) -> str:
        value = cell.value
        if type(value) is float or type(value) is int:
            style = getattr(cell, "_style_id", None)  # openpyxl's; without it, the format is looked up each time
            percent = percent_style.get(style) if style is not None else None
            if percent is None:
                percent = is_percent_format(cell.number_format)
                if style is not None:
                    percent_style[style] = percent
            return number_text(value, percent=percent)
        return cell_text(value)
    return shown


def sheet_part(package: zipfile.ZipFile, title: str) -> str:
    """The zip member of a sheet, from the workbook's own parts (xl/workbook.xml names it, its relations locate it)."""
    from xml.etree import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    book = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rid = next(s.get(rel_id) for s in book.iter(f"{main}sheet") if s.get("name") == title)
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target", "") for r in rels if r.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _has_percent_style(package: zipfile.ZipFile) -> bool:
    """Whether a cell style may have a percent format ('%' in a format code, or Excel's built-in 9 and 10). Without
    one, the cells are read as values (faster) and no number format needs a look. openpyxl reads this part too."""
    try:
        styles = package.read("xl/styles.xml")
    except KeyError:
        return False
    return b"%" in styles or re.search(rb'numFmtId="(?:9|10)"', styles) is not None


def xlsx_records(spec: InputSpec, data: bytes) -> tuple[Records, dict[str, object]]:
    """The sheet's non-empty rows (each with its Excel row number), which sheet was read, and every sheet's state."""
    import openpyxl  # heavy: imported only when an XLSX is read
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{spec.name} er ikke en gyldig .xlsx-fil (måske afkortet eller beskadiget): {exc}",
                         hint="åbn filen i Excel og gem den igen, eller eksportér som CSV") from None
    try:
        sheets = [{"name": name, "state": str(wb[name].sheet_state)} for name in wb.sheetnames]
        ws, warnings = _chosen_sheet(spec, wb)
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            percent = _has_percent_style(package)
            formulas = _formulas_without_result(package.read(sheet_part(package, ws.title)))
        records, starts = _used_rows(ws, _cell_reader() if percent else cell_text, values_only=not percent)
        sheet_name = ws.title
    finally:
        wb.close()
    if formulas and not records:  # every cell a formula without a result: not 'no data'
        raise _formula_error(f"{spec.name}, ark '{sheet_name}'", formulas, "")
    out = Records(pa.array(records, type=LISTS), np.array(starts, dtype=np.int64))
    return (_header_to_used_width(spec, out, max(map(len, records), default=0)),
            {"format": "xlsx", "sheet": sheet_name, "sheets": sheets, "encoding": "", "delimiter": "",
             "warnings": warnings, FORMULA_CELLS: formulas})


def _used_rows(ws: Any, shown: Callable[[Any], str], *, values_only: bool) -> tuple[list[list[str]], list[int]]:
    """The non-empty rows (with their Excel row numbers), each cut after its last cell with a value.

    The used range is found from the cells, not from the sheet's declared dimension: openpyxl pads every row to the
    declared width and yields every row up to the declared height, so one stray cell in column 16,000 (or a sheet
    that declares A1:XFD1048576) made a 300-row export 5 million cells."""
    ws.reset_dimensions()  # rows as they are in the file: no padding to a declared width, no rows past the last
    records: list[list[str]] = []
    starts: list[int] = []
    for excel_row, row in enumerate(ws.iter_rows(values_only=values_only), start=1):
        end = len(row)
        while end and (row[end - 1] if values_only else row[end - 1].value) is None:
            end -= 1  # an empty cell the file lists (a styled one): trailing, so not part of the row
        cells = [shown(c) for c in row[:end]]
        while cells and not cells[-1]:
            cells.pop()
        if any(c.strip() for c in cells):
            records.append(cells)
            starts.append(excel_row)
    return records, starts


def _header_to_used_width(spec: InputSpec, records: Records, width: int) -> Records:
    """The header row padded to the sheet's used width, as Excel shows it: a value right of the last header is then
    data under a blank header (said, not used) like any other, never a line longer than its header. Only that row
    is padded: a stray far cell costs one row of blanks, not one per row."""
    if not len(records):
        return records
    h = find_header(spec, records)  # padding adds only blank cells: the same row is found again
    header = records.fields[h].as_py()
    if len(header) >= width:
        return records
    padded = pa.array([header + [""] * (width - len(header))], type=LISTS)
    return Records(pa.concat_arrays([records.fields.slice(0, h), padded, records.fields.slice(h + 1)]),
                   records.starts)


def _chosen_sheet(spec: InputSpec, wb: Workbook) -> tuple[Any, list[str]]:
    """The sheet named in input.X.sheet, else the first visible worksheet; and a note when hidden ones were passed."""
    from openpyxl.chartsheet import Chartsheet
    if spec.sheet:
        if spec.sheet not in wb.sheetnames:
            raise ConfigError(f"Arket '{spec.sheet}' findes ikke i {spec.name} (input.{spec.table}.sheet)",
                              hint=f"arkene hedder: {', '.join(wb.sheetnames)}")
        if isinstance(wb[spec.sheet], Chartsheet):  # has no cells to read
            raise ConfigError(f"Arket '{spec.sheet}' i {spec.name} er et diagramark uden celler "
                              f"(input.{spec.table}.sheet)", hint=f"arkene hedder: {', '.join(wb.sheetnames)}")
        return wb[spec.sheet], []
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    hidden = [ws.title for ws in wb.worksheets if ws.sheet_state != "visible"]
    names = ", ".join(f"'{n}'" for n in hidden)
    if not visible:
        if not hidden:
            raise InputError(f"{spec.name} har ingen regneark med celler (kun diagramark)")
        raise InputError(f"{spec.name} har intet synligt ark, kun skjulte: {names}",
                         hint=f'er et af dem udtrækket, så skriv under [input.{spec.table}]: sheet = "{hidden[0]}"')
    # a hidden sheet is often an old copy or a lookup list: read only when named, and said when passed over
    notes = [f"{spec.name}: {len(hidden)} skjult(e) ark er ikke læst ({names}); læst er arket '{visible[0].title}'. "
             f"Skal et skjult ark læses, så sæt input.{spec.table}.sheet"] if hidden else []
    return visible[0], notes


def _formulas_without_result(xml: bytes) -> list[tuple[int, int]]:
    """(row, column) of each formula cell of a sheet's XML that has no stored result: a file written by a program
    that cannot calculate (a script) and never saved by Excel. Parsed only when the sheet has a formula at all."""
    return [(r, c) for r, c, _, has_result in formula_cells(xml) if not has_result]


def _has_formula(xml: bytes) -> bool:
    """Does the sheet XML hold a formula element (<f>, <f …>, <x:f …>)? Only the places that start like one are
    looked at (a data validation's <formula1> is one of the few), so a 60 MB sheet costs a few scans, not a regex
    over all of it."""
    for token in (b"<f", b":f"):
        at = xml.find(token)
        while at >= 0:
            start = at if token == b"<f" else xml.rfind(b"<", max(0, at - 40), at)
            if start >= 0 and _FORMULA.match(xml, start):
                return True
            at = xml.find(token, at + 2)
    return False


def formula_cells(xml: bytes) -> list[tuple[int, int, str, bool]]:
    """(row, column, formula, has a stored result) of every formula cell of a sheet's XML; two fast scans first,
    so a sheet without formulas costs nothing."""
    if not _has_formula(xml):
        return []
    from openpyxl.utils import column_index_from_string
    found: list[tuple[int, int, str, bool]] = []
    row = col = 0
    for event, el in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
        if el.tag == f"{_MAIN}row":
            if event == "start":
                row, col = int(el.get("r") or row + 1), 0
            else:
                el.clear()
        elif el.tag == f"{_MAIN}c" and event == "end":
            ref = el.get("r")  # 'H2'; a writer may leave it out, and then the cells follow each other
            col = column_index_from_string(ref.rstrip("0123456789")) if ref else col + 1
            formula = el.find(f"{_MAIN}f")
            if formula is not None:
                # Excel stores an empty text result as t="str" with an empty <v>: that is a result
                has_result = bool(el.findtext(f"{_MAIN}v")) or el.get("t") == "str"
                found.append((row, col, formula.text or "", has_result))
            el.clear()
    return found


def check_formula_results(spec: InputSpec, headers: list[str], meta: dict[str, object]) -> None:
    """Now that the header row is known: refuse when a formula without a stored result sits in a column the tool
    reads (its header is one the tool knows) or in the header itself – the empty cell could change which cases are
    converted (an empty end date is an open-ended grant); note it when only other columns have them."""
    from openpyxl.utils import get_column_letter
    cells = meta.pop(FORMULA_CELLS, None)
    header_row = meta.get("header_row")
    if not isinstance(cells, list) or not isinstance(header_row, int):
        return
    cells = [(r, c) for r, c in cells if r >= header_row]  # a formula in the title block above is not data
    meta[FORMULA_CELLS] = len(cells)
    if not cells:
        return
    known = known_headers(spec)
    used = {c for r, c in cells if r == header_row or (c <= len(headers) and normalise_header(headers[c - 1]) in known)}
    where = f"{spec.name}, ark '{meta.get('sheet')}'"
    if used:
        columns = ", ".join(f"'{headers[c - 1]}'" if c <= len(headers) and headers[c - 1] else get_column_letter(c)
                            for c in sorted(used))
        raise _formula_error(where, [(r, c) for r, c in cells if c in used], f", i kolonnen {columns}")
    shown = [f"{get_column_letter(c)}{r}" for r, c in cells]
    warnings = meta.get("warnings")
    meta["warnings"] = [*(warnings if isinstance(warnings, list) else []),
                        f"{where}: {len(shown)} celle(r) med en formel har intet gemt resultat ({first_few(shown)}) og "
                        "læses som tomme; de står i kolonner, som ikke bruges. Åbn og gem filen i Excel for at få "
                        "resultaterne med"]


def _formula_error(where: str, cells: list[tuple[int, int]], columns: str) -> InputError:
    from openpyxl.utils import get_column_letter
    shown = [f"{get_column_letter(c)}{r}" for r, c in cells]
    return InputError(f"{where}: {len(shown)} celle(r) med en formel har intet gemt resultat ({first_few(shown)})"
                      f"{columns}. kp-convert regner ikke formler ud, så cellerne ville blive læst som tomme",
                      hint="åbn filen i Excel og gem den (så gemmes formlernes resultater), eller eksportér udtrækket "
                           "som CSV")


def sheet_with_headers(spec: InputSpec, meta: Mapping[str, object], fields: Sequence[FieldSpec]) -> str | None:
    """Another sheet of the XLSX with a header row that has every one of `fields` (by its aliases or its configured
    header): named when the sheet read lacks them. None for a CSV, or when no other sheet has them."""
    if meta.get("format") != "xlsx":
        return None
    import openpyxl
    wanted = [{normalise_header(a) for a in (*f.aliases, spec.columns.get(f.name, ""))} - {""} for f in fields]
    try:
        wb = openpyxl.load_workbook(spec.path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None  # read a moment ago; the message about the missing column stands on its own
    try:
        for ws in wb.worksheets:
            if ws.title == meta.get("sheet"):
                continue
            ws.reset_dimensions()  # the cells there, not the declared width (see _used_rows)
            for row in ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True):
                cells = {normalise_header(cell_text(v)) for v in row}
                if all(w & cells for w in wanted):
                    return ws.title
    finally:
        wb.close()
    return None
