"""Workbook writers compared on the same cells: one writer per process, run by `run_benchmarks.py --writers`.

The cells mimic the worksheet's big sheets: per row 7 text cells (case number, document id, title, type, file
name, category, a remark) and 3 formatted numbers (a date as an Excel serial with `dd-mm-yyyy`, money `#,##0.00`,
an integer), a bold header row, frozen header and a filter. Each writer also writes a tiny workbook twice to check
two things the worksheet needs: text that starts with '=' stays text, and the same input gives the same bytes.

    python benchmarks/writers.py NAME ROWS OUT.xlsx     (prints one JSON line)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import resource
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

HEADERS = ["Sagsnr.", "Dokument-id", "Titel", "Type", "Filnavn", "Kategori", "Bemærkning", "Dato", "Beløb", "Antal"]
TEXT_COLUMNS = 7
KINDS = ["date", "money", "int"]
FORMATS = {"date": "dd-mm-yyyy", "money": "#,##0.00", "int": "0"}
_TITLES = ["Ansøgning om udvidet helbredstillæg", "Lægeerklæring", "Faktura fra fodterapeut", "Notat vedr. samtale",
           "Bevilling af udvidet helbredstillæg", "=HYPERLINK(\"http://x\")"]


def make_rows(n: int) -> list[list[object]]:
    """Deterministic cells: 7 texts, then date serial, money, integer (floats, as the worksheet writes them)."""
    return [[f"32.03.12-G01-{i}-24", f"D{i:07d}", _TITLES[i % 6], ("Indgående", "Udgående", "Notat")[i % 3],
             f"D{i:07d}.pdf", ("Ansøgning", "Faktura", "Skal vurderes")[i % 3],
             "Formue ikke oplyst: ingen formueoplysning på eller før startdatoen" if i % 7 == 0 else "ok",
             float(44_000 + i % 3000), (i % 100_000) / 100, float(i % 12)] for i in range(n)]


def xlsxwriter_writer(constant_memory: bool) -> Callable[[Path, list[list[object]]], None]:
    def write(path: Path, rows: list[list[object]]) -> None:
        import xlsxwriter

        book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory, "strings_to_formulas": False,
                                                "strings_to_urls": False, "strings_to_numbers": False})
        book.set_properties({"created": dt.datetime(2027, 1, 4)})
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        fmts = [None] * TEXT_COLUMNS + [book.add_format({"num_format": FORMATS[k]}) for k in KINDS]
        ws = book.add_worksheet("Data")
        for c, h in enumerate(HEADERS):
            ws.write_string(0, c, h, head)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(rows), len(HEADERS) - 1)
        writes = [ws.write_string] * TEXT_COLUMNS + [ws.write_number] * len(KINDS)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                writes[c](r, c, v, fmts[c])
        book.close()
    return write


def openpyxl_write_only(path: Path, rows: list[list[object]]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    book = Workbook(write_only=True)
    book.properties.created = dt.datetime(2027, 1, 4)
    ws = book.create_sheet("Data")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:J{len(rows) + 1}"
    head = []
    for h in HEADERS:
        cell = WriteOnlyCell(ws, value=h)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        head.append(cell)
    ws.append(head)
    for row in rows:
        out = []
        for c, v in enumerate(row):
            cell = WriteOnlyCell(ws, value=v)
            if c < TEXT_COLUMNS:
                cell.data_type = "s"  # openpyxl makes '=…' a formula otherwise
            else:
                cell.number_format = FORMATS[KINDS[c - TEXT_COLUMNS]]
            out.append(cell)
        ws.append(out)
    book.save(path)


def pyexcelerate_writer(path: Path, rows: list[list[object]]) -> None:
    from pyexcelerate import Format, Style, Workbook

    book = Workbook()
    ws = book.new_sheet("Data", data=[HEADERS, *rows])
    for k, kind in enumerate(KINDS):
        ws.set_col_style(TEXT_COLUMNS + k + 1, Style(format=Format(FORMATS[kind])))
    ws.set_row_style(1, Style(font=__import__("pyexcelerate").Font(bold=True)))
    ws.panes = __import__("pyexcelerate").Panes(y=1)
    book.save(str(path))


def rustpy_writer(path: Path, rows: list[list[object]]) -> None:
    import rustpy_xlsxwriter as rx

    records = [dict(zip(HEADERS, row, strict=True)) for row in rows]
    fmt = {HEADERS[TEXT_COLUMNS + k]: rx.Format().set_num_format(FORMATS[kind]) for k, kind in enumerate(KINDS)}
    rx.write_worksheet(records, str(path), sheet_name="Data", freeze_row=1, autofilter=True, column_formats=fmt,
                       header_format=rx.Format().set_bold().set_background_color("#DDEBF7").set_border("thin"))


WRITERS: dict[str, Callable[[Path, list[list[object]]], None]] = {
    "xlsxwriter (constant_memory)": xlsxwriter_writer(True),
    "xlsxwriter (in memory)": xlsxwriter_writer(False),
    "openpyxl (write-only)": openpyxl_write_only,
    "pyexcelerate": pyexcelerate_writer,
    "rustpy-xlsxwriter": rustpy_writer,
}


def _formula_stays_text(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    return "<f>" not in sheet and "<f " not in sheet


def checks(write: Callable[[Path, list[list[object]]], None], folder: Path) -> dict[str, bool]:
    rows = make_rows(12)
    a, b = folder / "check-a.xlsx", folder / "check-b.xlsx"
    write(a, rows)
    time.sleep(1.1)  # a writer that stamps the current time shows it in the second file
    write(b, rows)
    same = hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    return {"formula_stays_text": _formula_stays_text(a), "same_bytes": same}


def main() -> None:
    name, n, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    rows = make_rows(n)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    write = WRITERS[name]
    started = time.perf_counter()
    write(out, rows)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"writer": name, "rows": n, "cells": n * len(HEADERS), "seconds": seconds,
              "peak_mb_over_data": peak - before, "size_mb": out.stat().st_size / 1e6}
    result.update(checks(write, out.parent))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
