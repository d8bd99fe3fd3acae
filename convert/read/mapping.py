"""Map an export's headers to the contract's fields: the configured mapping first, then the built-in aliases."""

from __future__ import annotations

import re

import pandas as pd

from schemas import fields_of

from ..errors import ConfigError, InputError
from ..progress import stage
from .headers import normalise_header
from .table import SOURCE_FILE, SOURCE_ROW, RawTable

LOOKS_LIKE_DATA = re.compile(r"[0-9]{6}-?[0-9]{4}|[0-9]{1,2}[-./][0-9]{1,2}[-./][0-9]{4}")  # CPR or date


@stage("map", "Genkender kolonner i", detail=lambda raw: raw.spec.name)
def map_columns(raw: RawTable) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename header positions to canonical field names. Absent optional fields become empty columns.

    Returns the frame and the mapping used {canonical field: header in file}.
    """
    spec = raw.spec
    name = spec.name
    norm = [normalise_header(x) for x in raw.headers]
    used: dict[int, str] = {}
    mapping: dict[str, str] = {}
    positions: dict[str, int] = {}

    def claim(field_name: str, pos: int) -> None:
        dup = [i for i, n in enumerate(norm) if n == norm[pos] and i != pos]
        if dup:
            raise InputError(f"{name}: kolonnen '{raw.headers[pos]}' findes {len(dup) + 1} gange i overskriften, "
                             f"så det er uklart, hvilken der er {field_name}",
                             hint="omdøb den ene kolonne i udtrækket, eller kobl feltet til en entydig overskrift")
        used[pos] = field_name
        mapping[field_name] = raw.headers[pos]
        positions[field_name] = pos

    for field_name, header in spec.columns.items():  # explicit mapping first
        target = normalise_header(header)
        hits = [i for i, n in enumerate(norm) if n == target]
        if not hits:
            raise ConfigError(
                f"input.{spec.table}.columns.{field_name} = '{header}', men {name} har ingen kolonne med den overskrift",
                hint="overskrifterne i filen er: " + ", ".join(repr(x) for x in raw.headers if x))
        claim(field_name, hits[0])
    for f in fields_of(spec.table):
        if f.name in positions:
            continue
        for alias in f.aliases:
            target = normalise_header(alias)
            hits = [i for i, n in enumerate(norm) if n == target and i not in used]
            if hits:
                claim(f.name, hits[0])
                break
    missing = [f for f in fields_of(spec.table) if f.required and f.name not in positions]
    if missing:
        labels = ", ".join(f"{f.name} ('{f.label}')" for f in missing)
        if any(LOOKS_LIKE_DATA.search(x) for x in raw.headers):  # never echo a data row: it holds a CPR
            raise InputError(f"{name} mangler en påkrævet kolonne: {labels}. Linje {raw.meta.get('header_row')} "
                             "ligner data (et CPR-nummer eller en dato), ikke en overskrift",
                             hint="tag overskriftslinjen med i udtrækket, eller sæt "
                                  f"input.{spec.table}.header_row til overskriftens linjenummer")
        raise InputError(
            f"{name} mangler en påkrævet kolonne: {labels}",
            hint=f"tilføj i [input.{spec.table}.columns] fx {missing[0].name} = \"<overskriften i jeres fil>\"; "
                 "overskrifterne i filen er: " + ", ".join(repr(x) for x in raw.headers if x))
    out = pd.DataFrame(index=raw.frame.index)
    for f in fields_of(spec.table):
        out[f.name] = raw.frame[f"c{positions[f.name]}"] if f.name in positions else None
    out[SOURCE_FILE] = raw.frame[SOURCE_FILE]
    out[SOURCE_ROW] = raw.frame[SOURCE_ROW]
    return out, mapping

