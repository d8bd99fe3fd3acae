"""Personal data: CPR never on the console, and pseudonymised outputs for sharing a batch with a supplier.

A pseudonym is `PS-` + the first 16 hex digits of HMAC-SHA256(key, CPR), in groups of four. Without the key it cannot be reversed
(an unkeyed hash of the few million possible CPR numbers could be, by trying them all); with the same key the same
CPR always gives the same pseudonym, so a supplier's questions can be traced back by the municipality. The key is
32 random bytes in a key file that stays with the user (made on first use, readable by the owner only).
Pseudonymised data is still personal data under the GDPR: share it by a secure channel, never with the key.

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
from .privacy import CPR_IN_TEXT, MASKED_IN_TEXT
from .write.worksheet.layout import WORKSHEET_NAME

KEY_FILE_NAME = "kp-convert.key"
PREFIX = "PS-"
REMOVED = "[fjernet]"
MASKED_CPR = "[CPR]"
FOLDER_SUFFIX = "-pseudonymiseret"
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


def _scrub(text: object, key: bytes) -> object:
    if not isinstance(text, str):
        return text
    text = CPR_IN_TEXT.sub(lambda m: pseudonym(m.group(1) + m.group(2), key), text)
    return MASKED_IN_TEXT.sub(MASKED_CPR, text)  # a masked CPR still tells the birth date


def _scrub_series(s: pd.Series, key: bytes) -> pd.Series:
    return s.map(lambda v: _scrub(v, key), na_action="ignore").astype(s.dtype)


def _remove_names(text: pd.Series, names: pd.Series) -> pd.Series:
    """Each text without the words of its own citizen's name (best effort: titles often carry the name)."""
    def one(t: object, name: object) -> object:
        if not isinstance(t, str) or not isinstance(name, str):
            return t
        parts = sorted({p for p in re.split(r"[\s,]+", name) if len(p) >= 2}, key=len, reverse=True)
        if not parts:
            return t
        return re.sub(r"\b(?:" + "|".join(map(re.escape, parts)) + r")\b", REMOVED, t, flags=re.IGNORECASE)
    return text.combine(names, one).astype(text.dtype)


def pseudonymise_batch(batch: Batch, key: bytes) -> Batch:
    """The same batch with CPR numbers as pseudonyms, names removed and CPR-shaped text scrubbed everywhere."""
    cases = batch.cases
    names = cases["name"]
    name_of_case = pd.Series(names.to_numpy(), index=cases["case_id"].to_numpy())
    name_of_case = name_of_case[~name_of_case.index.duplicated()]
    text_cols = [c for c in cases.columns if c not in ("cpr", "name") and _is_text(cases[c])]
    out_cases = cases.assign(
        cpr=cases["cpr"].map(lambda v: pseudonym(v, key), na_action="ignore").astype(cases["cpr"].dtype),
        name=pd.Series(pd.NA, index=cases.index, dtype=cases["name"].dtype),
        **{c: _scrub_series(cases[c], key) for c in text_cols})
    out_cases = out_cases.assign(title=_remove_names(out_cases["title"], names))
    docs = batch.documents
    doc_names = pd.Series(name_of_case.reindex(docs["case_id"].to_numpy()).to_numpy(), index=docs.index)
    out_docs = docs.assign(**{c: _scrub_series(docs[c], key) for c in docs.columns if _is_text(docs[c])})
    out_docs = out_docs.assign(**{c: _remove_names(out_docs[c], doc_names) for c in ("title", "filename")
                                  if c in out_docs})
    ledger = batch.ledger.assign(**{c: _scrub_series(batch.ledger[c], key) for c in ("case_id", "reason")})
    ledger = ledger.assign(reason=ledger["reason"].str.replace(r"Navn: '[^']*'", f"Navn: '{REMOVED}'", regex=True))
    if out_cases["cpr"].nunique() != cases["cpr"].nunique():  # 64 bits: never, but never silently
        raise RuntimeError("two CPR numbers gave the same pseudonym")
    # the manifest gets file names only: a full path (C:\\Users\\<name>\\…) says more than a supplier needs
    paths = {"config": {"file": batch.config.source.name if batch.config.source else None},
             "inputs": {t: {"path": Path(str(info["path"])).name} for t, info in batch.inputs.items()}}
    return dataclasses.replace(batch, cases=out_cases, documents=out_docs, ledger=ledger, checklist=None,
                               extensions=(*batch.extensions, PseudonymisedNote(key_fingerprint(key), paths)))


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
            ["Navne", "fjernet (også fra sags- og dokumenttitler, så vidt de står der)"],
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
