"""The [letter] and [order] sections of the batch config: the price agreement and the grant-letter text, and
what the municipality orders from Netcompany. `config.py` checks keys and types with these schemas; the
functions here check the values. Texts marked default are suggestions the municipality should rewrite.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..money import DEFAULT_ROUNDING, ROUNDING_RULES, kr_from_ore
from .toml import check_integer, check_number, parse_date, resolved, template_fields

DEFAULT_INTRO = (
    "Du har allerede en bevilling af udvidet helbredstillæg til fodbehandling. Fra {startdato} behandler "
    "{kommune} din bevilling i Kommunernes Pensionssystem (KP), og derfor får du dette nye bevillingsbrev. "
    "Du skal ikke gøre noget."
)
INTRO_FIELDS = ("startdato", "kommune")
DEFAULT_REJECTED_PLAN = (
    "Afviste sager er ikke med i udtrækket. Kommunen retter dem i ESDH og opretter dem selv i KP bagefter."
)
DEFAULT_FLAGGED_PLAN = (
    "Sager med bemærkninger er med i bestillingen og konverteres som bestilt. Bemærkningen står i udtrækket til "
    "orientering; kommunen følger selv op på sagerne i KP."
)
DEFAULT_HELD_BACK_PLAN = (
    "Sagerne er ikke med i udtrækket. Kommunen retter dem og opretter dem selv i KP, eller bestiller dem i en "
    "senere bestilling."
)
# Written in a config instead of an amount: the municipality has no price agreement (the letter has no table).
NO_AGREEMENT_WORDS = ("ingen", "nej")
DEFAULT_PILOT_CASES = 5
MAX_PILOT_CASES = 1000  # a test conversion of a few cases, checked by hand before the rest are converted
# a foot-care treatment costs a few hundred kroner: an amount above this is a slip (øre for kroner, a digit too many),
# and 10^15 kr. would load and be printed in the grant letter
MAX_PRICE_KR = 100_000
DEFAULT_CASE_TYPE = "Udvidet helbredstillæg til fodbehandling"  # KP's exact name is an open question

_AMOUNT = (str, int, float)
LETTER_SCHEMA: dict[str, tuple[Any, Any]] = {
    "agreement_price": (_AMOUNT, ""),  # "" = not stated yet (the order is a draft); "ingen" = no agreement
    "dearer_example": (_AMOUNT, "500,00"),
    "cheaper_example": (_AMOUNT, "350,00"),
    "rounding": (str, DEFAULT_ROUNDING),
    "intro": (str, DEFAULT_INTRO),
    "price_page_url": (str, ""),
    "merge_question_key": (str, ""),
    "wrap_intro_in_merge_question": (bool, False),
}
ORDER_SCHEMA: dict[str, tuple[Any, Any]] = {
    "contact_name": (str, ""),
    "contact_email": (str, ""),
    "contact_phone": (str, ""),
    "kp_case_type": (str, DEFAULT_CASE_TYPE),
    "convert_documents": (bool, None),  # None = not decided yet: said so in the specification
    "closing_notes": (bool, None),
    "new_letter": (bool, None),
    "desired_timing": (str, ""),
    "rejected_plan": (str, DEFAULT_REJECTED_PLAN),
    "flagged_plan": (str, DEFAULT_FLAGGED_PLAN),
    "documents_folder": (str, ""),
    "delivery_channel": (str, ""),
    "held_back_plan": (str, DEFAULT_HELD_BACK_PLAN),
    # a citizen with several running grants: the ESDH case numbers to order (one per citizen; the others wait)
    "chosen_grants": (list, []),
    "pilot_cases": (int, DEFAULT_PILOT_CASES),  # the test conversion: the first N cases by ESDH case number
    "order_date": ((str, dt.date), ""),  # "" = the day `spec` runs
    "responsible_unit": (str, ""),  # the unit in KP that handles the converted cases
    "kp_case_title": (str, ""),  # "" = the title KP gives the case type
    "data_processing_agreement": (str, ""),  # the agreement the extract is sent under; "" = to be confirmed
}


@dataclass(frozen=True)
class LetterSettings:
    agreement_price: Decimal | None = None  # None: no agreement (`no_agreement`) or not stated yet
    no_agreement: bool = False  # the config says the municipality has no price agreement ("ingen")
    dearer_example: Decimal = Decimal("500.00")
    cheaper_example: Decimal = Decimal("350.00")
    rounding: str = DEFAULT_ROUNDING
    intro: str = DEFAULT_INTRO
    price_page_url: str = ""
    merge_question_key: str = ""
    wrap_intro_in_merge_question: bool = False


@dataclass(frozen=True)
class OrderSettings:
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    kp_case_type: str = DEFAULT_CASE_TYPE
    convert_documents: bool | None = None
    closing_notes: bool | None = None
    new_letter: bool | None = None
    desired_timing: str = ""
    rejected_plan: str = DEFAULT_REJECTED_PLAN
    flagged_plan: str = DEFAULT_FLAGGED_PLAN
    documents_folder: Path | None = None
    delivery_channel: str = ""
    held_back_plan: str = DEFAULT_HELD_BACK_PLAN
    chosen_grants: tuple[str, ...] = ()
    pilot_cases: int = DEFAULT_PILOT_CASES
    order_date: dt.date | None = None  # None: the day the order is written
    responsible_unit: str = ""
    kp_case_title: str = ""
    data_processing_agreement: str = ""


def _amount(value: Any, where: str) -> Decimal | None:
    """'435,00', '435', 435 or 435.0 -> Decimal('435.00'); '' -> None. Never rounds."""
    import pandas as pd

    from ..danish.parse import parse_amounts_ore

    if isinstance(value, bool):
        raise ConfigError(f"'{where}' skal være et beløb, fx \"435,00\", men er {value!r}")
    text = value.strip() if isinstance(value, str) else repr(value)
    if text == "":
        return None
    ore = parse_amounts_ore(pd.Series([text], dtype="string")).iloc[0]
    if pd.isna(ore) or ore < 0:
        raise ConfigError(f"'{where}' er ikke et gyldigt beløb: {value!r}", hint='skriv fx "435,00"')
    return kr_from_ore(int(ore))


def _price(amount: Decimal | None, where: str) -> Decimal | None:
    """An amount of the letter's price table (None: not given) is more than 0 and at most MAX_PRICE_KR kroner."""
    if amount is not None:  # as an int when whole: the message says 'men er 1000000', not '1000000.0'
        check_number(int(amount) if amount % 1 == 0 else float(amount), where, low=0.01, high=MAX_PRICE_KR, unit="kr.", what="et beløb",
                     hint='en fodbehandling koster nogle hundrede kroner; skriv beløbet i kroner, fx "435,00"')
    return amount


def _check_fields(template: str, where: str, allowed: tuple[str, ...]) -> str:
    for name in template_fields(template, where):
        if name not in allowed:
            raise ConfigError(f"Ukendt felt '{{{name}}}' i '{where}'", hint="felter: " + ", ".join(
                "{" + a + "}" for a in allowed))
    return template


def parse_letter(d: dict[str, Any]) -> LetterSettings:
    raw_price = d["agreement_price"]
    no_agreement = isinstance(raw_price, str) and raw_price.strip().casefold() in NO_AGREEMENT_WORDS
    agreement = None if no_agreement else _amount(raw_price, "letter.agreement_price")
    if agreement == 0:
        raise ConfigError("'letter.agreement_price' skal være større end 0 (tom = ingen prisaftale)")
    agreement = _price(agreement, "letter.agreement_price")
    dearer = _price(_amount(d["dearer_example"], "letter.dearer_example"), "letter.dearer_example")
    cheaper = _price(_amount(d["cheaper_example"], "letter.cheaper_example"), "letter.cheaper_example")
    if agreement is not None:
        if dearer is None or dearer <= agreement:
            raise ConfigError(f"'letter.dearer_example' skal være dyrere end prisaftalen ({agreement} kr.)")
        if cheaper is None or cheaper >= agreement:
            raise ConfigError(f"'letter.cheaper_example' skal være billigere end prisaftalen ({agreement} kr.)")
    if d["rounding"] not in ROUNDING_RULES:
        raise ConfigError(f"'letter.rounding' er ukendt: {d['rounding']!r}", hint="brug " + ", ".join(ROUNDING_RULES))
    url = d["price_page_url"].strip()
    if url and not re.fullmatch(r"https?://[^\s\"]+", url):
        raise ConfigError(f"'letter.price_page_url' skal være en webadresse der starter med https://, ikke {url!r}")
    key = d["merge_question_key"].strip()
    if key and not re.fullmatch(r"[A-Za-z0-9_-]+", key):
        raise ConfigError(f"'letter.merge_question_key' må kun indeholde bogstaver, tal, - og _: {key!r}",
                          hint="nøglen står ved flettespørgsmålet under systemparameteren 'Flettespørgsmål' i KP")
    if d["wrap_intro_in_merge_question"] and not key:
        raise ConfigError("'letter.wrap_intro_in_merge_question' er true, men 'letter.merge_question_key' er tom",
                          hint="skriv flettespørgsmålets nøgle fra KP")
    return LetterSettings(agreement_price=agreement, no_agreement=no_agreement,
                          dearer_example=dearer or Decimal("500.00"), cheaper_example=cheaper if cheaper is not None else Decimal("350.00"),
                          rounding=d["rounding"], intro=_check_fields(d["intro"].strip(), "letter.intro", INTRO_FIELDS),
                          price_page_url=url, merge_question_key=key,
                          wrap_intro_in_merge_question=d["wrap_intro_in_merge_question"])


def parse_order(d: dict[str, Any], base: Path) -> OrderSettings:
    email = d["contact_email"].strip()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ConfigError(f"'order.contact_email' er ikke en e-mailadresse: {email!r}")
    folder = d["documents_folder"].strip()
    chosen = d["chosen_grants"]
    if not all(isinstance(x, str) and x.strip() for x in chosen):
        raise ConfigError("'order.chosen_grants' skal være en liste af ESDH-sagsnumre (tekster)",
                          hint='fx chosen_grants = ["32.03.12-G01-17-24"]')
    check_integer(d["pilot_cases"], "order.pilot_cases", low=0, high=MAX_PILOT_CASES, hint="0 = ingen prøvekonvertering")
    order_date = d["order_date"]
    if isinstance(order_date, str) and not order_date.strip():
        order_date = None
    return OrderSettings(
        contact_name=d["contact_name"].strip(), contact_email=email, contact_phone=d["contact_phone"].strip(),
        kp_case_type=d["kp_case_type"].strip() or DEFAULT_CASE_TYPE,
        convert_documents=d["convert_documents"], closing_notes=d["closing_notes"], new_letter=d["new_letter"],
        desired_timing=d["desired_timing"].strip(), rejected_plan=d["rejected_plan"].strip(),
        flagged_plan=d["flagged_plan"].strip(), documents_folder=resolved(base / folder) if folder else None,
        delivery_channel=d["delivery_channel"].strip(), held_back_plan=d["held_back_plan"].strip(),
        chosen_grants=tuple(dict.fromkeys(x.strip() for x in chosen)), pilot_cases=d["pilot_cases"],
        order_date=None if order_date is None else parse_date(order_date, "order.order_date"),
        responsible_unit=d["responsible_unit"].strip(), kp_case_title=d["kp_case_title"].strip(),
        data_processing_agreement=d["data_processing_agreement"].strip())
