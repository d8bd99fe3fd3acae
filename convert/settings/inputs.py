"""`[input.X]`: where an export is and how to read it (encoding, delimiter, sheet, header row, column mapping)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas import TableName, fields_of

from ..errors import ConfigError
from .toml import REQUIRED, Schema, check_integer, check_section, resolved, unknown_key

INPUT_KEYS: Schema = {
    "path": (str, REQUIRED),
    "encoding": (str, "auto"),
    "delimiter": (str, "auto"),
    "sheet": (str, ""),
    "header_row": (int, 0),
    "columns": (dict, {}),
    "not_in_export": (list, []),  # fields the export has no column for, said out loud (not a mapping forgotten)
}
MAX_HEADER_ROW = 1_048_576  # Excel's last row
ENCODINGS = {"auto", "utf-8", "utf-8-sig", "cp1252", "windows-1252", "iso-8859-1", "latin-1", "utf-16"}
DELIMITERS = {"auto": "auto", ";": ";", ",": ",", "\t": "\t", "tab": "\t", "|": "|"}


@dataclass(frozen=True)
class InputSpec:
    table: TableName
    path: Path
    encoding: str = "auto"
    delimiter: str = "auto"
    sheet: str = ""
    header_row: int = 0  # 0 = detect
    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> header in the file
    display: str = ""  # the path as written in the config: names the file in messages and the ledger
    not_in_export: tuple[str, ...] = ()  # fields the configuration says the export has no column for

    @property
    def name(self) -> str:
        return self.display or self.path.name


def parse_input(table: TableName, data: Any, base: Path) -> InputSpec:
    """Check one `[input.X]` table; the path is relative to the config file's folder."""
    where = f"input.{table}."
    if not isinstance(data, dict):
        raise ConfigError(f"'input.{table}' skal være en tabel med mindst 'path'")
    d = check_section(data, INPUT_KEYS, where)
    if d["encoding"].lower() not in ENCODINGS:
        raise ConfigError(f"'{where}encoding' er ukendt: {d['encoding']!r}",
                          hint=f"brug en af {', '.join(sorted(ENCODINGS))}")
    if d["delimiter"] not in DELIMITERS:
        raise ConfigError(f"'{where}delimiter' er ukendt: {d['delimiter']!r}", hint="brug auto, ';', ',' eller tab")
    check_integer(d["header_row"], f"{where}header_row", low=0, high=MAX_HEADER_ROW,
                  hint="skriv 0 (find selv) eller overskriftens rækkenummer fra 1")
    valid_fields = {f.name for f in fields_of(table)}
    columns: dict[str, str] = {}
    for canon, header in d["columns"].items():
        if canon not in valid_fields:
            raise unknown_key(canon, valid_fields, f"{where}columns.")
        if not isinstance(header, str) or not header.strip():
            raise ConfigError(f"'{where}columns.{canon}' skal være overskriften i filen (tekst)")
        columns[canon] = header
    absent: list[str] = []
    for canon in d["not_in_export"]:
        if not isinstance(canon, str) or canon not in valid_fields:
            raise unknown_key(str(canon), valid_fields, f"{where}not_in_export: ")
        spec = next(f for f in fields_of(table) if f.name == canon)
        if spec.required:
            raise ConfigError(f"'{where}not_in_export' nævner {canon}, men {spec.label} skal findes i udtrækket")
        if canon in columns:
            raise ConfigError(f"'{where}not_in_export' nævner {canon}, som også er koblet i [{where}columns]",
                              hint="slet den ene af de to linjer")
        absent.append(canon)
    return InputSpec(table=table, path=resolved(base / d["path"]), encoding=d["encoding"].lower(),
                     delimiter=DELIMITERS[d["delimiter"]], sheet=d["sheet"], header_row=d["header_row"],
                     columns=columns, display=d["path"].replace("\\", "/"), not_in_export=tuple(absent))
