"""CPR numbers never reach the console in full: every line the tool prints goes through `scrub_cpr_text`.

No pandas here: the CLI uses it on every message, also on the paths that must start fast (`--help`, `init`).
"""

from __future__ import annotations

import re

# ten digits, optionally DDMMYY-SSSS or DDMMYY SSSS, not inside a longer number
CPR_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{6})[- ]?([0-9]{4})(?![0-9])")
MASKED_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{6}-xxxx")


def scrub_cpr_text(text: str) -> str:
    """Mask anything shaped like a full CPR number as DDMMYY-xxxx (for console and log lines)."""
    return CPR_IN_TEXT.sub(r"\1-xxxx", text)
