"""The return file: which KP case each ordered ESDH case became, filled in by Netcompany and read back by
`kp-convert reconcile --kp-report` as it is.

`spec` writes the template (retur_skabelon.xlsx): the sheet *Retur* with fixed headers (each one a header the KP
report's contract knows without mapping: `schemas/kp_report.py`) and a sheet *Vejledning* that explains them.
The reader takes the first sheet, so *Retur* comes first. The template holds no personal data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

RETURN_NAME = "retur_skabelon.xlsx"
RETURN_SHEET = "Retur"
TEMPLATE_ROWS = 10_000  # rows formatted for entry (text CPR, dates): more may be added

# header, KP report field it is read as, cell kind, what to write
RETURN_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("ESDH-sagsnr.", "esdh_case_id", "text", "Sagsnummeret i ESDH, som i udtrækket (arket Sager)."),
    ("CPR-nr.", "cpr", "text", "Borgerens CPR-nr., DDMMÅÅ-SSSS."),
    ("KP-sagsnr.", "case_id", "text", "Sagsnummeret på bevillingen i KP."),
    ("Ansøgningsdato", "application_date", "date", "Ansøgningsdatoen på bevillingen i KP (dd-mm-åååå)."),
    ("Bevilling start", "start_date", "date", "Bevillingens startdato i KP (dd-mm-åååå)."),
    ("Bevilling slut", "end_date", "date", "Bevillingens slutdato i KP; tom, når bevillingen er tidsubegrænset."),
    ("Antal dokumenter vedhæftet", "document_count", "int",
     "Antal dokumenter lagt på bevillingen under »Dokumenter« (0, når der ikke er nogen)."),
)
RETURN_HEADERS = tuple(c[0] for c in RETURN_COLUMNS)


def write_return_template(path: Path, *, created: dt.datetime, title: str) -> None:
    """An empty return sheet with the fixed headers, cells formatted for entry (CPR and case numbers as text, so a
    leading 0 is kept; dates dd-mm-åååå; a whole number of documents), and a sheet that explains each column."""
    import xlsxwriter  # imported where used: keeps CLI start-up light

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "strings_to_numbers": False})
    try:
        book.set_properties({"title": title, "author": "kp-convert", "created": created,
                             "comments": "Lavet af kp-convert"})
        header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7",
                                  "border": 1})
        formats = {"text": book.add_format({"num_format": "@"}), "date": book.add_format({"num_format": "dd-mm-yyyy"}),
                   "int": book.add_format({"num_format": "0"})}
        ws = book.add_worksheet(RETURN_SHEET)
        for c, (head, _field, kind, explanation) in enumerate(RETURN_COLUMNS):
            ws.write_string(0, c, head, header)
            ws.write_comment(0, c, explanation)
            ws.set_column(c, c, 16 if kind == "date" else 20 if kind == "text" else 14, formats[kind])
            if kind == "date":
                ws.data_validation(1, c, TEMPLATE_ROWS, c, {
                    "validate": "date", "criteria": "between", "minimum": dt.date(1900, 1, 1),
                    "maximum": dt.date(9999, 12, 31), "error_message": "Skriv en dato (dd-mm-åååå)"})
            elif kind == "int":
                ws.data_validation(1, c, TEMPLATE_ROWS, c, {
                    "validate": "integer", "criteria": ">=", "value": 0,
                    "error_message": "Skriv antallet af dokumenter (et helt tal)"})
        ws.set_row(0, 32)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, 1, len(RETURN_COLUMNS) - 1)
        guide = book.add_worksheet("Vejledning")
        guide.set_column(0, 0, 28)
        guide.set_column(1, 1, 90)
        guide.write_string(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
        guide.write_string(2, 0, "Én række pr. konverteret sag på arket »Retur«. Overskrifterne må ikke ændres; "
                                 "rækkefølgen af rækkerne er ligegyldig.")
        guide.write_string(4, 0, "Kolonne", header)
        guide.write_string(4, 1, "Hvad der skal stå", header)
        for r, (head, _field, _kind, explanation) in enumerate(RETURN_COLUMNS, start=5):
            guide.write_string(r, 0, head)
            guide.write_string(r, 1, explanation)
    finally:
        book.close()
