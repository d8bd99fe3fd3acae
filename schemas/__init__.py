"""pandera models: the data contract of every table kp-convert reads or writes."""

from .esdh import MAX_TEXT_LENGTH, AssetRecord, CaseRecord, DocumentRecord, EsdhExportRecord
from .kp_report import KpReportRecord

SCHEMAS = {"cases": CaseRecord, "documents": DocumentRecord, "assets": AssetRecord,
           "kp_report": KpReportRecord, "esdh_export": EsdhExportRecord}

__all__ = ["AssetRecord", "CaseRecord", "DocumentRecord", "EsdhExportRecord", "KpReportRecord", "MAX_TEXT_LENGTH",
           "SCHEMAS"]
