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
from typing import TYPE_CHECKING, SupportsFloat

if TYPE_CHECKING:  # numpy and pandas are imported where used: config loading (and `init`) stays light
    import numpy as np
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


def percent_from_float(value: SupportsFloat) -> Decimal:
    """A parsed tillægsprocent (Float64) as the decimal the user wrote: via the shortest repr, so 75.5 stays
    Decimal('75.5') and never becomes 75.4999999999999982236431605997495353221893310546875."""
    try:
        return Decimal(repr(float(value)))
    except InvalidOperation:  # pragma: no cover - repr of a finite float is always a valid decimal
        raise ValueError(f"not a percentage: {value!r}") from None


def case_subsidies(estimate_ore: pd.Series, tillaegsprocent: pd.Series, agreement: Decimal | None,
                   rounding: str = DEFAULT_ROUNDING) -> pd.DataFrame:
    """Per case, in øre (Int64): the subsidy for its estimate, and for a treatment at the agreed price.

    A missing or negative estimate, a missing tillægsprocent or no agreement gives an empty value, never a guess.
    Columns: subsidy_estimate, subsidy_agreement. Same results as `subsidy()` (tested), in exact integer
    arithmetic over whole columns: subsidy in øre = 0,85 × basis_øre × (p/q) / 100 for tillægsprocent p/q.
    """
    import numpy as np
    import pandas as pd

    if rounding not in ROUNDING_RULES:
        raise ValueError(f"unknown rounding rule {rounding!r}; use one of {', '.join(ROUNDING_RULES)}")
    pct = tillaegsprocent.astype("Float64")
    codes, uniques = pd.factorize(pct.to_numpy(dtype=float, na_value=np.nan), use_na_sentinel=True)
    ratios = [percent_from_float(u).as_integer_ratio() for u in uniques]  # few distinct values: exact
    num = np.array([n for n, _ in ratios] + [0], dtype=object)[codes]  # code -1 (NA) picks the trailing 0
    den = np.array([d for _, d in ratios] + [1], dtype=object)[codes]
    has_pct = codes >= 0
    estimate = estimate_ore.astype("Int64")
    has_estimate = estimate.notna().to_numpy() & (estimate.fillna(-1).to_numpy() >= 0)
    est = estimate.fillna(0).to_numpy(dtype=np.int64)
    agreed = ore_from_kr(agreement) if agreement is not None else None
    basis = np.minimum(est, agreed) if agreed is not None else est
    index = estimate_ore.index
    at_estimate = pd.Series(_round_ore(basis, num, den, rounding), index=index, dtype="Int64")
    out = {"subsidy_estimate": at_estimate.where(has_pct & has_estimate)}
    if agreed is None:
        out["subsidy_agreement"] = pd.Series(pd.NA, index=index, dtype="Int64")
    else:
        at_agreement = _round_ore(np.full(len(est), agreed, dtype=np.int64), num, den, rounding)
        out["subsidy_agreement"] = pd.Series(at_agreement, index=index, dtype="Int64").where(has_pct)
    return pd.DataFrame(out, index=index)


def _round_ore(basis_ore: np.ndarray, num: np.ndarray, den: np.ndarray, rounding: str) -> np.ndarray:
    """round(share × basis × num / (100 × den)) to whole øre by the rule, for non-negative values.
    Python integers in object arrays: no overflow whatever the amounts, still column-wise."""
    import numpy as np

    share_num, share_den = SUBSIDY_SHARE.as_integer_ratio()  # 17/20
    n = np.asarray(basis_ore, dtype=object) * share_num * num
    d = den * share_den * 100
    q, r = n // d, n % d
    if rounding == "half_up":
        q = q + (2 * r >= d)
    elif rounding == "half_even":
        q = q + ((2 * r > d) | ((2 * r == d) & (q % 2 == 1)))
    elif rounding == "up":
        q = q + (r > 0)
    return q.astype(np.int64)
