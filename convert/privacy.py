"""CPR numbers never reach the console in full: every line the tool prints goes through `scrub_cpr_text`.

`CPR_IN_TEXT` finds a CPR number however it is written in free text (a title, a file name, a message); the
pseudonymisation and rapport.html use it too, and `remove_name` takes a citizen's own name out of a text in the
forms it takes in titles and file names.

No pandas here: the CLI uses it on every message, also on the paths that must start fast (`--help`, `init`).
"""

from __future__ import annotations

import re
from functools import lru_cache

_DASHES = "\\-\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"  # hyphen, soft hyphen, en/em dash, minus …
_SPACES = " \t\u00a0\u2007\u2009\u200a\u200b\u202f\u2060"  # space, no-break, figure, thin, zero-width, narrow no-break
_DAY = "(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])"  # 61-91: a replacement number (day + 60)
_MONTH = "(?:0[1-9]|1[0-2])"
_DASH_SEP = f"[{_SPACES}]*[{_DASHES}][{_SPACES}]*"  # 010101-1234, 010101–1234, 010101 - 1234
_OTHER_SEP = f"[{_SPACES}]*[/.][{_SPACES}]*"  # 010101/1234, 010101.1234
# A CPR number in free text, in every spelling a person or a system writes one:
#   0101011234, 010101-1234, 010101 1234, 010101 - 1234 and any dash (en, em, minus, non-breaking hyphen) or space
#   (no-break, thin) in between                                    - always (the reader's own spellings and look-alikes)
#   010101/1234, 010101.1234, 01.01.01-1234, 01-01-01-1234, 01/01/01/1234
#                                       - only when DDMM is a day and a month (01-31 or 61-91, 01-12), so a
#                                         journal number (202401/1234) or a KLE number (32.03.12-0001) is left alone
# never inside a longer number (a 12-digit number is not a CPR), and never "+45" and eight digits (a phone number).
CPR_IN_TEXT = re.compile(
    r"(?<![0-9])(?!(?<=\+)45)(?:"
    rf"[0-9]{{6}}(?:{_DASH_SEP}|[{_SPACES}]+)?[0-9]{{4}}"
    rf"|{_DAY}{_MONTH}[0-9]{{2}}{_OTHER_SEP}[0-9]{{4}}"
    rf"|{_DAY}(?P<sep>[./{_DASHES}]){_MONTH}(?P=sep)[0-9]{{2}}(?:{_DASH_SEP}|{_OTHER_SEP})[0-9]{{4}}"
    r")(?![0-9])")
MASKED_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{6}-xxxx")


def cpr_digits(match: re.Match[str]) -> str:
    """The ten digits of a `CPR_IN_TEXT` match, however it was written."""
    return re.sub(r"[^0-9]", "", match.group(0))


def scrub_cpr_text(text: str) -> str:
    """Mask anything shaped like a full CPR number as DDMMYY-xxxx (for console and log lines)."""
    return CPR_IN_TEXT.sub(lambda m: cpr_digits(m)[:6] + "-xxxx", text)


# ---- names ---------------------------------------------------------------------------------------------

_LOWER, _UPPER = "a-zß-öø-ÿ", "A-ZÀ-ÖØ-Þ"
_CAMEL = re.compile(f"(?<=[{_LOWER}])(?=[{_UPPER}])")  # HansKnudsen: a new word starts at the capital
# a word: letters only (_ . - digits and spaces end it), with a possessive apostrophe (Hans', Knudsen's)
_WORD = re.compile(r"([^\W\d_]+)(['’´`](?:s(?![^\W\d_]))?)?")


@lru_cache(maxsize=65536)
def name_parts(name: str) -> frozenset[str]:
    """The words of a name worth removing, case folded: 'Hans-Peter McKnudsen' -> hans, peter, mcknudsen, mc,
    knudsen. Not single letters (an initial), nor lower-case particles ('de', 'van') when the name has capitals."""
    words = re.findall(r"[^\W\d_]+", name)
    if any(w[:1].isupper() for w in words):
        words = [w for w in words if not w[:1].islower()]
    pieces = {p for w in words for p in (w, *_CAMEL.split(w))}
    return frozenset(p.casefold() for p in pieces if len(p) >= 2)


def remove_name(text: str, name: str, replacement: str) -> str:
    """`text` without the words of `name`, also possessive (Knudsens, Knudsen's, Hans') and joined as in a file
    name (Hans_Knudsen.pdf, hans.knudsen, Hans-Knudsen, HansKnudsen); case is ignored."""
    parts = name_parts(name)
    folded = text.casefold()
    if not any(p in folded for p in parts):  # the common case, and fast
        return text

    def is_part(word: str) -> bool:
        w = word.casefold()
        return w in parts or (w.endswith("s") and w[:-1] in parts)

    def one(m: re.Match[str]) -> str:
        word, possessive = m.group(1), m.group(2) or ""
        if is_part(word):
            return replacement
        pieces = _CAMEL.split(word)
        if len(pieces) == 1:
            return m.group(0)
        out = [replacement if is_part(p) else p for p in pieces]
        return "".join(out) + ("" if out[-1] == replacement else possessive)

    return _WORD.sub(one, text)


def console_text(text: str, stream: object) -> str:
    """A line as it may reach a console: CPR-shaped numbers masked, and a character the console cannot show (a
    Latin-1 terminal, a Windows console redirected to a file in its ANSI code page) replaced, never a crash."""
    text = scrub_cpr_text(text)
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.encode(encoding, "replace").decode(encoding)
    except LookupError:
        pass
    return text
