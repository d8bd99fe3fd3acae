"""Which row of an export is its header: the configured `header_row`, else the row among the first
HEADER_SCAN_ROWS with most known headers (a title block above the header is skipped)."""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError, InputError
from ..settings.inputs import InputSpec
from .headers import known_headers, normalise_header
from .records import Records
from .text import HEADER_SCAN_ROWS


def find_header(spec: InputSpec, records: Records) -> int:
    """Index into records of the header row: configured, else the first row most like a header."""
    if not len(records):
        raise InputError(f"{spec.name} indeholder ingen data")
    if spec.header_row:
        hit = np.flatnonzero(records.starts == spec.header_row)
        if len(hit):
            return int(hit[0])
        raise ConfigError(f"input.{spec.table}.header_row = {spec.header_row}, men den række er tom eller findes ikke "
                          f"i {spec.name}")
    known = known_headers(spec)
    best_i, best_hits = 0, 0
    for i, row in enumerate(records.fields.slice(0, HEADER_SCAN_ROWS).to_pylist()):
        hits = sum(1 for c in row if normalise_header(c) in known)
        if hits > best_hits:
            best_i, best_hits = i, hits
    return best_i
