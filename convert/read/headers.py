"""Header text compared as a person would: case, spaces and punctuation ignored ('CPR-nr.' = 'Cpr nr')."""

from __future__ import annotations

import re

from schemas import fields_of

from ..settings.inputs import InputSpec


def normalise_header(header: object) -> str:
    """'CPR-nr.' -> 'cprnr'; 'Cpr nummer' -> 'cprnummer' (Danish letters kept)."""
    return re.sub(r"[^0-9a-zæøåäöü]", "", str(header).strip().lower())


def known_headers(spec: InputSpec) -> set[str]:
    """Every header this input's fields are recognised by: the contract's aliases and the configured mapping."""
    known = {normalise_header(a) for f in fields_of(spec.table) for a in f.aliases}
    known |= {normalise_header(h) for h in spec.columns.values()}
    return known
