"""The commented configuration template (`kp-convert init`). Nothing heavy is imported: `init` starts fast."""

from __future__ import annotations

from pathlib import Path


def template_text() -> str:
    """The fully commented configuration template written by `kp-convert init` and `kp-convert sample`."""
    return (Path(__file__).resolve().parent.parent / "templates" / "kp-convert.toml").read_text(encoding="utf-8")
