"""Batch configuration: one TOML file per conversion batch, validated on load.

Every key is checked: an unknown key is an error that suggests the nearest valid key, a wrong type names
the key and the expected type. Paths are relative to the config file. Defaults that stand in for facts
we could not confirm (KP's category names, asset limits after 2024) are labelled as defaults.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .fields import ESDH_TABLES, FIELDS, TableName
from .order_config import LETTER_SCHEMA, ORDER_SCHEMA, LetterSettings, OrderSettings, parse_letter, parse_order

if TYPE_CHECKING:
    from .plan_settings import PlanSettings

# Confirmed asset limits (formuegrænse, kr.) from DOMAIN.md; 2025 on must be entered by the user.
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
class InputSpec:
    table: TableName
    path: Path
    encoding: str = "auto"
    delimiter: str = "auto"
    sheet: str = ""
    header_row: int = 0  # 0 = detect
    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> header in the file
    display: str = ""  # the path as written in the config: names the file in messages and the ledger

    @property
    def name(self) -> str:
        return self.display or self.path.name


@dataclass(frozen=True)
class CategoryRule:
    category: str
    title_pattern: re.Pattern[str] | None
    type_pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class Config:
    source: Path | None
    batch_name: str
    municipality: str
    cutover_date: dt.date
    output_folder: Path
    inputs: dict[str, InputSpec]
    foot_care_pattern: re.Pattern[str]
    match_fields: tuple[str, ...]
    active_statuses: tuple[str, ...]
    include_time_limited: bool
    eligible_pension_types: tuple[str, ...]
    asset_limits: dict[int, int]
    category_rules: tuple[CategoryRule, ...]
    closing_note_template: str
    pad_nine_digit_cpr: bool
    raw: dict[str, Any]  # the config as used (for the manifest)
    letter: LetterSettings = field(default_factory=LetterSettings)  # [letter]: price agreement, letter text
    order: OrderSettings = field(default_factory=OrderSettings)  # [order]: the conversion order to Netcompany
    planning: PlanSettings = field(default_factory=lambda: _planning({}, Path()))  # [planning]: the manual plan


# ---- the schema of the TOML file: section -> key -> (type, default) --------------------------------

_REQUIRED = object()
_INPUT_KEYS: dict[str, tuple[type | tuple[type, ...], Any]] = {
    "path": (str, _REQUIRED),
    "encoding": (str, "auto"),
    "delimiter": (str, "auto"),
    "sheet": (str, ""),
    "header_row": (int, 0),
    "columns": (dict, {}),
}
_SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], Any]]] = {
    "batch": {
        "name": (str, "Konvertering af fodbehandling"),
        "municipality": (str, ""),
        "cutover_date": ((str, dt.date), _REQUIRED),
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
_ENCODINGS = {"auto", "utf-8", "utf-8-sig", "cp1252", "windows-1252", "iso-8859-1", "latin-1", "utf-16"}
_DELIMITERS = {"auto": "auto", ";": ";", ",": ",", "\t": "\t", "tab": "\t", "|": "|"}


def _unknown(key: str, valid: set[str] | list[str], where: str) -> ConfigError:
    near = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.5)
    hint = f"mente du '{near[0]}'?" if near else f"gyldige nøgler: {', '.join(sorted(valid))}"
    return ConfigError(f"Ukendt nøgle '{where}{key}' i konfigurationen", hint=hint)


def _type_name(t: type | tuple[type, ...]) -> str:
    names = {str: "tekst", int: "heltal", bool: "true/false", list: "liste", dict: "tabel", dt.date: "dato"}
    ts = t if isinstance(t, tuple) else (t,)
    return " eller ".join(names.get(x, x.__name__) for x in ts)


def _check_section(data: dict[str, Any], schema: dict[str, tuple[Any, Any]], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in data:
        if key not in schema:
            raise _unknown(key, set(schema), where)
    for key, (typ, default) in schema.items():
        if key not in data:
            if default is _REQUIRED:
                raise ConfigError(f"Nøglen '{where}{key}' mangler i konfigurationen")
            out[key] = default
            continue
        value = data[key]
        # bool is an int subclass: don't let `true` pass as a header_row
        if (isinstance(value, bool) and typ is int) or not isinstance(value, typ):
            raise ConfigError(f"'{where}{key}' skal være {_type_name(typ)}, men er {value!r}")
        out[key] = value
    return out


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"'{where}' er ikke et gyldigt regulært udtryk: {pattern!r} ({exc})") from None


def parse_cutover(value: str | dt.date, where: str = "batch.cutover_date") -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ConfigError(f"'{where}' er ikke en gyldig dato: {value!r}", hint="skriv fx 2027-01-04 eller 04-01-2027")


def _parse_input(table: str, data: Any, base: Path) -> InputSpec:
    where = f"input.{table}."
    if not isinstance(data, dict):
        raise ConfigError(f"'input.{table}' skal være en tabel med mindst 'path'")
    d = _check_section(data, _INPUT_KEYS, where)
    if d["encoding"].lower() not in _ENCODINGS:
        raise ConfigError(f"'{where}encoding' er ukendt: {d['encoding']!r}",
                          hint=f"brug en af {', '.join(sorted(_ENCODINGS))}")
    if d["delimiter"] not in _DELIMITERS:
        raise ConfigError(f"'{where}delimiter' er ukendt: {d['delimiter']!r}", hint="brug auto, ';', ',' eller tab")
    if d["header_row"] < 0:
        raise ConfigError(f"'{where}header_row' skal være 0 (find selv) eller et rækkenummer fra 1")
    valid_fields = {f.name for f in FIELDS[table]}  # type: ignore[index]
    columns: dict[str, str] = {}
    for canon, header in d["columns"].items():
        if canon not in valid_fields:
            raise _unknown(canon, valid_fields, f"{where}columns.")
        if not isinstance(header, str) or not header.strip():
            raise ConfigError(f"'{where}columns.{canon}' skal være overskriften i filen (tekst)")
        columns[canon] = header
    return InputSpec(table=table, path=(base / d["path"]).resolve(), encoding=d["encoding"].lower(),  # type: ignore[arg-type]
                     delimiter=_DELIMITERS[d["delimiter"]], sheet=d["sheet"], header_row=d["header_row"],
                     columns=columns, display=d["path"].replace("\\", "/"))


def _parse_category_rules(rules: Any) -> tuple[CategoryRule, ...]:
    if not isinstance(rules, list):
        raise ConfigError("'document_categories' skal være en liste af [[document_categories]]-tabeller")
    out = []
    for i, rule in enumerate(rules, start=1):
        where = f"document_categories[{i}]."
        if not isinstance(rule, dict):
            raise ConfigError(f"'document_categories[{i}]' skal være en tabel")
        d = _check_section(rule, {"category": (str, _REQUIRED), "title_pattern": (str, ""),
                                  "type_pattern": (str, "")}, where)
        if not d["title_pattern"] and not d["type_pattern"]:
            raise ConfigError(f"'{where[:-1]}' skal have 'title_pattern' og/eller 'type_pattern'")
        out.append(CategoryRule(
            category=d["category"].strip(),
            title_pattern=_compile(d["title_pattern"], where + "title_pattern") if d["title_pattern"] else None,
            type_pattern=_compile(d["type_pattern"], where + "type_pattern") if d["type_pattern"] else None,
        ))
    return tuple(out)


def _parse_asset_limits(data: Any) -> dict[int, int]:
    if not isinstance(data, dict):
        raise ConfigError("'asset_limits' skal være en tabel: år = grænse i kr.")
    limits = dict(DEFAULT_ASSET_LIMITS)
    for year, limit in data.items():
        if not re.fullmatch(r"(19|20)\d\d", str(year)):
            raise ConfigError(f"'asset_limits.{year}': nøglen skal være et årstal, fx 2025")
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit <= 0:
            raise ConfigError(f"'asset_limits.{year}' skal være et positivt beløb i kr., men er {limit!r}")
        limits[int(year)] = int(round(limit))
    return limits


def _check_template(template: str) -> str:
    try:
        names = [n for _, n, _, _ in string.Formatter().parse(template) if n is not None]
    except ValueError as exc:
        raise ConfigError(f"'closing_note.template' kan ikke læses: {exc}",
                          hint="brug {{ og }} for krøllede parenteser i teksten") from None
    for name in names:
        if name not in CLOSING_NOTE_FIELDS:
            raise _unknown(name, list(CLOSING_NOTE_FIELDS), "closing_note.template: {")
    return template


def config_from_dict(data: dict[str, Any], base: Path, source: Path | None = None) -> Config:
    for key in data:
        if key not in _TOP_LEVEL:
            raise _unknown(key, _TOP_LEVEL, "")
    sections = {name: _check_section(_as_table(data.get(name, {}), name), schema, f"{name}.")
                for name, schema in _SCHEMA.items()}
    inputs_raw = _as_table(data.get("input", {}), "input")
    for key in inputs_raw:
        if key not in FIELDS:
            raise _unknown(key, set(FIELDS), "input.")
    if "cases" not in inputs_raw:
        raise ConfigError("Konfigurationen mangler '[input.cases]' med stien til sagsudtrækket")
    inputs = {t: _parse_input(t, inputs_raw[t], base) for t in ESDH_TABLES if t in inputs_raw}
    seen: dict[Path, str] = {}
    for t, spec in inputs.items():
        if spec.path in seen:
            raise ConfigError(f"Samme fil er angivet to gange: input.{seen[spec.path]} og input.{t} ({spec.name})")
        seen[spec.path] = t

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
        batch_name=batch["name"],
        municipality=batch["municipality"],
        cutover_date=parse_cutover(batch["cutover_date"]),
        output_folder=(base / batch["output_folder"]).resolve(),
        inputs=inputs,
        foot_care_pattern=_compile(sel["foot_care_pattern"], "selection.foot_care_pattern"),
        match_fields=tuple(sel["match_fields"]),
        active_statuses=tuple(s.strip() for s in sel["active_statuses"]),
        include_time_limited=sel["include_time_limited"],
        eligible_pension_types=tuple(s.strip() for s in crit["eligible_pension_types"]),
        asset_limits=_parse_asset_limits(data.get("asset_limits", {})),
        category_rules=_parse_category_rules(data.get("document_categories", DEFAULT_CATEGORY_RULES)),
        closing_note_template=_check_template(sections["closing_note"]["template"]),
        pad_nine_digit_cpr=sections["parsing"]["pad_nine_digit_cpr"],
        raw=data,
        letter=parse_letter(sections["letter"]),
        order=parse_order(sections["order"], base),
        planning=_planning(data.get("planning", {}), base),
    )
    if "reconcile" in data or {"kp_report", "esdh_export"} & set(inputs_raw):
        from .reconcile.settings import reconcile_settings
        reconcile_settings(config)  # checked on load, so a mistake in [reconcile] also stops `run`
    return config


def _planning(data: Any, base: Path) -> PlanSettings:
    from .compute import FLAGS  # compute imports this module
    from .plan_settings import parse_planning

    return parse_planning(data, base, list(FLAGS))


def _as_table(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"'{name}' skal være en tabel ([{name}])")
    return value


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
        raise ConfigError(f"Konfigurationsfilen kan ikke læses: {path} ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Konfigurationsfilen {path.name} er ikke gyldig TOML: {exc}") from None
    return config_from_dict(data, base=path.resolve().parent, source=path.resolve())


def template_text() -> str:
    """The fully commented configuration template written by `kp-convert init`."""
    return (Path(__file__).parent / "templates" / "kp-convert.toml").read_text(encoding="utf-8")
