"""pandera models: the data contract of every table kp-convert reads or writes."""

from .esdh import AssetRecord, CaseRecord, DocumentRecord, MAX_TEXT_LENGTH

SCHEMAS = {"cases": CaseRecord, "documents": DocumentRecord, "assets": AssetRecord}

__all__ = ["AssetRecord", "CaseRecord", "DocumentRecord", "MAX_TEXT_LENGTH", "SCHEMAS"]
