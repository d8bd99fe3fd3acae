"""Settings of `kp-convert reconcile`: the `[reconcile]` section, `[input.kp_report]`, `[input.esdh_export]`.

Checked like the rest of the configuration (unknown keys suggest the nearest, wrong types name the key).
Paths given on the command line override the configured ones. KP's case-type names are an open question:
the rule that recognises foot care in KP is a labelled default, and the expected names are empty (not checked)
until the user enters them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from schemas import TableName, fields_of

from ..errors import ConfigError
from .inputs import InputSpec, parse_input
from .pattern import Pattern, compile_pattern
from .toml import Schema, check_section, resolved

DEFAULT_KP_FOOT_CARE_PATTERN = r"fodbehandling|fodpleje|fodterapi"  # default: KP's case-type names are open
DEFAULT_CLOSING_NOTE_MARKER = "behandles i KP"  # default: a phrase of the default closing note
KP_MATCH_FIELDS = ("case_type", "title")

_SECTION: Schema = {
    "worksheet": (str, ""),
    "output_folder": (str, ""),
    "foot_care_pattern": (str, DEFAULT_KP_FOOT_CARE_PATTERN),
    "match_fields": (list, list(KP_MATCH_FIELDS)),
    "expected_case_type": (str, ""),
    "expected_title": (str, ""),
    "ignore_statuses": (list, []),
    "closing_note_marker": (str, DEFAULT_CLOSING_NOTE_MARKER),
}


@dataclass(frozen=True)
class ReconcileSettings:
    kp_report: InputSpec | None  # None: not configured and not given on the command line
    esdh_export: InputSpec | None  # optional
    worksheet: Path
    output_folder: Path | None  # None: the worksheet's folder
    foot_care_pattern: Pattern
    match_fields: tuple[str, ...]
    expected_case_type: str  # "" = not checked
    expected_title: str  # "" = not checked
    ignore_statuses: tuple[str, ...]
    closing_note_marker: str
    active_statuses: tuple[str, ...]  # from [selection]: an ESDH case with one of these is still open
    pad_nine_digit_cpr: bool
    include_time_limited: bool
    defaults_used: tuple[str, ...]  # keys whose value is the labelled default (marked "standard" in the report)
    # an ordered conversion (`--order`): only the cases of the order's extract (`--pilot`: of its test conversion)
    # are expected; Netcompany created them, so the checklist's "Oprettet i KP" is not checked
    order_extract: Path | None = None
    pilot: bool = False
    documents_ordered: bool = True  # [order] convert_documents is not false: the return file's counts are compared


def _input(table: TableName, section: Any, cli_path: Path | None, base: Path,
           inherited_columns: dict[str, str] | None = None) -> InputSpec | None:
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"'input.{table}' skal være en tabel ([input.{table}])")
    data = dict(section or {})
    if inherited_columns:
        own = data.get("columns", {})
        if isinstance(own, dict):
            data["columns"] = {**inherited_columns, **own}
    if cli_path is not None:
        data["path"] = str(resolved(Path(cli_path)))  # relative to where the command runs, not to the config
    if "path" not in data:
        parse_input(table, {**data, "path": "-"}, base)  # still check the other keys
        return None
    spec = parse_input(table, data, base)
    return replace(spec, display=str(cli_path).replace("\\", "/")) if cli_path is not None else spec


def build_reconcile_settings(raw_config: dict[str, Any], base: Path, *, output_folder: Path,
                             closing_note_template: str, active_statuses: tuple[str, ...], pad_nine_digit_cpr: bool,
                             include_time_limited: bool, kp_report: Path | None = None,
                             esdh_export: Path | None = None, worksheet: Path | None = None,
                             out_dir: Path | None = None, order_extract: Path | None = None, pilot: bool = False,
                             documents_ordered: bool = True) -> ReconcileSettings:
    """Check `[reconcile]` and its inputs in the raw configuration; the path arguments are command-line overrides.
    (Called through `convert.settings.batch.reconcile_settings(config, …)`, which fills in the batch's values.)"""
    raw = raw_config.get("reconcile", {})
    if not isinstance(raw, dict):
        raise ConfigError("'reconcile' skal være en tabel ([reconcile])")
    d = check_section(raw, _SECTION, "reconcile.")
    inputs = raw_config.get("input", {})
    cases_columns = inputs.get("cases", {}).get("columns", {}) if isinstance(inputs.get("cases"), dict) else {}
    esdh_fields = {f.name for f in fields_of("esdh_export")}
    # the export after conversion has the cases export's headers: reuse its mapping for the shared fields
    inherited = {k: v for k, v in cases_columns.items() if k in esdh_fields} if isinstance(cases_columns, dict) else {}

    for f in d["match_fields"]:
        if f not in KP_MATCH_FIELDS:
            raise ConfigError(f"'reconcile.match_fields' må kun indeholde 'case_type' og 'title', ikke {f!r}")
    if not d["match_fields"]:
        raise ConfigError("'reconcile.match_fields' må ikke være tom", hint='brug fx ["case_type", "title"]')
    if not all(isinstance(x, str) for x in d["ignore_statuses"]):
        raise ConfigError("'reconcile.ignore_statuses' skal være en liste af tekster")
    marker = d["closing_note_marker"].strip()
    esdh_spec = _input("esdh_export", inputs.get("esdh_export"), esdh_export, base, inherited)
    if esdh_spec is not None:
        if not marker:
            raise ConfigError("'reconcile.closing_note_marker' må ikke være tom, når ESDH-udtrækket kontrolleres",
                              hint=f'brug fx "{DEFAULT_CLOSING_NOTE_MARKER}"')
        if squash(marker) not in squash(closing_note_template):
            raise ConfigError(f"'reconcile.closing_note_marker' = {marker!r} står ikke i closing_note.template, så "
                              "lukkenotaterne kan ikke genkendes", hint="vælg en fast tekst fra jeres lukkenotat")

    if pilot and order_extract is None:
        raise ConfigError("--pilot afstemmer prøvekonverteringen i en bestilling og kræver --order",
                          hint="angiv bestillingens udtræk: --order bestilling_data.xlsx")
    if worksheet is not None:
        sheet_path = resolved(Path(worksheet))
    elif d["worksheet"]:
        sheet_path = resolved(base / d["worksheet"])
    else:
        sheet_path = output_folder / "konverteringsark.xlsx"  # = worksheet.WORKSHEET_NAME (no pandas here)
    if out_dir is not None:
        output: Path | None = resolved(Path(out_dir))
    else:
        output = resolved(base / d["output_folder"]) if d["output_folder"] else None
    return ReconcileSettings(
        kp_report=_input("kp_report", inputs.get("kp_report"), kp_report, base),
        esdh_export=esdh_spec,
        worksheet=sheet_path,
        output_folder=output,
        foot_care_pattern=compile_pattern(d["foot_care_pattern"], "reconcile.foot_care_pattern"),
        match_fields=tuple(dict.fromkeys(d["match_fields"])),
        expected_case_type=d["expected_case_type"].strip(),
        expected_title=d["expected_title"].strip(),
        ignore_statuses=tuple(s.strip() for s in d["ignore_statuses"]),
        closing_note_marker=marker,
        active_statuses=active_statuses,
        pad_nine_digit_cpr=pad_nine_digit_cpr,
        include_time_limited=include_time_limited,
        defaults_used=tuple(k for k in ("foot_care_pattern", "closing_note_marker") if d[k] == _SECTION[k][1]),
        order_extract=resolved(Path(order_extract)) if order_extract is not None else None,
        pilot=pilot, documents_ordered=documents_ordered,
    )


def squash(text: str) -> str:
    """Case and runs of whitespace ignored: ESDH systems re-wrap a journal note's text."""
    return " ".join(text.split()).casefold()
