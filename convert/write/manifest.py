"""manifest.json: what a run read, used and wrote – the tool version, the configuration as used, every input's
SHA-256 and mapping, counts per outcome and flag, the plan, the staged files and every output's SHA-256."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from .. import __version__
from ..batch import Batch
from ..plan.planning import Plan, plan_summary

MANIFEST_NAME = "manifest.json"


def jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)  # type: ignore[type-var]  # one kind per set: dates or text
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def plan_manifest(plan: Plan | None) -> dict[str, object] | None:
    """The plan's settings and totals; per caseworker their cases and hours."""
    if plan is None:
        return None
    by = plan.by_caseworker
    return {"settings": jsonable({k: v for k, v in vars(plan.settings).items() if k != "caseworkers"} | {
                "caseworkers": [vars(w) for w in plan.settings.caseworkers]}),
            "summary": jsonable(plan_summary(plan)),
            "caseworkers": [{"name": name, "cases": int(cases), "hours": round(float(hours), 4)}
                            for name, cases, hours in zip(by["caseworker"], by["cases"], by["hours"], strict=True)]}


def build_manifest(batch: Batch, sheets: dict[str, list[str]], hashes: dict[str, str], started: float
                   ) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "tool": "kp-convert",
        "version": __version__,
        "run": {"started": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
                "seconds": round(time.time() - started, 3)},
        "config": {"file": str(batch.config.source) if batch.config.source else None,
                   "as_used": jsonable(batch.config.raw),
                   "cutover_date": batch.config.cutover_date.isoformat()},
        "inputs": jsonable(batch.inputs),
        "outcomes": {t: {k: int(v) for k, v in row.items()} for t, row in batch.outcome_counts().iterrows()},
        "flags": {k: int(v) for k, v in sorted(batch.flag_counts().items())},
        "sheets": sheets,
        "plan": plan_manifest(batch.plan),
        "staging": batch.staging.manifest() if batch.staging is not None else None,
        "outputs": hashes,
    }
    for extension in batch.extensions:  # re-run report, pseudonymisation
        _merge(manifest, extension.manifest())
    return manifest


def _merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
