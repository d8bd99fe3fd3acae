"""XLSX exports: the chosen sheet's rows as records (Excel row numbers kept), every cell as the text a parser
reads: real dates as ISO dates, numbers without float noise, Danish decimal comma."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import numpy as np
import pyarrow as pa

from ..errors import ConfigError, InputError
from ..settings.inputs import InputSpec
from .records import LISTS, Records


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")  # real date cells: ISO, the time of day is not used
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))  # CPR stored as a number arrives as 101901234.0
        return format(Decimal(repr(value)), "f").replace(".", ",")  # Danish decimal comma for the parsers
    return str(value)


def xlsx_records(spec: InputSpec, data: bytes) -> tuple[Records, dict[str, object]]:
    """The sheet's non-empty rows (each with its Excel row number) and which sheet was read."""
    import openpyxl  # heavy: imported only when an XLSX is read
    from openpyxl.chartsheet import Chartsheet
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{spec.name} er ikke en gyldig .xlsx-fil (måske afkortet eller beskadiget): {exc}",
                         hint="åbn filen i Excel og gem den igen, eller eksportér som CSV") from None
    try:
        if spec.sheet:
            if spec.sheet not in wb.sheetnames:
                raise ConfigError(f"Arket '{spec.sheet}' findes ikke i {spec.name} (input.{spec.table}.sheet)",
                                  hint=f"arkene hedder: {', '.join(wb.sheetnames)}")
            sheet = wb[spec.sheet]
            if isinstance(sheet, Chartsheet):  # has no cells to read
                raise ConfigError(f"Arket '{spec.sheet}' i {spec.name} er et diagramark uden celler "
                                  f"(input.{spec.table}.sheet)", hint=f"arkene hedder: {', '.join(wb.sheetnames)}")
            ws = sheet
        else:
            ws = wb.worksheets[0]
        records: list[list[str]] = []
        starts: list[int] = []
        for excel_row, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in row]
            if any(c.strip() for c in cells):
                records.append(cells)
                starts.append(excel_row)
        sheet_name = ws.title
    finally:
        wb.close()
    return (Records(pa.array(records, type=LISTS), np.array(starts, dtype=np.int64)),
            {"format": "xlsx", "sheet": sheet_name, "encoding": "", "delimiter": ""})


