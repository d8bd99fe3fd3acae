"""Vectorised parsers for raw cell text from Danish ESDH exports (CPR, dates, amounts, percentages, text).

Every parser takes a Series of raw text (object or string dtype; None, NaN and whitespace-only count as
EMPTY) and returns a result with the same index, NA where the cell is empty or invalid. Use
`invalid_mask(raw, parsed)` to find cells that held something but could not be parsed.

Regexes avoid ``\\s``, ``\\d``, lookarounds and ``\\u`` escapes so pandas can run them on pyarrow's RE2
(fast path); explicit ``[0-9]`` also keeps non-ASCII digits out. No per-row Python loops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "is_empty", "parse_cpr", "mask_cpr", "mask_cpr_series", "parse_dates", "invalid_mask", "parse_amounts_ore",
    "parse_percentages", "clean_text", "parsed", "parsed_columns", "cpr_value", "date_shaped", "date_problem", "open_end_dates",
]

_SP = " \u00a0\u202f"  # space, no-break space, narrow no-break space (Excel/Word thousands separators)
_WS = " \t\r\n\x0b\x0c\u00a0\u202f"
_CPR_INVALID_LENGTH = "skal have 10 cifre"
_CPR_INVALID_DATE = "datodelen er ikke en gyldig dato"
_MIN_YEAR, _MAX_YEAR = 1678, 2261  # whole years inside datetime64[ns]; others would overflow silently
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _text(s: pd.Series) -> pd.Series:
    """Raw cells as nullable strings, stripped (str() of non-text cells such as floats or datetimes)."""
    return s.astype(pd.StringDtype()).str.strip()


def _match(t: pd.Series, pattern: str) -> np.ndarray:
    """Full match as a plain bool array (NA -> False)."""
    if pattern == "":  # the empty string: a comparison, not a regex
        return t.eq("").to_numpy(dtype=bool, na_value=False)
    return t.str.fullmatch(pattern).to_numpy(dtype=bool, na_value=False)


def _codes(t: pd.Series, ok: np.ndarray, width: int, filler: str) -> np.ndarray:
    """(n, width) matrix of character codes minus ord('0'), so digits are 0-9 and padding is negative.
    Rows not `ok` are replaced by `filler` first (callers validate, so only ASCII reaches here): each row is
    cut or padded to `width` bytes in pyarrow and the bytes are read as one numpy block."""
    text = pa.array(t.where(ok, filler), type=pa.large_string())
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text  # a concat makes chunks
    fixed = pc.utf8_slice_codeunits(pc.utf8_rpad(text, width, " "), 0, width)
    if len(fixed) == 0:
        return np.zeros((0, width), dtype=np.int32)
    offsets = np.frombuffer(fixed.buffers()[1], dtype=np.int64)[fixed.offset:fixed.offset + len(fixed) + 1]
    data = np.frombuffer(fixed.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    return data.reshape(-1, width).astype(np.int32) - 48


def _fields(c: np.ndarray, count: int, max_len: int = 4) -> list[np.ndarray]:
    """Integer values of the first `count` digit runs per row (runs of at most `max_len` digits).
    Loops over runs and digit positions, never over rows."""
    nondigit, cols, rows = (c < 0) | (c > 9), np.arange(c.shape[1]), np.arange(len(c))
    values, start = [], np.zeros(len(c), dtype=np.int64)
    for _ in range(count):
        end = np.argmax(nondigit & (cols >= start[:, None]), axis=1)  # next separator after `start`
        value = np.zeros(len(c), dtype=np.int64)
        for k in range(max_len):
            digit = c[rows, np.minimum(start + k, c.shape[1] - 1)]
            value = np.where(start + k < end, value * 10 + digit, value)
        values.append(value)
        start = end + 1
    return values


def _build_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray, ok: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """datetime64[ns] from components; returns (dates with NaT, mask of real calendar dates)."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days_in_month = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok = ok & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in_month)  # 31-11, 29-02-2023
    ok &= (year >= _MIN_YEAR) & (year <= _MAX_YEAR)
    # days since 1970-01-01 by the proleptic Gregorian "days from civil" formula (integer arithmetic only)
    y = year - (month <= 2)
    era, yoe = y // 400, y % 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    ns = np.where(ok, days * 86_400_000_000_000, np.iinfo(np.int64).min)  # int64 min is NaT
    return ns.view("datetime64[ns]"), ok


def is_empty(s: pd.Series) -> pd.Series:
    """True where the cell is None/NaN/NA or whitespace-only."""
    t = _text(s)
    return pd.Series(t.isna().to_numpy() | _match(t, ""), index=s.index, dtype=bool)


def invalid_mask(raw: pd.Series, parsed: pd.Series | pd.DataFrame) -> pd.Series:
    """True where `raw` holds something but the parser gave NA (for parse_cpr pass the frame or its 'cpr')."""
    if isinstance(parsed, pd.DataFrame):
        parsed = parsed.iloc[:, 0]  # parse_cpr: first column is the normalised number
    return pd.Series(~is_empty(raw).to_numpy() & parsed.isna().to_numpy(), index=raw.index, dtype=bool)


# --- CPR -----------------------------------------------------------------------------------------------

def parse_cpr(s: pd.Series, *, pad_nine_digits: bool = True) -> pd.DataFrame:
    """Normalise and validate CPR numbers. Columns: cpr (string), error (string), replacement (bool),
    birth_date (datetime64[ns]). Modulus 11 is never checked (not required for numbers since 2007).
    `replacement` is True for any 10-digit value with day field 61-91, even if its date is invalid."""
    t = _text(s)
    empty = t.isna().to_numpy() | _match(t, "")
    t = t.mask(_match(t, r"[0-9]+\.0"), t.str.slice(0, -2))  # Excel number rendered as float
    t = t.mask(_match(t, "[0-9]{6}[- ][0-9]{4}"), t.str.slice(0, 6) + t.str.slice(7))
    if pad_nine_digits:  # Excel stores CPR as a number and drops the leading zero of days 01-09
        t = t.mask(_match(t, "[0-9]{9}"), "0" + t)
    ten = _match(t, "[0-9]{10}")
    c = _codes(t, ten, 10, "0101000000")
    dd, mm, yy, d7 = c[:, 0] * 10 + c[:, 1], c[:, 2] * 10 + c[:, 3], c[:, 4] * 10 + c[:, 5], c[:, 6]
    replacement = ten & (dd >= 61) & (dd <= 91)  # erstatningspersonnummer: day + 60
    century = np.where(d7 <= 3, 1900,
                       np.where((d7 == 4) | (d7 == 9), np.where(yy <= 36, 2000, 1900),
                                np.where(yy <= 57, 2000, 1800)))  # 5-8
    birth, ok = _build_dates(century + yy, mm, np.where(replacement, dd - 60, dd), ten)
    error = np.full(len(t), None, dtype=object)
    error[~ten & ~empty] = _CPR_INVALID_LENGTH
    error[ten & ~ok] = _CPR_INVALID_DATE
    return pd.DataFrame({
        "cpr": t.where(ok).array,  # .array: no index alignment (duplicate labels)
        "error": pd.array(error, dtype=pd.StringDtype()),
        "replacement": replacement,
        "birth_date": birth,
    }, index=s.index)


def mask_cpr_series(s: pd.Series) -> pd.Series:
    """'DDMMYY-xxxx' for logs: drop whitespace/dashes, keep the first 6 chars when longer than 6; NA -> ''."""
    t = s.astype(pd.StringDtype()).str.replace(f"[{_WS}-]", "", regex=True)
    long = (t.str.len() > 6).to_numpy(dtype=bool, na_value=False)
    return t.mask(long, t.str.slice(0, 6) + "-xxxx").fillna("")


def mask_cpr(value: object) -> str:
    """Scalar form of mask_cpr_series (same rule, so logs and reports agree)."""
    return str(mask_cpr_series(pd.Series([value], dtype=object)).iloc[0])


# --- Dates ---------------------------------------------------------------------------------------------

# a time of day after the date is read and dropped: 10:15, 10:15:00, and the Danish 10.15 / 10.15.00
_TIME = r"(?:[ \t]+|T)(?:[01]?[0-9]|2[0-3])[:.][0-5][0-9](?:[:.][0-5][0-9](?:[.,][0-9]+)?)?"
_DK_DATE = r"[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}|[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"
_ISO_DATE = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
OPEN_END_YEAR = 9999  # ESDH systems write 31-12-9999 for "no end date"


def _date_fields(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(shape ok, year, month, day) of each cell: the shape is one of the accepted date forms (two-digit years
    are not: they are ambiguous); the numbers are as written, not yet checked against the calendar."""
    t = _text(s)
    ok = _match(t, f"(?:{_DK_DATE}|{_ISO_DATE})(?:{_TIME})?")  # one alternative per separator: no "1-2.2024"
    c = _codes(t, ok, 11, "2000-01-01")  # 11th char is the time separator or padding: ends field 3
    first, second, third = _fields(c, 3)
    iso = np.argmax((c < 0) | (c > 9), axis=1) == 4  # first field has 4 digits
    return ok, np.where(iso, first, third), second, np.where(iso, third, first)


def parse_dates(s: pd.Series) -> pd.Series:
    """dd-mm-yyyy / dd.mm.yyyy / dd/mm/yyyy or yyyy-mm-dd, optional time (dropped) -> datetime64[ns].
    Two-digit years are rejected as ambiguous; impossible dates give NaT."""
    ok, year, month, day = _date_fields(s)
    dates, _ = _build_dates(year, month, day, ok)
    return pd.Series(dates, index=s.index, dtype="datetime64[ns]")


def date_shaped(s: pd.Series) -> pd.Series:
    """True where the cell is written as a date (whether or not that day exists): '31-11-2024' is date-shaped
    and does not exist; 'i går' is not a date at all. Lets a message say which of the two it is."""
    ok, _, _, _ = _date_fields(s)
    return pd.Series(ok, index=s.index, dtype=bool)


def date_problem(value: object) -> str:
    """Why one cell is not a usable date: 'no_such_day' ('31-11-2024', '29-02-2023'), 'year_out_of_range'
    (a real day outside the years a date can hold here, 1678–2261), 'not_a_date' (not written as a date);
    '' for a usable date."""
    s = pd.Series([value], dtype=object)
    ok, year, month, day = _date_fields(s)
    if not ok[0]:
        return "not_a_date"
    outside = (year < _MIN_YEAR) | (year > _MAX_YEAR)
    _, real = _build_dates(np.where(outside, 2001 + (year % 4 == 0) * 3, year),
                           month, day, ok)  # a year of the same leap kind inside the range: is the day real?
    if not real[0]:
        return "no_such_day"
    return "year_out_of_range" if outside[0] else ""


def open_end_dates(s: pd.Series) -> pd.Series:
    """True where the cell is a real calendar date in year 9999 – the ESDH convention for an open-ended grant.
    '32-13-9999', '29-02-9999' or text that merely contains 9999 are not."""
    ok, year, month, day = _date_fields(s)
    ok = ok & (year == OPEN_END_YEAR)
    _, real = _build_dates(np.where(ok, 2001, year), month, day, ok)  # 2001: a common year like 9999
    return pd.Series(real, index=s.index, dtype=bool)


# --- Money and percentages -----------------------------------------------------------------------------

_CUR = "(?:[kK][rR]\\.?|[dD][kK][kK])"
_SIGN = "[-+\u2212]"
# Grouped forms first: '1.234' is 1234 kr; a dot is decimal only in plain digits ('1234.50' from XLSX).
_DOT_GROUPS = f"{_SIGN}?[{_SP}]*[0-9]{{1,3}}(?:\\.[0-9]{{3}})+"
_AMOUNT = (f"(?:{_CUR}[{_SP}]*)?{_SIGN}?[{_SP}]*"
           f"(?:(?:[0-9]{{1,3}}(?:\\.[0-9]{{3}})+|[0-9]{{1,3}}(?:[{_SP}][0-9]{{3}})+)(?:,[0-9]+|,-)?"
           f"|[0-9]+(?:[.,][0-9]+|,-)?)(?:[{_SP}]*{_CUR})?")
_MAX_DIGITS, _MAX_KRONE_DIGITS = 18, 15  # both keep the digit string and the øre inside int64


def parse_amounts_ore(s: pd.Series) -> pd.Series:
    """Danish money text -> exact øre (Int64). Never rounds: '12,345' is invalid, '12,500' is 1250 øre."""
    t = _text(s)
    ok = _match(t, _AMOUNT)
    # validated: the number starts with a sign/digit and ends with a digit or ',-', so stripping these
    # characters from both ends removes exactly the currency text
    t = t.where(ok, "0").str.strip("kKrRdD." + _SP).str.removesuffix(",-")  # '100,-' = 100 kr
    negative = t.str.slice(0, 1).isin(["-", "\u2212"]).to_numpy(dtype=bool, na_value=False)
    thousands_dots = t.str.contains(",", regex=False).to_numpy(dtype=bool) | _match(t, _DOT_GROUPS)
    t = t.mask(thousands_dots, t.str.replace(".", "", regex=False)).str.replace(".", ",", regex=False)
    body = t.str.replace(f"[-+\u2212{_SP}]", "", regex=True)
    comma = body.str.find(",").to_numpy(dtype=np.int64)
    decimals = np.where(comma >= 0, body.str.len().to_numpy(dtype=np.int64) - comma - 1, 0)
    digits = body.str.replace(",", "", regex=False)
    n_digits = digits.str.len().to_numpy(dtype=np.int64)
    ok &= (n_digits <= _MAX_DIGITS) & (n_digits - decimals <= _MAX_KRONE_DIGITS)
    value = digits.where(ok, "0").astype("int64").to_numpy()
    scale = 10 ** np.clip(np.abs(decimals - 2), 0, _MAX_DIGITS)
    ok &= (decimals <= 2) | (value % scale == 0)  # extra decimals must be zeros: we never round money
    ore = np.where(decimals <= 2, value * scale, value // scale)
    return pd.Series(pd.array(np.where(negative, -ore, ore), dtype="Int64"), index=s.index).where(ok)


def parse_percentages(s: pd.Series) -> pd.Series:
    """'75', '75,5', '75.5', '75 %' -> Float64 in 0-100 inclusive, else NA. '0,75' means 0.75 %, not 75 %."""
    t = _text(s)
    ok = _match(t, f"[0-9]{{1,3}}(?:[.,][0-9]+)?[{_SP}]*%?")
    t = t.where(ok, "0").str.replace(f"[{_SP}%]", "", regex=True).str.replace(",", ".", regex=False)
    values = t.astype("Float64")
    return values.where(ok & (values <= 100).to_numpy(dtype=bool, na_value=False))


# --- Text ----------------------------------------------------------------------------------------------

_UNICODE_SPACES = "\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"  # no-break, em, thin … spaces
_UNICODE_SPACE_RUN = f"[ {_UNICODE_SPACES}]*[{_UNICODE_SPACES}][ {_UNICODE_SPACES}]*"


def clean_text(s: pd.Series) -> pd.Series:
    """Strip, drop ASCII control characters except tab/newline/CR, and make a no-break or other Unicode space one
    plain space (a name copied from Word or a web page must match the same name typed); empty -> NA."""
    t = s.astype(pd.StringDtype())
    if t.str.contains(_CONTROL, regex=True).any():  # rare: the scan is cheaper than a replace that copies
        t = t.str.replace(_CONTROL, "", regex=True)
    if t.str.contains(f"[{_UNICODE_SPACES}]", regex=True).any():
        t = t.str.replace(_UNICODE_SPACE_RUN, " ", regex=True)
    t = t.str.strip()
    return t.mask(_match(t, ""))


# ---- parse once: validation parses each typed column, and the pandera models' checks read that parse ------

ParseKey = tuple[str, Callable[[pd.Series], pd.Series]]
_PARSED: ContextVar[Mapping[ParseKey, pd.Series] | None] = ContextVar("kp_convert_parsed", default=None)


@contextmanager
def parsed_columns(columns: Mapping[ParseKey, pd.Series]) -> Iterator[None]:
    """While active, `parsed(s, parse)` answers from `columns[(s.name, parse)]` instead of parsing again.

    Keyed by column *and* parser: a check that asks for another parser than validation used (a field whose kind
    changed) parses the column itself. A drift costs time, never a wrong verdict."""
    token = _PARSED.set(columns)
    try:
        yield
    finally:
        _PARSED.reset(token)


def parsed(s: pd.Series, parse: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """The parse of column `s` by `parse`: from `parsed_columns` when validation already made it, else `parse(s)`.

    pandera may hand a check the column without its empty cells, hence the reindex to the check's own rows."""
    cache = _PARSED.get()
    hit = cache.get((str(s.name), parse)) if cache is not None else None
    if hit is not None:
        return hit.reindex(s.index)
    return parse(s)


def cpr_value(s: pd.Series) -> pd.Series:
    """The normalised CPR of each cell (<NA> where invalid), for checks that only ask "is it a CPR?"."""
    return parse_cpr(s, pad_nine_digits=False)["cpr"]
