"""pandera models: the data contract of every table kp-convert reads or writes."""

from .esdh import MAX_TEXT_LENGTH, AssetRecord, CaseRecord, DocumentRecord

SCHEMAS = {"cases": CaseRecord, "documents": DocumentRecord, "assets": AssetRecord}

__all__ = ["AssetRecord", "CaseRecord", "DocumentRecord", "MAX_TEXT_LENGTH", "SCHEMAS"]
