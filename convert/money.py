"""Exact money for udvidet helbredstillæg: the subsidy (tilskud) and own payment (egenbetaling).

Subsidy = 85 % × basis × personlig tillægsprocent / 100, where the basis is the municipality's agreed price
(prisaftale) capped by the price or estimate (overslag) when an agreement exists, otherwise the price itself
(KOMBIT implementeringsplan, "Særligt vedr. udvidet helbredstillæg til fodbehandling og prisaftale").
Own payment = price − subsidy. All arithmetic is Decimal; the subsidy is rounded once, to øre, by one
configurable rule (no official rule was found: municipalities differ, so half-up is only the default).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where used: config loading (and `init`) stays light
    import pandas as pd

SUBSIDY_SHARE = Decimal("0.85")
ORE = Decimal("0.01")
# name in the config -> decimal rounding mode; "down"/"up" are towards/away from zero
ROUNDING_RULES: dict[str, str] = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN,
                                  "down": ROUND_DOWN, "up": ROUND_UP}
DEFAULT_ROUNDING = "half_up"


@dataclass(frozen=True)
class Subsidy:
    price: Decimal  # the treatment's price or estimate (overslag)
    agreement: Decimal | None  # the agreed price (prisaftale), if the municipality has one
    tillaegsprocent: Decimal
    basis: Decimal
    subsidy: Decimal  # tilskud, rounded to øre
    own_payment: Decimal  # egenbetaling = price − subsidy


def subsidy(price: Decimal, tillaegsprocent: Decimal, agreement: Decimal | None = None,
            rounding: str = DEFAULT_ROUNDING) -> Subsidy:
    """The subsidy for one treatment. Amounts in kr. as Decimal, tillægsprocent 0–100."""
    if rounding not in ROUNDING_RULES:
        raise ValueError(f"unknown rounding rule {rounding!r}; use one of {', '.join(ROUNDING_RULES)}")
    if price < 0 or (agreement is not None and agreement < 0) or not 0 <= tillaegsprocent <= 100:
        raise ValueError("price and agreement must be >= 0 and tillaegsprocent within 0-100")
    basis = min(agreement, price) if agreement is not None else price
    exact = SUBSIDY_SHARE * basis * tillaegsprocent / 100
    rounded = exact.quantize(ORE, rounding=ROUNDING_RULES[rounding])
    return Subsidy(price=price, agreement=agreement, tillaegsprocent=tillaegsprocent, basis=basis,
                   subsidy=rounded, own_payment=price - rounded)


def kr_from_ore(ore: int) -> Decimal:
    """Exact: 36975 øre -> Decimal('369.75')."""
    return Decimal(int(ore)).scaleb(-2)


def ore_from_kr(kr: Decimal) -> int:
    """Exact for amounts already rounded to øre; anything finer is a bug (raises)."""
    ore = kr * 100
    if ore != ore.to_integral_value():
        raise ValueError(f"{kr} kr. is not a whole number of øre")
    return int(ore)


def percent_from_float(value: float) -> Decimal:
    """A parsed tillægsprocent (Float64) as the decimal the user wrote: via the shortest repr, so 75.5 stays
    Decimal('75.5') and never becomes 75.4999999999999982236431605997495353221893310546875."""
    try:
        return Decimal(repr(float(value)))
    except InvalidOperation:  # pragma: no cover - repr of a finite float is always a valid decimal
        raise ValueError(f"not a percentage: {value!r}") from None


def format_kr(amount: Decimal, *, suffix: bool = True) -> str:
    """Danish display, always two decimals: Decimal('1234.5') -> '1.234,50 kr.'."""
    text = f"{amount.quantize(ORE, rounding=ROUND_HALF_UP):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{text} kr." if suffix else text


def case_subsidies(estimate_ore: pd.Series, tillaegsprocent: pd.Series, agreement: Decimal | None,
                   rounding: str = DEFAULT_ROUNDING) -> pd.DataFrame:
    """Per case, in øre (Int64): the subsidy for its estimate, and for a treatment at the agreed price.

    A missing estimate, tillægsprocent or agreement gives an empty value, never a guess.
    Columns: subsidy_estimate, subsidy_agreement.
    """
    import pandas as pd

    at_estimate: list[int | None] = []
    at_agreement: list[int | None] = []
    for ore, pct in zip(estimate_ore.tolist(), tillaegsprocent.tolist(), strict=True):
        p = None if pct is None or pd.isna(pct) else percent_from_float(pct)
        if p is None or ore is None or pd.isna(ore) or ore < 0:
            at_estimate.append(None)
        else:
            at_estimate.append(ore_from_kr(subsidy(kr_from_ore(ore), p, agreement, rounding).subsidy))
        if p is None or agreement is None:
            at_agreement.append(None)
        else:
            at_agreement.append(ore_from_kr(subsidy(agreement, p, agreement, rounding).subsidy))
    return pd.DataFrame({"subsidy_estimate": pd.array(at_estimate, dtype="Int64"),
                         "subsidy_agreement": pd.array(at_agreement, dtype="Int64")}, index=estimate_ore.index)
