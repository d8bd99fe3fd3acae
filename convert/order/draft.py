"""Is the order ready to send? Until the municipality has filled in what Netcompany needs to carry it out
without calling back, the documents are titled UDKAST and their first section lists what is missing; the console
says which configuration lines to fill (the documents never show a configuration key).

Also the marks every document of an order carries: its date and its version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..settings.batch import Config

DRAFT = "UDKAST"


@dataclass(frozen=True)
class Missing:
    """Something the order still lacks: as the documents say it, and the configuration line that fills it."""

    text: str  # Danish, in the documents
    hint: str  # the configuration line, on the console only


def missing_for_order(config: Config) -> list[Missing]:
    """What bestilling.docx/.md still lacks: the municipality and its contact, the timing, the three decisions,
    the price agreement, the delivery channel and the unit in KP that takes over the cases."""
    o, out = config.order, []
    if not config.municipality:
        out.append(Missing("Kommunens navn", '[batch] municipality = "<kommunen>"'))
    if not o.contact_name or not (o.contact_email or o.contact_phone):
        out.append(Missing("Kontaktperson i kommunen (navn og e-mail eller telefon)",
                           '[order] contact_name = "<navn>" og contact_email = "<e-mail>" (eller contact_phone)'))
    if not o.desired_timing:
        out.append(Missing("Ønsket tidspunkt for konverteringen", '[order] desired_timing = "<fx uge 48-50 2026>"'))
    for key, label in (("convert_documents", "konvertering med dokumenter"), ("closing_notes", "lukkenotater"),
                       ("new_letter", "nyt bevillingsbrev")):
        if getattr(o, key) is None:
            out.append(Missing(f"Kommunens beslutning om {label}", f"[order] {key} = true/false"))
    out += missing_for_letter(config)
    if not o.delivery_channel:
        out.append(Missing("Den sikre kanal, udtrækket med CPR-numre sendes ad",
                           '[order] delivery_channel = "<fx sikker filoverførsel aftalt med Netcompany>"'))
    if not o.responsible_unit:
        out.append(Missing("Den enhed i KP, der skal være ansvarlig for de konverterede sager",
                           '[order] responsible_unit = "<enheden i KP>"'))
    return out


def missing_for_letter(config: Config) -> list[Missing]:
    """What brevtekst.docx still lacks: whether the municipality has a price agreement, and its price."""
    if config.letter.agreement_price is None and not config.letter.no_agreement:
        return [Missing("Kommunens prisaftale på fodbehandling (prisen, eller at kommunen ingen prisaftale har)",
                        '[letter] agreement_price = "<fx 435,00>" (eller "ingen")')]
    return []


def order_date(config: Config) -> dt.date:
    """The date the documents carry: `order.order_date`, else the day they are written."""
    return config.order.order_date or dt.date.today()


def version_of(sha256: str) -> str:
    """The order's version: the first 12 characters of the extract's SHA-256 (same extract, same version)."""
    return sha256[:12]


def titled(title: str, missing: list[Missing]) -> str:
    return f"{DRAFT} – {title}" if missing else title
