"""A regular expression from the configuration (`selection.foot_care_pattern`, a document category's
`title_pattern` / `type_pattern`, `reconcile.foot_care_pattern`): checked on load and matched by one engine.

The engine is RE2, through pyarrow.compute (already a dependency). RE2 matches in time linear in the text, so no
pattern can hang a run (Python's `re` backtracks: `(x+x+)+y` on thirty x's never ends), and the pattern that passed
the check on load is the one the data is matched with (pandas switches between RE2 and `re` depending on the
pattern and the data, so a pattern `re` accepts could fail on the data, and groups made it print warnings).
Case is ignored (Unicode case folding: »FODBEHANDLING«, »Fodpleje« and »ÆØÅ« match their lower case).
What RE2 does not have: look-around `(?=…)`, back-references `\\1`, atomic groups `(?>…)`; `\\w`, `\\d` and `\\b`
count only ASCII letters and digits (write `[a-zæøå]` for Danish letters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# RE2's reasons (re2::RegexpStatus::CodeText) in Danish; {f} is the part of the pattern RE2 points at
_REASONS = {
    "missing )": "der mangler en )",
    "unexpected )": "der er en ) for meget",
    "missing ]": "der mangler en ]",
    "invalid character class range": "ugyldigt interval »{f}«",
    "invalid character class": "ugyldig tegnklasse »{f}«",
    "invalid escape sequence": "RE2 kender ikke »{f}«",
    "trailing \\": "der står en \\ til sidst",
    "no argument for repetition operator": "»{f}« har ikke noget at gentage",
    "bad repetition operator": "ugyldig gentagelse »{f}«",
    "invalid repetition size": "ugyldig gentagelse »{f}« (højst 1000 gange)",
    "invalid perl operator": "RE2 kender ikke »{f}«",
    "invalid UTF-8": "ugyldig UTF-8",
    "invalid named capture group": "ugyldigt gruppenavn »{f}«",
    "pattern too large - compile failed": "udtrykket er for stort",
}
_HINT = ("kp-convert bruger RE2-syntaks, og store og små bogstaver er ligegyldige: | betyder 'eller', ^ og $ er start "
         "og slut, ( ) er en gruppe; (?>…), (?=…), (?!…), (?<=…) og \\1 findes ikke")
_SHOWN = 60  # characters of a pattern shown in a message


@dataclass(frozen=True)
class Pattern:
    """A checked pattern (make one with `compile_pattern`). `text` is the pattern as written in the configuration."""

    text: str

    @property
    def pattern(self) -> str:
        """The text, under the name `re.Pattern` gives it (the specification and the reports show it)."""
        return self.text

    def contains(self, values: pd.Series) -> pd.Series:
        """Whether each value contains a match (a missing value does not); bool, on `values`' index. Works on
        object, `string` and arrow-backed columns alike."""
        import pandas as pd

        if not len(values):
            return pd.Series(False, index=values.index, dtype=bool)
        hit = _match(_arrow_text(values), self.text)
        return pd.Series(hit.fill_null(False).to_numpy(zero_copy_only=False), index=values.index, dtype=bool)

    def search(self, value: str | None) -> bool:
        """Whether one text contains a match (None does not)."""
        import pyarrow as pa

        return bool(_match(pa.array([value], type=pa.large_string()), self.text).fill_null(False)[0].as_py())


def compile_pattern(text: str, where: str) -> Pattern:
    """`text` checked by the engine that will match it; a pattern it rejects is a ConfigError naming the key."""
    import pyarrow as pa

    try:
        _match(pa.array([""], type=pa.large_string()), text)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ConfigError(f"'{where}' er ikke et gyldigt regulært udtryk: {_shorten(text)!r} ({_reason(str(exc))})",
                          hint=_HINT) from None
    return Pattern(text)


def _match(values: pa.Array | pa.ChunkedArray, text: str) -> pa.Array | pa.ChunkedArray:
    import pyarrow.compute as pc

    return pc.match_substring_regex(values, text, ignore_case=True)


def _arrow_text(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column as arrow text: arrow-backed columns as they are, others (object, python `string`) converted."""
    import pandas as pd
    import pyarrow as pa

    dtype = values.dtype
    arrow_backed = ((isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow")
                    or (isinstance(dtype, pd.ArrowDtype) and pa.types.is_string(dtype.pyarrow_dtype))
                    or (isinstance(dtype, pd.ArrowDtype) and pa.types.is_large_string(dtype.pyarrow_dtype)))
    if not arrow_backed:
        values = values.astype(pd.StringDtype("pyarrow"))  # a non-text cell becomes its text, NaN stays missing
    return pa.array(values.array)


def _reason(message: str) -> str:
    """'Invalid regular expression: invalid perl operator: (?>' -> 'RE2 kender ikke »(?>«'."""
    detail = message.split("Invalid regular expression:", 1)[-1].strip()
    for code, danish in _REASONS.items():
        if detail.startswith(code):
            return danish.format(f=_shorten(detail[len(code):].removeprefix(":").strip()))
    return _shorten(detail)


def _shorten(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"
