"""Table-driven tests for convert.danish.parse (and the column formats of convert.danish.format). All CPR numbers here are fictitious test values."""

from __future__ import annotations

import datetime as dt
import importlib.util

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convert.danish.format import format_cpr, format_dates
from convert.danish.parse import (
    clean_text,
    invalid_mask,
    is_empty,
    mask_cpr,
    mask_cpr_series,
    parse_amounts_ore,
    parse_cpr,
    parse_dates,
    parse_percentages,
)
from tests.conftest import pipe_table

STORAGES = ["python"] + (["pyarrow"] if importlib.util.find_spec("pyarrow") else [])
LEN_ERR = "skal have 10 cifre"
DATE_ERR = "datodelen er ikke en gyldig dato"


@pytest.fixture(autouse=True, params=STORAGES)
def string_storage(request: pytest.FixtureRequest):
    """Run everything on both pandas string backends: pyarrow (RE2 regexes) and python (re)."""
    with pd.option_context("mode.string_storage", request.param):
        yield request.param


def same(got: object, expected: object) -> bool:
    if expected is None or expected is pd.NA:
        return bool(pd.isna(got))
    return not pd.isna(got) and got == expected


def check(raws: list, got: list, expected: list) -> None:
    """Compare a whole parsed table at once (fast) and list every mismatching row."""
    bad = [f"{raw!r}: got {g!r}, expected {e!r}" for raw, g, e in zip(raws, got, expected, strict=True)
           if not same(g, e)]
    assert not bad, "\n".join(bad)


def parse(func, raws: list, **kwargs):
    """Parse a table's raw column under a shuffled, non-default index (results must keep the index)."""
    index = pd.Index(np.arange(len(raws))[::-1] * 3)
    result = func(pd.Series(raws, index=index, dtype=object), **kwargs)
    assert result.index.equals(index)
    return result


# --- CPR -----------------------------------------------------------------------------------------------

# raw | normalised | birth date
CENTURY_RULE = pipe_table("""
# 7th digit 0-3: always 19xx
0101000123 | 0101000123 | 1900-01-01
0101361234 | 0101361234 | 1936-01-01
0101372345 | 0101372345 | 1937-01-01
0101573456 | 0101573456 | 1957-01-01
0101580123 | 0101580123 | 1958-01-01
0101991234 | 0101991234 | 1999-01-01
# 7th digit 4 and 9: 20xx for YY 00-36, else 19xx
0101004000 | 0101004000 | 2000-01-01
0101364000 | 0101364000 | 2036-01-01
0101374000 | 0101374000 | 1937-01-01
0101574000 | 0101574000 | 1957-01-01
0101584000 | 0101584000 | 1958-01-01
0101994000 | 0101994000 | 1999-01-01
0101009000 | 0101009000 | 2000-01-01
0101369000 | 0101369000 | 2036-01-01
0101379000 | 0101379000 | 1937-01-01
0101579000 | 0101579000 | 1957-01-01
0101589000 | 0101589000 | 1958-01-01
0101999000 | 0101999000 | 1999-01-01
# 7th digit 5-8: 20xx for YY 00-57, 18xx for YY 58-99
0101005000 | 0101005000 | 2000-01-01
0101366000 | 0101366000 | 2036-01-01
0101377000 | 0101377000 | 2037-01-01
0101578000 | 0101578000 | 2057-01-01
0101585000 | 0101585000 | 1858-01-01
0101996000 | 0101996000 | 1899-01-01
0101997000 | 0101997000 | 1899-01-01
0101998000 | 0101998000 | 1899-01-01
""")

VALID_FORMS = [
    ("010190-1234", "0101901234", "1990-01-01"),
    ("0101901234", "0101901234", "1990-01-01"),
    ("010190 1234", "0101901234", "1990-01-01"),
    ("  010190-1234\t", "0101901234", "1990-01-01"),
    ("101901234", "0101901234", "1990-01-01"),  # Excel dropped the leading zero
    ("101901234.0", "0101901234", "1990-01-01"),  # Excel number rendered as float
    ("0101901234.0", "0101901234", "1990-01-01"),
    (101901234, "0101901234", "1990-01-01"),  # a real int cell in an object column
    ("290200-4000", "2902004000", "2000-02-29"),  # 2000 is a leap year
    ("290296-1234", "2902961234", "1996-02-29"),
    ("290260-5000", "2902605000", "1860-02-29"),
    ("290236-4000", "2902364000", "2036-02-29"),
    ("311299-9999", "3112999999", "1999-12-31"),
    # modulus 11 fails for these, and they are still valid (checked in the test below)
    ("150382-4321", "1503824321", "1982-03-15"),
    ("220655-1234", "2206551234", "1955-06-22"),
]


def test_valid_cpr() -> None:
    raws, cprs, births = zip(*(CENTURY_RULE + VALID_FORMS), strict=True)
    result = parse(parse_cpr, list(raws))
    check(raws, result["cpr"].tolist(), cprs)
    check(raws, result["birth_date"].tolist(), [pd.Timestamp(b) for b in births])
    check(raws, result["error"].tolist(), [None] * len(raws))
    assert not result["replacement"].any()


def test_modulus_11_is_never_checked() -> None:
    weights = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1]
    for cpr in ["1503824321", "2206551234", "0101901234"]:
        assert sum(int(d) * w for d, w in zip(cpr, weights, strict=True)) % 11 != 0
    assert parse_cpr(pd.Series(["1503824321", "2206551234", "0101901234"]))["error"].isna().all()


INVALID_CPR = [
    ("311190-1234", DATE_ERR),  # 31 November
    ("300290-1234", DATE_ERR),
    ("000190-1234", DATE_ERR),
    ("011390-1234", DATE_ERR),  # month 13
    ("290200-1000", DATE_ERR),  # 1900 is not a leap year
    ("290297-1234", DATE_ERR),
    ("290258-5000", DATE_ERR),  # 1858 is not a leap year
    ("320190-1234", DATE_ERR),  # day 32-60: neither a date nor a replacement number
    ("601090-1234", DATE_ERR),
    ("921090-1234", DATE_ERR),  # day 92: past the replacement range
    ("01019O-1234", LEN_ERR),  # letter O
    ("abc", LEN_ERR),
    ("01019-1234", LEN_ERR),
    ("0101901", LEN_ERR),
    ("010190-12345", LEN_ERR),
    ("01019012345", LEN_ERR),
    ("010190--1234", LEN_ERR),
    ("010190_1234", LEN_ERR),
    ("01-01-90-1234", LEN_ERR),
    ("0101-901234", LEN_ERR),
    ("0101901234.00", LEN_ERR),
    ("1.01901234E9", LEN_ERR),
    ("١٠١٩٠١٢٣٤٠", LEN_ERR),  # Arabic-Indic digits are not CPR digits
]


def test_invalid_cpr() -> None:
    raws, errors = zip(*INVALID_CPR, strict=True)
    result = parse(parse_cpr, list(raws))
    check(raws, result["error"].tolist(), errors)
    assert result["cpr"].isna().all() and result["birth_date"].isna().all()
    assert invalid_mask(pd.Series(raws), result).all()


def test_nine_digits_without_padding_is_wrong_length() -> None:
    result = parse(parse_cpr, ["101901234", "0101901234"], pad_nine_digits=False)
    assert result["error"].tolist() == [LEN_ERR, pd.NA]


REPLACEMENT_CPR = [
    ("610190-1234", "6101901234", "1990-01-01", pd.NA),
    ("910190-1234", "9101901234", "1990-01-31", pd.NA),
    ("890200-4321", "8902004321", "2000-02-29", pd.NA),
    ("911190-1234", pd.NA, None, DATE_ERR),  # 31 November + 60
    ("890290-1234", pd.NA, None, DATE_ERR),  # 29 February 1990 + 60
]


def test_replacement_cpr() -> None:
    raws, cprs, births, errors = zip(*REPLACEMENT_CPR, strict=True)
    result = parse(parse_cpr, list(raws))
    check(raws, result["cpr"].tolist(), cprs)
    check(raws, result["error"].tolist(), errors)
    check(raws, result["birth_date"].tolist(), [b and pd.Timestamp(b) for b in births])
    assert result["replacement"].all()  # flagged even when the date part is invalid (see error)


def test_empty_cpr() -> None:
    raws = [None, np.nan, pd.NA, "", "   ", "\t\n", "\u00a0"]
    result = parse(parse_cpr, raws)
    assert result[["cpr", "error", "birth_date"]].isna().all().all()
    assert not result["replacement"].any() and not invalid_mask(pd.Series(raws), result).any()


def test_cpr_frame_dtypes_and_index() -> None:
    raw = pd.Series(["010190-1234", "x", None, "010190-1234"], index=[5, 5, 3, 1])
    result = parse_cpr(raw)
    assert list(result.columns) == ["cpr", "error", "replacement", "birth_date"]
    assert list(result.index) == [5, 5, 3, 1]
    assert result["cpr"].dtype == pd.StringDtype() and result["error"].dtype == pd.StringDtype()
    assert result["replacement"].dtype == bool and result["birth_date"].dtype == "datetime64[ns]"
    assert invalid_mask(raw, result).tolist() == [False, True, False, False]
    assert invalid_mask(raw, result["cpr"]).tolist() == [False, True, False, False]


def test_empty_series() -> None:
    empty = pd.Series([], dtype=object)
    assert parse_cpr(empty).empty and parse_dates(empty).empty and parse_amounts_ore(empty).empty


MASKED = [
    ("010190-1234", "010190-xxxx"),
    ("0101901234", "010190-xxxx"),
    (" 010190 1234 ", "010190-xxxx"),
    ("0101901", "010190-xxxx"),
    ("010190", "010190"),
    ("0101", "0101"),
    (101901234, "101901-xxxx"),
    ("", ""),
    (None, ""),
    (np.nan, ""),
]


def test_mask_cpr() -> None:
    raws, masked = zip(*MASKED, strict=True)
    check(raws, [mask_cpr(raw) for raw in raws], masked)
    check(raws, parse(mask_cpr_series, list(raws)).tolist(), masked)


def test_format_cpr() -> None:
    raw = pd.Series(["0101901234", None, "abc"], dtype="string")
    assert format_cpr(raw).tolist() == ["010190-1234", pd.NA, "abc"]


# hypothesis: every (date, serial) the century rule can express parses back to the same date
def _first_digits(year: int) -> list[int]:
    yy = year % 100
    if year < 1900:
        return [5, 6, 7, 8] if yy >= 58 else []
    if year < 2000:
        return [0, 1, 2, 3] + ([4, 9] if yy >= 37 else [])
    return ([4, 9] if yy <= 36 else []) + ([5, 6, 7, 8] if yy <= 57 else [])


@st.composite
def cpr_cases(draw: st.DrawFn) -> tuple[str, dt.date, bool]:
    date = draw(st.dates(dt.date(1858, 1, 1), dt.date(2057, 12, 31)))
    serial = draw(st.sampled_from(_first_digits(date.year))) * 1000 + draw(st.integers(0, 999))
    replacement = draw(st.booleans())
    sep = draw(st.sampled_from(["", "-", " "]))
    day = date.day + (60 if replacement else 0)
    return f"{day:02d}{date:%m}{date.year % 100:02d}{sep}{serial:04d}", date, replacement


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(cpr_cases(), min_size=1, max_size=100))
def test_cpr_roundtrip_birth_date(cases: list[tuple[str, dt.date, bool]]) -> None:
    result = parse_cpr(pd.Series([raw for raw, _, _ in cases]))
    assert result["error"].isna().all()
    assert [ts.date() for ts in result["birth_date"]] == [date for _, date, _ in cases]
    assert result["replacement"].tolist() == [rep for _, _, rep in cases]


# --- Dates ---------------------------------------------------------------------------------------------

DATES = pipe_table("""
01-03-2024              | 2024-03-01
1-3-2024                | 2024-03-01
01.03.2024              | 2024-03-01
1.3.2024                | 2024-03-01
01/03/2024              | 2024-03-01
1/03/2024               | 2024-03-01
01-03-2024 13:45        | 2024-03-01
01-03-2024 13:45:59     | 2024-03-01
1.3.2024 8:05           | 2024-03-01
01-03-2024T08:00:00     | 2024-03-01
2024-03-01              | 2024-03-01
2024-3-1                | 2024-03-01
2024-03-01 00:00:00     | 2024-03-01
2024-03-01T10:15:00     | 2024-03-01
2024-03-01 00:00:00.000 | 2024-03-01
29-02-2024              | 2024-02-29
29-02-2000              | 2000-02-29
31-12-1899              | 1899-12-31
# impossible dates
31-11-2024              | NaT
29-02-2023              | NaT
29-02-1900              | NaT
00-01-2024              | NaT
32-01-2024              | NaT
01-13-2024              | NaT
2024-02-30              | NaT
# two-digit years are ambiguous
01-03-24                | NaT
1/3/24                  | NaT
# garbage, mixed separators, bad time, outside datetime64[ns]
abc                     | NaT
2024                    | NaT
01-03.2024              | NaT
01/03-2024              | NaT
01-03-2024 25:00        | NaT
01-03-2024 kl. 12       | NaT
010324                  | NaT
01-03-20245             | NaT
0001-01-01              | NaT
31-12-9999              | NaT
""")


def test_parse_dates() -> None:
    raws, expected = zip(*(DATES + [("  01-03-2024 ", "2024-03-01")]), strict=True)
    parsed = parse(parse_dates, list(raws))
    check(raws, parsed.tolist(), [None if e == "NaT" else pd.Timestamp(e) for e in expected])
    check(raws, invalid_mask(pd.Series(raws), parsed.reset_index(drop=True)).tolist(),
          [e == "NaT" for e in expected])


def test_dates_dtype_empty_and_real_datetimes() -> None:
    raw = pd.Series([None, np.nan, "", "  ", dt.datetime(2024, 3, 1, 12, 0), pd.Timestamp("2023-05-17")],
                    index=list("abcdef"), dtype=object)
    parsed = parse_dates(raw)
    assert parsed.dtype == "datetime64[ns]" and list(parsed.index) == list("abcdef")
    assert parsed.isna().tolist() == [True, True, True, True, False, False]
    assert parsed.iloc[4:].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2023-05-17")]
    assert not invalid_mask(raw, parsed).any()


# --- Amounts -------------------------------------------------------------------------------------------

AMOUNTS = [
    ("1.234,50", 123450), ("1234,50", 123450), ("1234", 123400), ("1.234", 123400),
    ("-1.234,5", -123450), ("1 234,50", 123450), ("1\u00a0234,50", 123450), ("1\u202f234", 123400),
    ("1.234.567,89", 123456789), ("1234.50", 123450), ("1234.5", 123450), ("0.5", 50),
    ("1.234,50 kr.", 123450), ("1234 kr", 123400), ("kr. 1.234,50", 123450), ("DKK 99,95", 9995),
    ("99,95 DKK", 9995), ("  42  ", 4200), ("+5", 500), ("\u22125", -500), ("- 5", -500), ("0", 0),
    ("-0,00", 0), ("0,01", 1), ("12,500", 1250), ("12,5000", 1250), ("100,-", 10000),
    ("1.234,- kr.", 123400), ("123456789012345", 12345678901234500),
    # invalid: NA, and invalid_mask marks them
    ("12,34,5", None), ("abc", None), ("1.23,00", None), ("12,345", None), ("1234.567", None),
    ("1.234.50", None), (",50", None), ("1,", None), ("1.2.3", None), ("12 kr 50", None),
    ("1e5", None), ("NaN", None), ("1234567890123456", None), ("12,5-", None), ("--5", None),
    ("1 23", None), ("1 234.50", None), ("kr.", None), ("5 EUR", None), ("٥", None),
]


def test_parse_amounts_ore() -> None:
    raws, ore = zip(*AMOUNTS, strict=True)
    parsed = parse(parse_amounts_ore, list(raws))
    check(raws, parsed.tolist(), ore)
    check(raws, invalid_mask(pd.Series(raws), parsed.reset_index(drop=True)).tolist(),
          [o is None for o in ore])


def test_amounts_dtype_and_empty() -> None:
    raw = pd.Series([None, "", " ", "1,00", "x", 1234.5], dtype=object)
    parsed = parse_amounts_ore(raw)
    assert parsed.dtype == "Int64"
    assert parsed.tolist() == [pd.NA, pd.NA, pd.NA, 100, pd.NA, 123450]
    assert invalid_mask(raw, parsed).tolist() == [False, False, False, False, True, False]


# --- Percentages ---------------------------------------------------------------------------------------

PERCENTAGES = [
    ("100", 100.0), ("75", 75.0), ("75,5", 75.5), ("75.5", 75.5), ("75 %", 75.0), ("75%", 75.0),
    ("0", 0.0), ("0,0", 0.0), ("100,0", 100.0), (" 50 % ", 50.0),
    ("100,5", None), ("-1", None), ("101", None), ("abc", None), ("75 %%", None), ("1000", None),
]


def test_parse_percentages() -> None:
    raws, expected = zip(*PERCENTAGES, strict=True)
    check(raws, parse(parse_percentages, list(raws)).tolist(), expected)


def test_percentages_dtype_and_invalid_mask() -> None:
    raw = pd.Series(["100", "100,5", None, "", "-1"])
    parsed = parse_percentages(raw)
    assert parsed.dtype == "Float64"
    assert invalid_mask(raw, parsed).tolist() == [False, True, False, False, True]


# --- Text and emptiness --------------------------------------------------------------------------------

CLEAN_TEXT = [
    ("  hej  ", "hej"), ("a\x00b", "ab"), ("a\tb\nc", "a\tb\nc"), ("a\rb", "a\rb"),
    ("\x1b[1mfed\x1b[0m", "[1mfed[0m"), ("x\x0b\x0cy\x7f", "xy"), ("\x00  Æblegade 3 \x08", "Æblegade 3"),
    ("\x7f", None), ("   ", None), ("", None), (None, None),
]


def test_clean_text() -> None:
    raws, expected = zip(*CLEAN_TEXT, strict=True)
    cleaned = parse(clean_text, list(raws))
    assert cleaned.dtype == pd.StringDtype()
    check(raws, cleaned.tolist(), expected)


def test_is_empty() -> None:
    raw = pd.Series([None, np.nan, pd.NA, "", "  ", "\t\n", "\u00a0", "x", " x ", 0], dtype=object)
    assert is_empty(raw).tolist() == [True] * 7 + [False] * 3
    assert is_empty(raw).dtype == bool


def test_format_dates_danish_order_with_zeros_and_missing() -> None:
    dates = pd.Series(pd.to_datetime(["2027-01-04 00:00", None, "1899-12-31 00:00", "2261-12-31 13:45"]),
                      index=[5, 6, 7, 8])
    text = format_dates(dates)
    assert text.tolist() == ["04-01-2027", pd.NA, "31-12-1899", "31-12-2261"]
    assert text.dtype == pd.StringDtype() and list(text.index) == [5, 6, 7, 8]
    assert text.tolist()[::2] == [d.strftime("%d-%m-%Y") for d in dates.iloc[::2]]


def test_parsers_take_a_series_put_together_by_concat() -> None:  # pyarrow then holds it in chunks
    s = pd.concat([pd.Series(["01-02-2024", "x"], dtype="string"), pd.Series(["2024-03-04"], dtype="string")],
                  ignore_index=True)
    assert parse_dates(s).tolist()[::2] == [pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-04")]
    assert parse_cpr(pd.concat([s.iloc[:1], pd.Series(["0101501234"], dtype="string")]))["cpr"].tolist()[1] == \
        "0101501234"
