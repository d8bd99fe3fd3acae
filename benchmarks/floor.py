"""The floor of a command: read the files it reads and write workbooks of the same sheets, rows and cells, no logic.

Run by `run_benchmarks.py` as its own process, like the command, so interpreter start and imports count on both
sides. It reads every input with the fastest reader in the tool's own stack — CSV with pandas' pyarrow engine (all
columns as text), a workbook's sheets with python-calamine — then writes with xlsxwriter directly (the same writer,
workbook options and cell formats as `convert/write/xlsx.py`), one `write_string`/`write_number` call per cell, for
exactly the cells the command wrote, per sheet and column (the SHAPE file: learnt by `run_benchmarks.py` from the
command's own output workbooks, opened read-only, so no command needs a report of its own). CSV outputs are written
with the same number of rows and columns (pyarrow), and a file the command writes unchanged or patches (the
worksheet `--update-worksheet` fills) is copied. The values are the inputs' text cycled (text columns) and plain
numbers (numeric columns): computing the real values is the tool's logic, which is what the floor leaves out.

    python benchmarks/floor.py SHAPE.json OUT_DIR --read FILE [--read BOOK.xlsx:Sager ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import shutil
from pathlib import Path

# The same workbook options and formats as convert/write/xlsx.py (kept in step by hand: this file must not import
# the tool)
_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False}
_NUM_FORMATS = {"date": "dd-mm-yyyy", "int": "0", "money": "#,##0.00", "percent": "0.0", "number": "#,##0",
                "hours": "#,##0.00"}
_TEXT = ("text", "any")  # 'any': the team's own entries, written as typed (text here)


def read_inputs(files: list[str]) -> list[list[str]]:
    """Every input as text columns (lists of str): CSV with pandas' pyarrow engine, workbook sheets with calamine."""
    columns: list[list[str]] = []
    for spec in files:
        path, _, sheets = spec.partition(".xlsx:")
        if sheets:
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(path + ".xlsx")
            for sheet in sheets.split(","):
                if sheet in book.sheet_names:
                    rows = book.get_sheet_by_name(sheet).to_python()
                    columns += [[str(v) if v != "" else "-" for v in col] for col in zip(*rows, strict=False)]
            book.close()
            continue
        import pandas as pd

        head = Path(path).read_bytes()[:4096]
        encoding = "utf-8" if _utf8(head) else "cp1252"
        delimiter = max(";,\t", key=head.decode(encoding, "replace").split("\n", 1)[0].count)
        frame = pd.read_csv(path, sep=delimiter, encoding=encoding, dtype=str, engine="pyarrow",
                            keep_default_na=False, on_bad_lines="skip")
        columns += [[v if v else "-" for v in frame[col].tolist()] for col in frame.columns]
    return columns or [["-"]]


def _utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a character cut at the end of the sample
    return True


def write_workbook(out: Path, sheets: list[dict], source: list[list[str]]) -> int:
    """Write the sheets cell by cell; returns the number of cells written."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(out), _OPTIONS)
    book.set_properties({"title": "floor", "author": "kp-convert", "created": dt.datetime(2027, 1, 4)})
    f_header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7",
                                "border": 1})
    formats = {k: book.add_format({"num_format": v, "valign": "top"}) for k, v in _NUM_FORMATS.items()}
    written = 0
    for sheet in sheets:
        ws = book.add_worksheet(sheet["sheet"])
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_footer("&L&A&R&P af &N")
        columns, rows = sheet["columns"], sheet["rows"]
        if not columns:
            continue
        for c, col in enumerate(columns):
            ws.write_string(0, c, col["header"], f_header)
            ws.set_column(c, c, 16)
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)
        ws.autofilter(0, 0, max(rows, 1), len(columns) - 1)
        values = []
        for c, col in enumerate(columns):
            count = col["cells"]
            if col["kind"] in _TEXT:
                text = source[c % len(source)]
                values.append(list(itertools.islice(itertools.cycle(text), count)) + [None] * (rows - count))
            else:
                values.append([float(46_000 + r % 1000) for r in range(count)] + [None] * (rows - count))
        writes = [ws.write_string if col["kind"] in _TEXT else ws.write_number for col in columns]
        fmts = [formats.get(col["kind"]) for col in columns]
        for r, row in enumerate(zip(*values, strict=True), start=1):
            for c, v in enumerate(row):
                if v is not None:
                    writes[c](r, c, v, fmts[c])
        written += sum(col["cells"] for col in columns)
    book.close()
    return written


def write_csv(out: Path, rows: int, width: int, source: list[list[str]]) -> int:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.table({f"c{c}": list(itertools.islice(itertools.cycle(source[c % len(source)]), rows))
                      for c in range(width)})
    pacsv.write_csv(table, str(out))
    return rows * width


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("shape", type=Path, help="JSON: {workbooks: {name: sheets}, csv: {name: [rows, columns]}, "
                                                 "copies: {name: source}}")
    parser.add_argument("out", type=Path)
    parser.add_argument("--read", action="append", default=[], help="an input: a CSV, or BOOK.xlsx:SHEET[,SHEET]")
    args = parser.parse_args()
    shape = json.loads(args.shape.read_text(encoding="utf-8"))
    source = read_inputs(args.read)
    args.out.mkdir(parents=True, exist_ok=True)
    cells = 0
    for name, sheets in shape.get("workbooks", {}).items():
        cells += write_workbook(args.out / name, sheets, source)
    for name, (rows, width) in shape.get("csv", {}).items():
        cells += write_csv(args.out / name, rows, width, source)
    for name, origin in shape.get("copies", {}).items():
        shutil.copyfile(origin, args.out / name)
    print(json.dumps({"cells": cells}))


if __name__ == "__main__":
    main()
