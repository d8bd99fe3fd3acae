"""What the command line prints and the report files it writes beside the outputs: every printed line scrubbed of
CPR numbers and safe for the console's encoding, the library's notices on stderr, and `--timings` written only over
an earlier timings report."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .errors import OutputError
from .privacy import console_text

if TYPE_CHECKING:
    from .settings.batch import Config


def check_timings_target(path: Path, config: Config, out_dir: Path) -> None:
    """--timings writes over nothing but an earlier timings report (marked with the tool's name): never over the
    config, an input, one of the run's outputs or any other file."""
    from .write.outputs import OUTPUT_NAMES
    from .write.ownership import written_by_kp_convert

    protected = {config.source, *(spec.path for spec in config.inputs.values()),
                 *(out_dir / name for name in OUTPUT_NAMES)}
    target = path.resolve()
    if target in {Path(p).resolve() for p in protected if p is not None} or (
            path.exists() and (path.is_dir() or not written_by_kp_convert(path))):
        raise OutputError(f"--timings {path}: filen findes og er ikke en tidsmåling fra kp-convert – den bliver ikke "
                          "overskrevet", hint="vælg et nyt filnavn, fx timings.json")


def write_timings(path: Path, report: dict[str, object]) -> None:
    import json

    from .write.ownership import MARKER

    try:
        path.write_text(json.dumps({"tool": MARKER, **report}, ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"Kan ikke skrive {path} ({exc.strerror or exc})") from None


def say(text: str, *, err: bool = False) -> None:
    """Every line the tool prints: a CPR-shaped number never reaches the console in full, and a character the
    console cannot show (a Latin-1 terminal, a Windows console redirected to a file in its ANSI code page) is
    replaced, never a crash after the outputs are written."""
    click.echo(console_text(text, sys.stderr if err else sys.stdout), err=err)


class NoticeHandler(logging.Handler):
    """The library's notices (logger 'convert', e.g. what was recovered after an interrupted run) on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        say(f"Bemærk: {record.getMessage()}", err=True)


def show_library_notices() -> None:
    logger = logging.getLogger("convert")
    if not any(isinstance(h, NoticeHandler) for h in logger.handlers):
        logger.addHandler(NoticeHandler(logging.WARNING))
        logger.propagate = False
