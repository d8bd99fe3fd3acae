"""Write a run's files into the output folder, all or nothing.

Every file is first written to a temporary name in the same folder; only when all are written are they
renamed into place. A run that fails halfway leaves the previous run's files untouched.
Files are created readable by the owner only (POSIX), since they hold CPR numbers and health data.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import time
from pathlib import Path

import pandas as pd

from . import __version__
from .errors import OutputError
from .ledger import LEDGER_COLUMNS

LEDGER_NAME = "ledger.csv"
NOTES_NAME = "lukkenotater.csv"
MANIFEST_NAME = "manifest.json"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Text a spreadsheet could read as a formula gets a leading apostrophe (OWASP CSV-injection advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_series(s: pd.Series) -> pd.Series:
    s = s.astype("string").fillna("")
    risky = s.str.startswith(_FORMULA_START)
    return s.mask(risky, "'" + s)


class OutputSet:
    """Temporary files in the output folder, renamed into place together by `commit`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            probe = self.folder / f".kp-convert-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise OutputError(f"Resultatmappen kan ikke skrives: {self.folder} ({exc.strerror})",
                              hint="vælg en anden mappe med --out") from None
        self.pending: dict[str, Path] = {}

    def path(self, name: str) -> Path:
        tmp = self.folder / f".{name}.tmp-{os.getpid()}"
        self.pending[name] = tmp
        return tmp

    def commit(self) -> dict[str, Path]:
        done: dict[str, Path] = {}
        try:
            for name, tmp in self.pending.items():
                if os.name == "posix":
                    os.chmod(tmp, 0o600)
                final = self.folder / name
                os.replace(tmp, final)
                done[name] = final
        except OSError as exc:
            raise OutputError(f"Kunne ikke lægge {name} på plads i {self.folder} ({exc.strerror})") from None
        self.pending = {}
        return done

    def abort(self) -> None:
        for tmp in self.pending.values():
            tmp.unlink(missing_ok=True)
        self.pending = {}


def write_ledger(ledger: pd.DataFrame, path: Path) -> None:
    out = ledger[LEDGER_COLUMNS].copy()
    for col in ("source_file", "case_id", "reason_code", "reason"):
        out[col] = neutralise_series(out[col])
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)


def write_closing_notes(cases: pd.DataFrame, notes: pd.Series, path: Path) -> None:
    frame = pd.DataFrame({"ESDH-sagsnr.": neutralise_series(cases["case_id"]),
                          "Startdato (KP)": cases["start_date"].dt.strftime("%d-%m-%Y"),
                          "Lukkenotat": neutralise_series(notes)})
    frame.to_csv(path, index=False, sep=";", encoding="utf-8-sig", lineterminator="\r\n")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def plan_manifest(plan) -> dict[str, object] | None:  # type: ignore[no-untyped-def]
    """The plan's settings and totals; per caseworker their cases and hours."""
    if plan is None:
        return None
    from .planning import plan_summary

    return {"settings": _jsonable({k: v for k, v in vars(plan.settings).items() if k != "caseworkers"} | {
                "caseworkers": [vars(w) for w in plan.settings.caseworkers]}),
            "summary": _jsonable(plan_summary(plan)),
            "caseworkers": [{"name": r.caseworker, "cases": int(r.cases), "hours": round(float(r.hours), 4)}
                            for r in plan.by_caseworker.itertuples()]}


def write_outputs(batch, out_dir: Path, *, started: float | None = None) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """Write worksheet, closing notes, ledger and manifest; all renamed into place at the end."""
    from .notes import closing_notes
    from .report import REPORT_NAME, write_report
    from .worksheet import WORKSHEET_NAME, write_worksheet

    started = started if started is not None else time.time()
    out = OutputSet(Path(out_dir))
    try:
        sheets = write_worksheet(batch, out.path(WORKSHEET_NAME))
        write_closing_notes(batch.cases, closing_notes(batch.cases, batch.config), out.path(NOTES_NAME))
        write_ledger(batch.ledger, out.path(LEDGER_NAME))
        write_report(batch, out.path(REPORT_NAME))
        hashes = {name: sha256(tmp) for name, tmp in out.pending.items()}
        manifest = {
            "tool": "kp-convert",
            "version": __version__,
            "run": {"started": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(timespec="seconds"),
                    "seconds": round(time.time() - started, 3)},
            "config": {"file": str(batch.config.source) if batch.config.source else None,
                       "as_used": _jsonable(batch.config.raw),
                       "cutover_date": batch.config.cutover_date.isoformat()},
            "inputs": _jsonable(batch.inputs),
            "outcomes": {t: {k: int(v) for k, v in row.items()} for t, row in batch.outcome_counts().iterrows()},
            "flags": {k: int(v) for k, v in sorted(batch.flag_counts().items())},
            "sheets": sheets,
            "plan": plan_manifest(batch.plan),
            "staging": batch.staging.manifest() if batch.staging is not None else None,
            "outputs": hashes,
        }
        with out.path(MANIFEST_NAME).open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        return out.commit()
    except BaseException:
        out.abort()
        raise
