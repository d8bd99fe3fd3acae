"""The floor: read the run's input files and write a workbook of the same sheets, rows and cells, with no logic.

Run by `run_benchmarks.py` as its own process, like `kp-convert run`, so interpreter start and imports count on
both sides. It reads every input file with pandas' pyarrow engine (the fastest reader in the tool's own stack, all
columns as text),
then writes with xlsxwriter directly — the same writer, workbook options and cell formats as `convert/xlsx.py` —
one `write_string`/`write_number` call per cell, for exactly the cells the run wrote (per sheet and column, from
the run's `--timings` report). The values are the input's text cycled (text columns) and plain numbers (numeric
columns): computing the real values is the tool's logic, which is what the floor leaves out.

    python benchmarks/floor.py CONFIG TIMINGS_JSON OUT.xlsx [--encoding cp1252] [--delimiter ';']
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import tomllib
from pathlib import Path

# The same workbook options and formats as convert/xlsx.py (kept in step by hand: this file must not import the tool)
_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False}
_NUM_FORMATS = {"date": "dd-mm-yyyy", "int": "0", "money": "#,##0.00", "percent": "0.0", "number": "#,##0",
                "hours": "#,##0.00"}
_TEXT = ("text", "any")  # 'any': the team's own entries, written as typed (text here)
_SOURCE = {"Sager": "cases", "Lukkenotater": "cases", "Dokumenter": "documents"}  # other sheets: all inputs


def read_inputs(config: Path, encoding: str, delimiter: str) -> dict[str, list[list[str]]]:
    """Every input file as text columns (lists of str): the floor's reading, with pandas' pyarrow engine."""
    import pandas as pd

    spec = tomllib.loads(config.read_text(encoding="utf-8"))["input"]
    tables: dict[str, list[list[str]]] = {}
    for name, entry in spec.items():
        if name not in ("cases", "documents", "assets") or "path" not in entry:
            continue  # the reconcile inputs are not read by run
        frame = pd.read_csv(config.parent / entry["path"], sep=delimiter, encoding=encoding, dtype=str,
                            engine="pyarrow", keep_default_na=False, on_bad_lines="skip")
        tables[name] = [[v if v else "-" for v in frame[col].tolist()] for col in frame.columns]
    return tables


def write_floor(out: Path, sheets: list[dict], tables: dict[str, list[list[str]]]) -> int:
    """Write the sheets cell by cell; returns the number of cells written."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(out), _OPTIONS)
    book.set_properties({"title": "floor", "author": "kp-convert", "created": dt.datetime(2027, 1, 4)})
    f_header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7",
                                "border": 1})
    formats = {k: book.add_format({"num_format": v, "valign": "top"}) for k, v in _NUM_FORMATS.items()}
    every = [col for cols in tables.values() for col in cols]
    written = 0
    for sheet in sheets:
        ws = book.add_worksheet(sheet["sheet"])
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_footer("&L&A&R&P af &N")
        columns, rows = sheet["columns"], sheet["rows"]
        for c, col in enumerate(columns):
            ws.write_string(0, c, col["header"], f_header)
            ws.set_column(c, c, 16)
        ws.freeze_panes(1, 0)
        ws.repeat_rows(0)
        ws.autofilter(0, 0, max(rows, 1), len(columns) - 1)
        source = tables[_SOURCE[sheet["sheet"].split(" (")[0]]] if sheet["sheet"].split(" (")[0] in _SOURCE \
            else every
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("config", type=Path)
    parser.add_argument("timings", type=Path, help="the run's --timings report (its 'sheets' say what to write)")
    parser.add_argument("out", type=Path)
    parser.add_argument("--encoding", default="cp1252")
    parser.add_argument("--delimiter", default=";")
    args = parser.parse_args()
    import json

    sheets = json.loads(args.timings.read_text(encoding="utf-8"))["sheets"]
    tables = read_inputs(args.config, args.encoding, args.delimiter)
    cells = write_floor(args.out, sheets, tables)
    print(json.dumps({"cells": cells}))


if __name__ == "__main__":
    main()
