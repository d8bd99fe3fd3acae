"""Personal data: CPR never on the console, and pseudonymised outputs for sharing a batch with a supplier.

A pseudonym is `PS-` + the first 16 hex digits of HMAC-SHA256(key, CPR), in groups of four. Without the key it cannot be reversed
(an unkeyed hash of the few million possible CPR numbers could be, by trying them all); with the same key the same
CPR always gives the same pseudonym, so a supplier's questions can be traced back by the municipality. The key is
32 random bytes in a key file that stays with the user (made on first use, readable by the owner only).
Pseudonymised data is still personal data under the GDPR: share it by a secure channel, never with the key.

What changes: every CPR number in any text, in any spelling `convert.privacy.CPR_IN_TEXT` knows (and a batch
citizen's number that lost its leading 0), becomes its pseudonym; a masked one (DDMMYY-xxxx) is removed; the
citizen's own name is removed from every free-text column and from case and document numbers, also possessive and as
joined in file names; every path (input files, folders in the configuration) becomes its last part.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

import pandas as pd

from .batch import Batch
from .errors import ConfigError, OutputError
from .privacy import CPR_IN_TEXT, MASKED_IN_TEXT, cpr_digits, remove_name
from .write.worksheet.layout import WORKSHEET_NAME

KEY_FILE_NAME = "kp-convert.key"
PREFIX = "PS-"
REMOVED = "[fjernet]"
MASKED_CPR = "[CPR]"
FOLDER_SUFFIX = "-pseudonymiseret"
SOURCE_FILE = "source_file"
PATH_KEYS = frozenset({"path", "output_folder", "documents_folder", "worksheet"})  # config keys that hold a path
# text columns that are not free text; names are removed from all others: titles, file names, notes, and case and
# document numbers (an ESDH may build them from the name; the same name gives the same number in every table)
NOT_FREE_TEXT = frozenset({"cpr", "name", "caseworker", "plan_caseworker", "flag_codes", "plan_status", "category"})
_NINE_DIGITS = re.compile(r"(?<![0-9])[0-9]{9}(?![0-9])")  # a CPR whose leading 0 Excel dropped


# ---- the key -----------------------------------------------------------------------------------------

def default_key_path(config_source: Path | None) -> Path:
    return (config_source.parent if config_source else Path.cwd()) / KEY_FILE_NAME


def pseudonymised_folder(output_folder: Path) -> Path:
    """Where `run --pseudonymise` writes by default: beside the real outputs, never over them."""
    return output_folder.with_name(output_folder.name + FOLDER_SUFFIX)


def resolve_key(key_file: Path | None, config_source: Path | None, out_dir: Path) -> tuple[bytes, Path, bool]:
    """(key, its file, whether it was just made). A given --key-file must exist; the default one is made once."""
    path = Path(key_file) if key_file else default_key_path(config_source)
    if _inside(path, out_dir):
        raise ConfigError(f"Nøglefilen {path} ligger i mappen med de pseudonymiserede filer ({out_dir})",
                          hint="nøglen må aldrig deles med filerne: læg den et andet sted (--key-file)")
    if path.exists():
        return _read_key(path), path, False
    if key_file:
        raise ConfigError(f"Nøglefilen findes ikke: {path} (--key-file)",
                          hint="udelad --key-file for at lave en ny nøgle ved siden af konfigurationen")
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
    except OSError as exc:
        raise OutputError(f"Kan ikke skrive nøglefilen {path} ({exc.strerror})") from None
    return key, path, True


def _read_key(path: Path) -> bytes:
    try:
        text = path.read_bytes().decode("ascii", errors="replace").strip()
    except OSError as exc:
        raise ConfigError(f"Nøglefilen {path} kan ikke læses ({exc.strerror})") from None
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise ConfigError(f"Nøglefilen {path} indeholder ikke en nøgle fra kp-convert (64 hex-cifre)")
    return bytes.fromhex(text)


def _inside(path: Path, folder: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except OSError:
        return False


def key_fingerprint(key: bytes) -> str:
    """Names the key in the manifest without revealing it (which key made these pseudonyms?)."""
    return hmac.new(key, b"kp-convert key fingerprint", hashlib.sha256).hexdigest()[:12]


# ---- pseudonyms --------------------------------------------------------------------------------------

def pseudonym(cpr: str, key: bytes) -> str:
    """'PS-3F9A-2C4E-1B7D-8A06': groups of four, so a pseudonym never holds ten digits in a row (like a CPR)."""
    digits = cpr.replace("-", "").replace(" ", "")
    h = hmac.new(key, digits.encode("ascii", "replace"), hashlib.sha256).hexdigest()[:16].upper()
    return PREFIX + "-".join(h[i:i + 4] for i in range(0, 16, 4))


def _scrub(text: object, key: bytes, nine_digit: frozenset[str] = frozenset()) -> object:
    """CPR numbers in any spelling (and a known citizen's CPR that lost its leading 0) as their pseudonyms;
    masked CPRs (DDMMYY-xxxx) removed, as they still tell the birth date."""
    if not isinstance(text, str):
        return text
    text = CPR_IN_TEXT.sub(lambda m: pseudonym(cpr_digits(m), key), text)
    if nine_digit:
        text = _NINE_DIGITS.sub(lambda m: pseudonym("0" + m.group(0), key) if m.group(0) in nine_digit
                                else m.group(0), text)
    return MASKED_IN_TEXT.sub(MASKED_CPR, text)


def _scrub_series(s: pd.Series, key: bytes, nine_digit: frozenset[str] = frozenset()) -> pd.Series:
    return s.map(lambda v: _scrub(v, key, nine_digit), na_action="ignore").astype(s.dtype)


def _remove_names(text: pd.Series, names: pd.Series) -> pd.Series:
    """Each text without the words of its own citizen's name, also possessive and as joined in a file name
    (best effort: titles and file names often carry the name)."""
    values = [remove_name(t, n, REMOVED) if isinstance(t, str) and isinstance(n, str) else t
              for t, n in zip(text.to_numpy(dtype=object), names.to_numpy(dtype=object), strict=True)]
    return pd.Series(values, index=text.index, dtype=text.dtype)


def file_name(display: str) -> str:
    """'C:\\Users\\hans\\sager.xlsx [Ark1]' -> 'sager.xlsx [Ark1]': a folder path may name the user."""
    return display.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _config_without_folders(value: object, key: str = "") -> object:
    """The configuration as used, with only the last part of every path (input files, folders, worksheet)."""
    if isinstance(value, dict):
        return {k: _config_without_folders(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_config_without_folders(v) for v in value]
    if key in PATH_KEYS and isinstance(value, str) and value:
        return file_name(value)
    return value


def pseudonymise_batch(batch: Batch, key: bytes) -> Batch:
    """The same batch with CPR numbers as pseudonyms, names removed, CPR-shaped text scrubbed everywhere and file
    names without their folders."""
    cases = batch.cases
    names = cases["name"]
    known = {str(c).replace("-", "").replace(" ", "") for c in cases["cpr"].dropna()}
    nine = frozenset(c[1:] for c in known if len(c) == 10 and c.startswith("0"))
    name_of_case = pd.Series(names.to_numpy(), index=cases["case_id"].to_numpy())
    name_of_case = name_of_case[~name_of_case.index.duplicated()]
    short = {spec.name: file_name(spec.name) for spec in batch.config.inputs.values()}
    text_cols = [c for c in cases.columns if c not in ("cpr", "name", SOURCE_FILE) and _is_text(cases[c])]
    out_cases = cases.assign(
        cpr=cases["cpr"].map(lambda v: pseudonym(v, key), na_action="ignore").astype(cases["cpr"].dtype),
        name=pd.Series(pd.NA, index=cases.index, dtype=cases["name"].dtype),
        **{c: _scrub_series(cases[c], key, nine) for c in text_cols},
        **_short_sources(cases, short))
    out_cases = out_cases.assign(**{c: _remove_names(out_cases[c], names) for c in text_cols if c not in NOT_FREE_TEXT})
    docs = batch.documents
    doc_names = pd.Series(name_of_case.reindex(docs["case_id"].to_numpy()).to_numpy(), index=docs.index)
    doc_text = [c for c in docs.columns if c != SOURCE_FILE and _is_text(docs[c])]
    out_docs = docs.assign(**{c: _scrub_series(docs[c], key, nine) for c in doc_text}, **_short_sources(docs, short))
    out_docs = out_docs.assign(**{c: _remove_names(out_docs[c], doc_names) for c in doc_text
                                  if c not in NOT_FREE_TEXT})
    ledger = batch.ledger
    ledger_names = pd.Series(name_of_case.reindex(ledger["case_id"].to_numpy()).to_numpy(), index=ledger.index)
    ledger = ledger.assign(**{c: _scrub_series(ledger[c], key, nine) for c in ("case_id", "reason")},
                           **_short_sources(ledger, short))
    ledger = ledger.assign(case_id=_remove_names(ledger["case_id"], ledger_names), reason=_remove_names(
        ledger["reason"].str.replace(r"Navn: '[^']*'", f"Navn: '{REMOVED}'", regex=True), ledger_names))
    if out_cases["cpr"].nunique() != cases["cpr"].nunique():  # 64 bits: never, but never silently
        raise RuntimeError("two CPR numbers gave the same pseudonym")
    inputs = {t: _input_facts(info, short, key) for t, info in batch.inputs.items()}
    # the manifest gets file names only: a full path (C:\\Users\\<name>\\…) says more than a supplier needs
    paths = {"config": {"file": batch.config.source.name if batch.config.source else None},
             "inputs": {t: {"path": file_name(str(info["path"]))} for t, info in batch.inputs.items()}}
    raw = _config_without_folders(batch.config.raw)
    config = dataclasses.replace(batch.config, raw=raw if isinstance(raw, dict) else batch.config.raw)
    plan = batch.plan
    if plan is not None and plan.settings.documents_folder is not None:
        plan = dataclasses.replace(plan, settings=dataclasses.replace(
            plan.settings, documents_folder=Path(plan.settings.documents_folder.name)))
    return dataclasses.replace(batch, config=config, cases=out_cases, documents=out_docs, ledger=ledger, inputs=inputs,
                               plan=plan, checklist=None,
                               extensions=(*batch.extensions, PseudonymisedNote(key_fingerprint(key), paths)))


def _short_sources(frame: pd.DataFrame, short: dict[str, str]) -> dict[str, pd.Series]:
    """The source_file column with file names instead of the paths written in the configuration."""
    if SOURCE_FILE not in frame:
        return {}
    return {SOURCE_FILE: frame[SOURCE_FILE].map(lambda v: short.get(v, v) if isinstance(v, str) else v)}


def _input_facts(info: dict[str, Any], short: dict[str, str], key: bytes) -> dict[str, Any]:
    """An input's facts for the Oversigt and the manifest: the file's name without its folder, and warnings that
    name it so (the real path stays in `path`, which the writers use to never overwrite an input)."""
    def shorten(text: str) -> str:
        for full in sorted(short, key=len, reverse=True):
            text = text.replace(full, short[full])
        return str(_scrub(text, key))
    out = dict(info)
    if isinstance(out.get("file"), str):
        out["file"] = short.get(out["file"], file_name(out["file"]))
    if isinstance(out.get("warnings"), list):
        out["warnings"] = [shorten(w) if isinstance(w, str) else w for w in out["warnings"]]
    return out


def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or str(s.dtype).startswith("string")


@dataclasses.dataclass(frozen=True)
class PseudonymisedNote:
    """Says on Oversigt and in the manifest that the files are pseudonymised, and with which key."""

    fingerprint: str
    manifest_paths: dict[str, Any] = dataclasses.field(default_factory=dict)

    def overview_blocks(self) -> list[tuple[str, list[list[object]]]]:
        return [("Pseudonymiseret", [
            ["CPR-numre", f"erstattet af pseudonymer ({PREFIX}…), beregnet med en nøgle der bliver hos kommunen"],
            ["Navne", "fjernet (også fra titler, filnavne og sagsnumre, så vidt borgerens eget navn står der – også i "
                      "ejefald og sat sammen som i et filnavn)"],
            ["Filer", "kun filnavne, ingen mapper (en sti kan nævne brugeren)"],
            ["Nøglens fingeraftryk", self.fingerprint],
            ["Bemærk", "Pseudonymiserede data er stadig personoplysninger: send dem sikkert, og aldrig med nøglen"],
        ])]

    def tables(self) -> list[Any]:
        return []

    def console_lines(self) -> list[str]:
        return [f"Pseudonymiseret: CPR-numre er erstattet af pseudonymer og navne fjernet (nøgle {self.fingerprint})"]

    def manifest(self) -> dict[str, object]:
        return {"pseudonymised": True, "key_fingerprint": self.fingerprint, **self.manifest_paths}


def check_output_folder(folder: Path, *, pseudonymised: bool) -> None:
    """Never mix real and pseudonymised outputs in one folder (the real worksheet holds the team's work)."""
    folder = Path(folder)
    if not (folder / WORKSHEET_NAME).exists():
        return
    try:
        earlier = bool(json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("pseudonymised"))
    except (OSError, ValueError, AttributeError):
        earlier = False  # no readable manifest: treat the worksheet as the real one
    if pseudonymised and not earlier:
        raise OutputError(f"{folder} indeholder det rigtige konverteringsark; de pseudonymiserede filer må ikke "
                          "erstatte det", hint=f"udelad --out (så bruges {folder.name}{FOLDER_SUFFIX}) eller vælg "
                                               "en anden mappe")
    if earlier and not pseudonymised:
        raise OutputError(f"{folder} indeholder pseudonymiserede filer til deling; de rigtige filer skrives ikke dér",
                          hint="vælg en anden mappe med --out")
