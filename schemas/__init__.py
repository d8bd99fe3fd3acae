"""pandera models: the data contract of every table kp-convert reads or writes.

Input tables (text after mapping; each field's label, aliases, kind and presence): `CaseRecord`, `DocumentRecord`,
`AssetRecord`, `KpReportRecord`, `EsdhExportRecord`. What the stages hand on (typed): see `schemas.batch`.
Code refers to a column through its model (`CaseRecord.case_id` is the text "case_id").
"""

from typing import Literal

from .contract import MAX_TEXT_LENGTH, FieldSpec, Kind, Record, field, field_specs
from .esdh import AssetRecord, CaseRecord, DocumentRecord, EsdhExportRecord
from .kp_report import KpReportRecord

TableName = Literal["cases", "documents", "assets", "kp_report", "esdh_export"]
ESDH_TABLES: tuple[TableName, ...] = ("cases", "documents", "assets")  # the batch's inputs (`[input.*]` of `run`)
SCHEMAS: dict[str, type[Record]] = {"cases": CaseRecord, "documents": DocumentRecord, "assets": AssetRecord,
                                    "kp_report": KpReportRecord, "esdh_export": EsdhExportRecord}
TABLE_LABELS: dict[str, str] = {name: str(model.Config.title) for name, model in SCHEMAS.items()}


def fields_of(table: str) -> tuple[FieldSpec, ...]:
    """The fields of an input table, in declared order."""
    return field_specs(SCHEMAS[table])


def field_spec(table: str, name: str) -> FieldSpec:
    for f in fields_of(table):
        if f.name == name:
            return f
    raise KeyError(name)


__all__ = ["AssetRecord", "CaseRecord", "DocumentRecord", "ESDH_TABLES", "EsdhExportRecord", "FieldSpec", "Kind",
           "KpReportRecord", "MAX_TEXT_LENGTH", "Record", "SCHEMAS", "TABLE_LABELS", "TableName", "field",
           "field_spec", "fields_of"]
