"""Money: the KOMBIT subsidy table and the public worked example, exactly; one rounding rule; no float artefacts."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convert.danish.format import format_kr
from convert.danish.parse import parse_percentages
from convert.money import (
    case_subsidies,
    kr_from_ore,
    ore_from_kr,
    percent_from_float,
    subsidy,
)
from tests.conftest import pipe_table

D = Decimal

# KOMBIT implementeringsplan, "Særligt vedr. udvidet helbredstillæg til fodbehandling og prisaftale":
# tillægsprocent 100 %, prisaftale 435,00 kr.
KOMBIT_TABLE = """
overslag | prisaftale | tilskud | egenbetaling
500.00   | 435.00     | 369.75  | 130.25
435.00   | 435.00     | 369.75  | 65.25
350.00   | 435.00     | 297.50  | 52.50
"""


def _rows(text: str) -> list[tuple[Decimal, ...]]:
    """The rows under the header of a `|`-separated table, as amounts."""
    return [tuple(map(D, row)) for row in pipe_table(text)[1:]]


@pytest.mark.parametrize("price, agreement, expected_subsidy, expected_own", _rows(KOMBIT_TABLE))
def test_kombit_table(price: Decimal, agreement: Decimal, expected_subsidy: Decimal, expected_own: Decimal) -> None:
    result = subsidy(price, D(100), agreement)
    assert result.subsidy == expected_subsidy
    assert result.own_payment == expected_own
    assert format_kr(result.subsidy) == f"{expected_subsidy}".replace(".", ",") + " kr."


@pytest.mark.parametrize("pct, expected_subsidy, expected_own", [
    ("100", "38.25", "6.75"),   # 45 × 85 %
    ("75", "28.69", "16.31"),   # 45 × 85 % × 75 % = 28,6875 -> 28,69 (half up)
])
def test_public_worked_example_45_kr_own_share(pct: str, expected_subsidy: str, expected_own: str) -> None:
    result = subsidy(D("45.00"), D(pct))  # no price agreement: the basis is the price itself
    assert result.basis == D("45.00")
    assert result.subsidy == D(expected_subsidy) and result.own_payment == D(expected_own)


@pytest.mark.parametrize("price, pct, rule, expected", [
    # 0,85 × 1,00 × 50 % = 0,425: exactly half an øre
    ("1.00", "50", "half_up", "0.43"), ("1.00", "50", "half_even", "0.42"),
    ("1.00", "50", "down", "0.42"), ("1.00", "50", "up", "0.43"),
    # 0,85 × 3,00 × 50 % = 1,275
    ("3.00", "50", "half_up", "1.28"), ("3.00", "50", "half_even", "1.28"), ("3.00", "50", "down", "1.27"),
    # 45 × 0,85 × 75 % = 28,6875: not a tie, every rule but 'down' gives 28,69
    ("45.00", "75", "half_even", "28.69"), ("45.00", "75", "down", "28.68"), ("45.00", "75", "up", "28.69"),
])
def test_one_configurable_rounding_rule(price: str, pct: str, rule: str, expected: str) -> None:
    assert subsidy(D(price), D(pct), rounding=rule).subsidy == D(expected)


def test_unknown_rounding_rule_and_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="rounding"):
        subsidy(D("1"), D("100"), rounding="bankers")
    with pytest.raises(ValueError):
        subsidy(D("1"), D("101"))


def test_percentages_reach_decimal_without_float_artefacts() -> None:
    parsed = parse_percentages(pd.Series(["75,5", "33,3", "100", "0,1"]))
    assert [percent_from_float(v) for v in parsed] == [D("75.5"), D("33.3"), D("100.0"), D("0.1")]
    # 75,5 % of 369,75 = 279,16125: a float-derived Decimal(75.5) happens to be exact, 33.3 is not
    assert subsidy(D("435"), percent_from_float(33.3), D("435")).subsidy == D("123.13")  # 123,12675 -> 123,13
    assert D(33.3) != D("33.3")


def test_ore_conversion_is_exact() -> None:
    assert kr_from_ore(36975) == D("369.75") and ore_from_kr(D("369.75")) == 36975
    with pytest.raises(ValueError):
        ore_from_kr(D("0.005"))


@pytest.mark.parametrize("amount, text", [("369.75", "369,75 kr."), ("1234.5", "1.234,50 kr."), ("0", "0,00 kr."),
                                          ("1000000", "1.000.000,00 kr.")])
def test_danish_format(amount: str, text: str) -> None:
    assert format_kr(D(amount)) == text


def test_case_subsidies_leave_missing_values_empty() -> None:
    estimate = pd.Series([50000, 50000, pd.NA, 43500, -100], dtype="Int64")  # øre
    pct = pd.Series([75.5, pd.NA, 100.0, 0.0, 100.0], dtype="Float64")
    with_agreement = case_subsidies(estimate, pct, D("435.00"))
    assert with_agreement["subsidy_estimate"].tolist() == [27916, pd.NA, pd.NA, 0, pd.NA]
    assert with_agreement["subsidy_agreement"].tolist() == [27916, pd.NA, 36975, 0, 36975]
    without = case_subsidies(estimate, pct, None)
    assert without["subsidy_estimate"].tolist()[0] == 32088  # 500 × 0,85 × 75,5 % = 320,875 -> 320,88
    assert without["subsidy_agreement"].isna().all()


@settings(max_examples=300, deadline=None)
@given(price=st.integers(0, 10_000_00), agreement=st.one_of(st.none(), st.integers(1, 10_000_00)),
       pct=st.decimals(0, 100, places=1), rule=st.sampled_from(["half_up", "half_even", "down", "up"]))
def test_subsidy_invariants(price: int, agreement: int | None, pct: Decimal, rule: str) -> None:
    agreed = kr_from_ore(agreement) if agreement is not None else None
    result = subsidy(kr_from_ore(price), pct, agreed, rule)
    assert result.subsidy + result.own_payment == result.price  # exact
    assert result.subsidy == result.subsidy.quantize(D("0.01"))
    exact = D("0.85") * result.basis * pct / 100
    assert abs(result.subsidy - exact) < D("0.01")
    assert 0 <= result.subsidy <= result.price


@settings(max_examples=50, deadline=None)
@given(rows=st.lists(st.tuples(st.one_of(st.none(), st.integers(-100, 10**15)),
                               st.one_of(st.none(), st.decimals(0, 100, places=2))), min_size=1, max_size=20),
       agreement=st.one_of(st.none(), st.integers(1, 10**12)), rule=st.sampled_from(["half_up", "half_even", "down", "up"]))
def test_column_subsidies_equal_the_scalar_rule(rows, agreement, rule) -> None:  # type: ignore[no-untyped-def]
    estimate = pd.Series([e for e, _ in rows], dtype="Int64")
    pct = parse_percentages(pd.Series([None if p is None else str(p).replace(".", ",") for _, p in rows]))
    agreed = kr_from_ore(agreement) if agreement is not None else None
    got = case_subsidies(estimate, pct, agreed, rule)
    for i, (e, p) in enumerate(rows):
        want_estimate = None if e is None or e < 0 or p is None else \
            ore_from_kr(subsidy(kr_from_ore(e), p, agreed, rule).subsidy)
        want_agreement = None if p is None or agreed is None else ore_from_kr(subsidy(agreed, p, agreed, rule).subsidy)
        assert (None if pd.isna(got["subsidy_estimate"][i]) else got["subsidy_estimate"][i]) == want_estimate
        assert (None if pd.isna(got["subsidy_agreement"][i]) else got["subsidy_agreement"][i]) == want_agreement
