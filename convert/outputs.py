"""Write a run's files into the output folder, all or nothing.

Every file is first written to a temporary name in the same folder; only when all are written are they
renamed into place. A run that fails halfway leaves the previous run's files untouched.
Files are created readable by the owner only (POSIX), since they hold CPR numbers and health data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from pathlib import Path

import pandas as pd

from . import __version__
from .csvout import write_csv
from .errors import OutputError
from .ledger import LEDGER_COLUMNS
from .parsing import format_dates
from .progress import stage

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
    """Temporary files in the output folder, renamed into place together by `commit` (or all put back)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        try:
            _make_private_dirs(self.folder)
            probe = self.folder / f".kp-convert-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise OutputError(f"Resultatmappen kan ikke skrives: {self.folder} ({exc.strerror})",
                              hint="vælg en anden mappe med --out") from None
        self.pending: dict[str, Path] = {}

    def path(self, name: str) -> Path:
        tmp = self.folder / f".{name}.tmp-{os.getpid()}"
        # created owner-only before any data goes in; the writers reopen it and keep the mode
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        self.pending[name] = tmp
        return tmp

    def previous_files(self) -> list[str]:
        return [name for name in self.pending if (self.folder / name).exists()]

    def commit(self) -> dict[str, Path]:
        """Rename every temporary file into place; if one rename fails, the earlier ones are put back."""
        done: dict[str, Path] = {}
        backups: dict[str, Path] = {}
        name = ""
        try:
            for name, tmp in self.pending.items():
                if os.name == "posix":
                    os.chmod(tmp, 0o600)
                final = self.folder / name
                if final.exists():
                    backups[name] = self.folder / f".{name}.previous-{os.getpid()}"
                    os.replace(final, backups[name])
                os.replace(tmp, final)
                done[name] = final
        except OSError as exc:
            restored = self._roll_back(done, backups)
            self.abort()
            state = ("de tidligere filer er lagt tilbage og er urørte" if restored else
                     "de tidligere filer kunne ikke alle lægges tilbage – se efter filer der begynder med "
                     f"'.' og slutter på '.previous-{os.getpid()}'")
            raise OutputError(f"Kunne ikke lægge {name} på plads i {self.folder} ({exc.strerror}); {state}",
                              hint="er filen åben i Excel? Luk den og kør igen") from None
        for backup in backups.values():
            backup.unlink(missing_ok=True)
        self.pending = {}
        return done

    def _roll_back(self, done: dict[str, Path], backups: dict[str, Path]) -> bool:
        try:
            for final in done.values():
                final.unlink(missing_ok=True)
            for name, backup in backups.items():
                os.replace(backup, self.folder / name)
            return True
        except OSError:
            return False

    def abort(self) -> None:
        for tmp in self.pending.values():
            tmp.unlink(missing_ok=True)
        self.pending = {}


def _make_private_dirs(folder: Path) -> None:
    """mkdir -p, every folder it creates readable by the owner only (they will hold CPR numbers)."""
    missing = []
    for p in (folder, *folder.parents):
        if p.exists():
            break
        missing.append(p)
    for p in reversed(missing):
        p.mkdir(mode=0o700, exist_ok=True)


@stage("ledger_csv", "Skriver ledger.csv")
def write_ledger(ledger: pd.DataFrame, path: Path) -> None:
    out = ledger[LEDGER_COLUMNS].copy()
    for col in ("source_file", "case_id", "reason_code", "reason"):
        out[col] = neutralise_series(out[col])
    write_csv(out, path, encoding="utf-8", lineterminator="\n")  # = to_csv(quoting=QUOTE_MINIMAL), column-wise


@stage("notes_csv", "Skriver lukkenotater.csv")
def write_closing_notes(cases: pd.DataFrame, notes: pd.Series, path: Path) -> None:
    frame = pd.DataFrame({"ESDH-sagsnr.": neutralise_series(cases["case_id"]),
                          "Startdato (KP)": format_dates(cases["start_date"]),
                          "Lukkenotat": neutralise_series(notes)})
    write_csv(frame, path, sep=";", encoding="utf-8-sig", lineterminator="\r\n")


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
    import xlsxwriter.exceptions

    from .notes import closing_notes
    from .report import REPORT_NAME, write_report
    from .worksheet import WORKSHEET_NAME, write_worksheet

    started = started if started is not None else time.time()
    _refuse_overwriting_inputs(batch, Path(out_dir))
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
        for extension in batch.extensions:  # re-run report, pseudonymisation
            _merge(manifest, extension.manifest())
        with out.path(MANIFEST_NAME).open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
    except (OSError, xlsxwriter.exceptions.XlsxFileError) as exc:  # disk full, folder gone, file locked …
        previous = out.previous_files()
        out.abort()
        state = (f"de tidligere filer i {out.folder} er urørte ({', '.join(previous)})" if previous
                 else f"der er ikke skrevet nogen filer i {out.folder}")
        raise OutputError(f"Resultatfilerne kunne ikke skrives ({getattr(exc, 'strerror', None) or exc}); {state}",
                          hint="ret årsagen (fx fri plads på drevet) og kør igen") from None
    except BaseException:
        out.abort()  # a bug or Ctrl-C: no half-written files left behind, the previous ones untouched
        raise
    return out.commit()


def _merge(into: dict, more: dict) -> None:  # type: ignore[type-arg]
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _refuse_overwriting_inputs(batch, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """An input file named like an output (say ledger.csv) in the output folder would be overwritten."""
    from .report import REPORT_NAME
    from .worksheet import WORKSHEET_NAME

    inputs = {Path(str(info["path"])).resolve() for info in batch.inputs.values()}
    for name in (WORKSHEET_NAME, NOTES_NAME, LEDGER_NAME, MANIFEST_NAME, REPORT_NAME):
        if (folder / name).resolve() in inputs:
            raise OutputError(f"Inputfilen {folder / name} ville blive overskrevet af resultatfilen {name}",
                              hint="vælg en anden resultatmappe med --out, eller omdøb inputfilen")
