"""The table writer: past Excel's row limit a table continues on numbered sheets, never truncated.

Excel's limit (1,048,576 rows) is lowered to a few rows through `max_rows`, so the split is tested in milliseconds;
the block of rows converted at a time is lowered too, so blocks end inside a sheet and at its end.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from convert.write import xlsx
from convert.write.print_layout import MIN_SCALE
from convert.write.xlsx import Column, Table, Workbook


@pytest.mark.parametrize("block", [3, 65_536])  # rows are turned into cell values a block at a time
def test_a_table_longer_than_the_row_limit_continues_on_numbered_sheets(tmp_path: Path, monkeypatch, block) -> None:
    monkeypatch.setattr(xlsx, "_BLOCK", block)
    n = 10
    frame = pd.DataFrame({0: [f"S-{i}" for i in range(n)],
                          1: pd.to_datetime([f"2024-01-{i + 1:02d}" for i in range(n)]),
                          2: pd.array([i * 100 for i in range(n)], dtype="Int64")})
    table = Table("Dokumenter", [Column("Sagsnr."), Column("Dato", kind="date"), Column("Beløb", kind="money")], frame)
    path = tmp_path / "t.xlsx"
    book = Workbook(path, created=dt.datetime(2027, 1, 4), title="t", max_rows=5)  # a header and 4 rows a sheet
    names = book.write_table(table)
    book.close()

    assert names == ["Dokumenter", "Dokumenter (2)", "Dokumenter (3)"]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == names
    rows = []
    for name in names:
        ws = wb[name]
        assert ws.max_row <= 5 and [c.value for c in ws[1]] == ["Sagsnr.", "Dato", "Beløb"]
        assert ws.freeze_panes == "A2"
        rows += [tuple(c.value for c in r) for r in ws.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == [f"S-{i}" for i in range(n)]  # every row once, in order
    assert rows[-1][1] == dt.datetime(2024, 1, 10) and rows[-1][2] == 9.0  # real dates; øre shown as kr.



def test_a_table_too_wide_for_one_page_prints_across_at_the_smallest_legible_scale(tmp_path: Path) -> None:
    """One page wide would shrink the text under 8 pt: instead the smallest legible scale, page by page across
    (a row's continuation on the next sheet of paper) with the first column repeated; a narrow table fits."""
    wide = Table("Bred", [Column(f"Kolonne {i}", width=30) for i in range(10)],
                 pd.DataFrame({i: ["x"] for i in range(10)}))
    narrow = Table("Smal", [Column("Sagsnr.", width=20), Column("Tekst", width=60)], pd.DataFrame({0: ["S-1"], 1: ["x"]}))
    path = tmp_path / "t.xlsx"
    book = Workbook(path, created=dt.datetime(2027, 1, 4), title="t")
    book.write_table(wide)
    book.write_table(narrow)
    book.close()
    wb = openpyxl.load_workbook(path)
    ws = wb["Bred"]
    assert int(ws.page_setup.scale) == MIN_SCALE and ws.page_setup.pageOrder == "overThenDown"
    assert ws.print_title_cols == "$A:$A" and not ws.sheet_properties.pageSetUpPr.fitToPage
    ws = wb["Smal"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0 and not ws.print_title_cols
