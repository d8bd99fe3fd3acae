"""Danish formatting for everything a person reads: dates, kroner, numbers, CPR numbers, file sizes.

Decimal comma, thousands dot (`1.234,50`), dates `dd-mm-åååå` (`04-01-2027`) or written out (`4. januar 2027`).
Column-wise forms take a Series and return strings with the same index (NA stays NA); scalar forms take one value.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, SupportsInt

if TYPE_CHECKING:  # pandas only where a Series is formatted: the letter and config stay light
    import pandas as pd

MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december")
_ORE = Decimal("0.01")


# ---- scalars ----------------------------------------------------------------------------------------------

def fmt_int(n: float) -> str:
    """12345.4 -> '12.345'."""
    return f"{int(round(n)):,}".replace(",", ".")


def fmt_num(x: float, decimals: int = 1) -> str:
    """1234.56 -> '1.234,6' (one decimal unless asked)."""
    return f"{x:,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_date(d: dt.date | None) -> str:
    """A date (or Timestamp) -> 'dd-mm-åååå'; None or NaT -> ''."""
    import pandas as pd

    return "" if d is None or pd.isna(d) else f"{d:%d-%m-%Y}"


def long_date(d: dt.date) -> str:
    """4. januar 2027 (letters and documents)."""
    return f"{d.day}. {MONTHS[d.month - 1]} {d.year}"


def format_kr(amount: Decimal, *, suffix: bool = True) -> str:
    """Always two decimals: Decimal('1234.5') -> '1.234,50 kr.'."""
    text = f"{amount.quantize(_ORE, rounding=ROUND_HALF_UP):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{text} kr." if suffix else text


def format_size(n_bytes: int) -> str:
    """Decimal units, Danish comma: 12345678 -> '12,3 MB (12.345.678 byte)'."""
    for unit, factor in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n_bytes >= factor:
            return f"{n_bytes / factor:.1f} {unit}".replace(".", ",") + f" ({fmt_int(n_bytes)} byte)"
    return f"{fmt_int(n_bytes)} byte"


def or_list(items: list[str]) -> str:
    """['a', 'b', 'c'] -> '»a«, »b« eller »c«'."""
    quoted = [f"»{x}«" for x in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " eller " + quoted[-1]


def pattern_in_words(pattern: str) -> str | None:
    """A plain alternation 'a|b|c' ('indeholder »a«, »b« eller »c«') or an anchored '^a$' / '^(a|b)$' ('er »a«')
    in words; None for anything else (a regular expression is not for a caseworker's eyes)."""
    words = r"[\w æøåÆØÅ-]+(?:\|[\w æøåÆØÅ-]+)*"
    if re.fullmatch(words, pattern):
        return "indeholder " + or_list(pattern.split("|"))
    if re.fullmatch(rf"\^(?:[\w æøåÆØÅ-]+|\({words}\))\$", pattern):  # '^a$' or '^(a|b)$'
        return "er " + or_list(pattern.strip("^$()").split("|"))
    return None


# ---- columns ----------------------------------------------------------------------------------------------

def format_ore(ore: pd.Series) -> pd.Series:
    """Øre (Int64) -> kroner text '1.234,50' (no suffix)."""
    def one(v: SupportsInt) -> str:  # map(na_action="ignore") hands only the Int64 values here
        n = int(v)
        sign = "-" if n < 0 else ""
        kr, rest = divmod(abs(n), 100)
        return f"{sign}{kr:,}".replace(",", ".") + f",{rest:02d}"
    return ore.map(one, na_action="ignore").astype("string")


def format_dates(d: pd.Series) -> pd.Series:
    """datetime64 -> 'dd-mm-yyyy' text, NaT -> NA; built from the date parts in pyarrow (strftime is slower)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    ts = pa.array(pd.Series(d, dtype="datetime64[ns]").to_numpy(), type=pa.timestamp("ns"), from_pandas=True)

    def part(values: pa.Array, width: int) -> pa.Array:
        return pc.utf8_lpad(pc.cast(values, pa.string()), width, "0")
    text = pc.binary_join_element_wise(part(pc.day(ts), 2), part(pc.month(ts), 2), part(pc.year(ts), 4), "-")
    return pd.Series(pd.array(text, dtype="string"), index=d.index)


def format_cpr(s: pd.Series) -> pd.Series:
    """'DDMMYYSSSS' -> 'DDMMYY-SSSS'; NA stays NA, anything not 10 digits is returned unchanged."""
    import pandas as pd

    t = s.astype(pd.StringDtype())
    ten = t.str.fullmatch("[0-9]{10}").to_numpy(dtype=bool, na_value=False)
    return t.mask(ten, t.str.slice(0, 6) + "-" + t.str.slice(6))


def danish_frame(frame: pd.DataFrame, decimals: int = 1) -> pd.DataFrame:
    """A frame for a person to read (the notebook): dates dd-mm-åååå, numbers with decimal comma and thousands dot,
    missing values empty. Text columns are left as they are."""
    import pandas as pd

    out = {}
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[name] = format_dates(s).fillna("")
        elif pd.api.types.is_bool_dtype(s):
            out[name] = s.map({True: "Ja", False: "Nej"})
        elif pd.api.types.is_integer_dtype(s):
            out[name] = s.map(lambda v: "" if pd.isna(v) else fmt_int(v))
        elif pd.api.types.is_float_dtype(s):
            out[name] = s.map(lambda v: "" if pd.isna(v) else fmt_num(float(v), decimals))
        else:
            out[name] = s.map(lambda v: fmt_date(v) if isinstance(v, dt.date) else v)
    return pd.DataFrame(out, index=frame.index)


def danish_value(value: object, decimals: int = 1) -> object:
    """One value for a person to read: a date dd-mm-åååå, a number the Danish way; anything else as it is."""
    if isinstance(value, dt.date):
        return fmt_date(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return fmt_int(value)
    if isinstance(value, float):
        return fmt_num(value, decimals)
    return value
