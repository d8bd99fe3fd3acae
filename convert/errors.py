"""One error hierarchy: every expected failure carries its exit code.

The library raises these; the CLI catches `KpConvertError` once and exits with `exit_code`.
Anything else is a bug: the CLI says so in one line and exits `EXIT_INTERNAL` (`--debug` shows the traceback).
"""

from __future__ import annotations


class KpConvertError(Exception):
    """Base class. `exit_code` is the contract for automation (see README: Exit codes)."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  Tip: {self.hint}"


class ConfigError(KpConvertError):
    """The configuration file is missing, unparsable or has an invalid key/value (exit 2)."""

    exit_code = 2


class InputError(KpConvertError):
    """An input file cannot be read or lacks a required column (exit 3)."""

    exit_code = 3


class OutputError(KpConvertError):
    """An output file or folder cannot be written (exit 4)."""

    exit_code = 4


class ConservationError(KpConvertError):
    """The ledger does not account for every input record: a bug, reported loudly (exit 5)."""

    exit_code = 5


EXIT_OK = 0
EXIT_REJECTED_ROWS = 1
EXIT_DIFFERENCES = 1  # reconcile: done, but differences were found
EXIT_INTERNAL = 70  # an unexpected exception: a bug (EX_SOFTWARE in BSD's sysexits.h), never 1
EXIT_INTERRUPTED = 130  # Ctrl+C (128 + SIGINT, as shells report it)
