"""Batch configuration: one TOML file per conversion batch, validated on load.

Every key is checked: an unknown key is an error that suggests the nearest valid key, a wrong type names
the key and the expected type. Paths are relative to the config file. Defaults that stand in for facts
we could not confirm (KP's category names, asset limits after 2024) are labelled as defaults.
Each stage gets the part it needs (`config.selection`, `config.criteria` …), never the whole configuration.
"""

from __future__ import annotations

import datetime as dt
import errno
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from schemas import ESDH_TABLES, SCHEMAS

from ..codes import FLAGS
from ..errors import ConfigError
from .inputs import InputSpec, parse_input
from .order import LETTER_SCHEMA, ORDER_SCHEMA, LetterSettings, OrderSettings, parse_letter, parse_order
from .pattern import Pattern, compile_pattern
from .planning import PlanSettings, parse_planning
from .reconcile import ReconcileSettings, build_reconcile_settings
from .toml import (
    REQUIRED,
    Schema,
    as_table,
    check_number,
    check_section,
    parse_date,
    resolved,
    template_fields,
    unknown_key,
)

# Confirmed asset limits (formuegrænse, kr.) from DOMAIN.md; 2025 on must be entered by the user.
# An entered limit is at most 10 million kr. (the real ones are about 100.000): inf, nan and 1e300 load from TOML
# but overflow the øre sums.
ASSET_LIMIT_MAX = 10_000_000
DEFAULT_ASSET_LIMITS: dict[int, int] = {2019: 87_700, 2020: 89_800, 2021: 91_900, 2022: 93_000,
                                        2023: 95_800, 2024: 99_200}

# Default document-category rules (KP's category list is an open question: adjust to your KP).
DEFAULT_CATEGORY_RULES: list[dict[str, str]] = [
    {"title_pattern": r"ansøgning|ansoegning", "category": "Ansøgning"},
    {"title_pattern": r"erklæring|erklaering|lægeerkl", "category": "Erklæring"},
    {"title_pattern": r"bevilling|afgørelse|afgoerelse|tilsagn", "category": "Afgørelse"},
    {"title_pattern": r"faktura|regning|kvittering", "category": "Faktura"},
    {"title_pattern": r"overslag|prisoverslag", "category": "Overslag"},
    {"title_pattern": r"notat", "category": "Notat"},
    {"type_pattern": r"^notat$", "category": "Notat"},
]

DEFAULT_CLOSING_NOTE = (
    "Sagen er lukket i ESDH, fordi bevillingen af udvidet helbredstillæg til fodbehandling er konverteret "
    "til Kommunernes Pensionssystem (KP). Sagen behandles i KP fra {startdato}."
)
CLOSING_NOTE_FIELDS = ("sagsnr", "startdato", "ansoegningsdato", "kommune", "batch")

UNCATEGORISED = "Skal vurderes"


@dataclass(frozen=True)
class CategoryRule:
    category: str
    title_pattern: Pattern | None
    type_pattern: Pattern | None


@dataclass(frozen=True)
class Selection:
    """`[selection]`: which cases are running foot-care grants."""

    foot_care_pattern: Pattern
    match_fields: tuple[str, ...]
    active_statuses: tuple[str, ...]
    include_time_limited: bool


@dataclass(frozen=True)
class Criteria:
    """`[criteria]` and `[asset_limits]`: what KP's objective criteria are checked against."""

    eligible_pension_types: tuple[str, ...]
    asset_limits: dict[int, int]


@dataclass(frozen=True)
class Config:
    source: Path | None
    batch_name: str
    municipality: str
    cutover_date: dt.date
    output_folder: Path
    inputs: dict[str, InputSpec]
    selection: Selection
    criteria: Criteria
    category_rules: tuple[CategoryRule, ...]
    closing_note_template: str
    pad_nine_digit_cpr: bool
    raw: dict[str, Any]  # the config as used (for the manifest)
    letter: LetterSettings = field(default_factory=LetterSettings)  # [letter]: price agreement, letter text
    order: OrderSettings = field(default_factory=OrderSettings)  # [order]: the conversion order to Netcompany
    planning: PlanSettings = field(default_factory=lambda: parse_planning({}, Path(), list(FLAGS)))  # [planning]


# ---- the schema of the TOML file: section -> key -> (type, default) --------------------------------

_SCHEMA: dict[str, Schema] = {
    "batch": {
        "name": (str, "Konvertering af fodbehandling"),
        "municipality": (str, ""),
        "cutover_date": ((str, dt.date), REQUIRED),
        "output_folder": (str, "output"),
    },
    "selection": {
        "foot_care_pattern": (str, r"fodbehandling|fodpleje|fodterapi"),
        "match_fields": (list, ["benefit", "title"]),
        "active_statuses": (list, ["Aktiv", "Åben", "Igangværende", "Under behandling"]),
        "include_time_limited": (bool, False),
    },
    "criteria": {
        "eligible_pension_types": (list, ["Folkepension", "Førtidspension (før 2003)"]),
    },
    "closing_note": {"template": (str, DEFAULT_CLOSING_NOTE)},
    "parsing": {"pad_nine_digit_cpr": (bool, True)},
    "letter": LETTER_SCHEMA,
    "order": ORDER_SCHEMA,
}
_TOP_LEVEL = {"batch", "input", "selection", "criteria", "asset_limits", "document_categories",
              "closing_note", "parsing", "letter", "order", "reconcile", "planning"}


def _parse_category_rules(rules: Any) -> tuple[CategoryRule, ...]:
    if not isinstance(rules, list):
        raise ConfigError("'document_categories' skal være en liste af [[document_categories]]-tabeller")
    out = []
    for i, rule in enumerate(rules, start=1):
        where = f"document_categories[{i}]."
        if not isinstance(rule, dict):
            raise ConfigError(f"'document_categories[{i}]' skal være en tabel")
        d = check_section(rule, {"category": (str, REQUIRED), "title_pattern": (str, ""),
                                 "type_pattern": (str, "")}, where)
        if not d["title_pattern"] and not d["type_pattern"]:
            raise ConfigError(f"'{where[:-1]}' skal have 'title_pattern' og/eller 'type_pattern'")
        out.append(CategoryRule(
            category=d["category"].strip(),
            title_pattern=compile_pattern(d["title_pattern"], where + "title_pattern") if d["title_pattern"] else None,
            type_pattern=compile_pattern(d["type_pattern"], where + "type_pattern") if d["type_pattern"] else None,
        ))
    return tuple(out)


def _parse_asset_limits(data: Any) -> dict[int, int]:
    if not isinstance(data, dict):
        raise ConfigError("'asset_limits' skal være en tabel: år = grænse i kr.")
    limits = dict(DEFAULT_ASSET_LIMITS)
    for year, limit in data.items():
        if not re.fullmatch(r"(19|20)\d\d", str(year)):
            raise ConfigError(f"'asset_limits.{year}': nøglen skal være et årstal, fx 2025")
        kr = check_number(limit, f"asset_limits.{year}", low=1, high=ASSET_LIMIT_MAX, unit="kr.",
                          what="et positivt beløb i kr.", hint="skriv grænsen i hele kroner, fx 2025 = 102600")
        limits[int(year)] = int(round(kr))
    return limits


MAX_NOTE_TEMPLATE = 5_000  # a closing note is a paragraph; with the case's own values it stays far below a cell's
MAX_NAME = 200  # batch name and municipality: they go into page headers, titles and every closing note


def _short(text: str, key: str) -> str:
    if len(text) > MAX_NAME:
        raise ConfigError(f"'{key}' er {len(text)} tegn; højst {MAX_NAME}", hint="skriv et kort navn")
    return text


def _check_template(template: str) -> str:
    if len(template) > MAX_NOTE_TEMPLATE:
        raise ConfigError(f"'closing_note.template' er {len(template):,} tegn; et lukkenotat må højst være "
                          f"{MAX_NOTE_TEMPLATE:,} tegn".replace(",", "."),
                          hint="et lukkenotat er et kort afsnit – det skal kunne stå i én celle i Excel og i ESDH")
    for name in template_fields(template, "closing_note.template"):
        if name not in CLOSING_NOTE_FIELDS:
            raise unknown_key(name, list(CLOSING_NOTE_FIELDS), "closing_note.template: {")
    return template


def _one_file_several_sheets(inputs: dict[str, InputSpec]) -> dict[str, InputSpec]:
    """Tables from one workbook on different sheets are fine (Acadre exports cases and documents to one file);
    the same file and sheet twice is not. Each such input is named with its sheet ('acadre.xlsx [Dokumenter]')
    in messages and the ledger, so every record keeps a distinct origin."""
    by_path: dict[Path, list[str]] = {}
    for t, spec in inputs.items():
        by_path.setdefault(spec.path, []).append(t)
    out = dict(inputs)
    for tables in (ts for ts in by_path.values() if len(ts) > 1):
        sheets = [inputs[t].sheet for t in tables]
        if "" in sheets or len(set(sheets)) < len(sheets):
            first, second = tables[0], tables[1]
            raise ConfigError(f"Samme fil er angivet to gange: input.{first} og input.{second} ({inputs[second].name})"
                              + ("" if "" in sheets else f", begge med arket '{inputs[first].sheet}'"),
                              hint="er tabellerne på hvert sit ark i samme projektmappe, så skriv arkets navn i "
                                   f"input.{first}.sheet og input.{second}.sheet")
        for t in tables:
            out[t] = replace(inputs[t], display=f"{inputs[t].name} [{inputs[t].sheet}]")
    return out


def config_from_dict(data: dict[str, Any], base: Path, source: Path | None = None) -> Config:
    for key in data:
        if key not in _TOP_LEVEL:
            raise unknown_key(key, _TOP_LEVEL, "")
    sections = {name: check_section(as_table(data.get(name, {}), name), schema, f"{name}.")
                for name, schema in _SCHEMA.items()}
    inputs_raw = as_table(data.get("input", {}), "input")
    for key in inputs_raw:
        if key not in SCHEMAS:
            raise unknown_key(key, set(SCHEMAS), "input.")
    if "cases" not in inputs_raw:
        raise ConfigError("Konfigurationen mangler '[input.cases]' med stien til sagsudtrækket")
    inputs: dict[str, InputSpec] = {t: parse_input(t, inputs_raw[t], base) for t in ESDH_TABLES if t in inputs_raw}
    inputs = _one_file_several_sheets(inputs)

    sel = sections["selection"]
    for f in sel["match_fields"]:
        if f not in ("benefit", "title"):
            raise ConfigError(f"'selection.match_fields' må kun indeholde 'benefit' og 'title', ikke {f!r}")
    for key in ("active_statuses", "match_fields"):
        if not all(isinstance(x, str) for x in sel[key]):
            raise ConfigError(f"'selection.{key}' skal være en liste af tekster")
    crit = sections["criteria"]
    if not all(isinstance(x, str) for x in crit["eligible_pension_types"]):
        raise ConfigError("'criteria.eligible_pension_types' skal være en liste af tekster")

    batch = sections["batch"]
    config = Config(
        source=source,
        batch_name=_short(batch["name"], "batch.name"),
        municipality=_short(batch["municipality"], "batch.municipality"),
        cutover_date=parse_date(batch["cutover_date"]),
        output_folder=resolved(base / batch["output_folder"]),
        inputs=inputs,
        selection=Selection(
            foot_care_pattern=compile_pattern(sel["foot_care_pattern"], "selection.foot_care_pattern"),
            match_fields=tuple(sel["match_fields"]),
            active_statuses=tuple(s.strip() for s in sel["active_statuses"]),
            include_time_limited=sel["include_time_limited"]),
        criteria=Criteria(eligible_pension_types=tuple(s.strip() for s in crit["eligible_pension_types"]),
                          asset_limits=_parse_asset_limits(data.get("asset_limits", {}))),
        category_rules=_parse_category_rules(data.get("document_categories", DEFAULT_CATEGORY_RULES)),
        closing_note_template=_check_template(sections["closing_note"]["template"]),
        pad_nine_digit_cpr=sections["parsing"]["pad_nine_digit_cpr"],
        raw=data,
        letter=parse_letter(sections["letter"]),
        order=parse_order(sections["order"], base),
        planning=parse_planning(data.get("planning", {}), base, list(FLAGS)),
    )
    if "reconcile" in data or {"kp_report", "esdh_export"} & set(inputs_raw):
        reconcile_settings(config)  # checked on load, so a mistake in [reconcile] also stops `run`
    return config


def reconcile_settings(config: Config, *, kp_report: Path | None = None, esdh_export: Path | None = None,
                       worksheet: Path | None = None, out_dir: Path | None = None, order_extract: Path | None = None,
                       pilot: bool = False) -> ReconcileSettings:
    """The settings of `kp-convert reconcile`: `[reconcile]` and its inputs, with command-line overrides."""
    return build_reconcile_settings(
        config.raw, config.source.parent if config.source else Path.cwd(),
        output_folder=config.output_folder, closing_note_template=config.closing_note_template,
        active_statuses=config.selection.active_statuses, pad_nine_digit_cpr=config.pad_nine_digit_cpr,
        include_time_limited=config.selection.include_time_limited,
        kp_report=kp_report, esdh_export=esdh_export, worksheet=worksheet, out_dir=out_dir,
        order_extract=order_extract, pilot=pilot, documents_ordered=config.order.convert_documents is not False)


def load_config(path: Path | str) -> Config:
    path = Path(path)
    try:
        data_bytes = path.read_bytes()
        text = data_bytes.decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"Konfigurationsfilen findes ikke: {path}",
                          hint="lav en skabelon med 'kp-convert init'") from None
    except UnicodeDecodeError as exc:
        line = data_bytes[:exc.start].count(b"\n") + 1
        raise ConfigError(f"Konfigurationsfilen {path.name} er ikke gemt som UTF-8 (ugyldigt tegn på linje {line})",
                          hint="gem filen som UTF-8 (i Notesblok: Gem som → Kodning: UTF-8)") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # the OS's own words for it are English ("Too many levels of symbolic links")
            raise ConfigError(f"Konfigurationsfilen findes ikke eller er et symbolsk link i ring: {path}") from None
        raise ConfigError(f"Konfigurationsfilen kan ikke læses: {path} ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Konfigurationsfilen {path.name} er ikke gyldig TOML: {exc}") from None
    return config_from_dict(data, base=resolved(path).parent, source=resolved(path))
