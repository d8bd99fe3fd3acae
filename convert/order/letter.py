"""Letter material for the system administrator (brevtekst.docx): the text to add when overwriting KP's letter
template "Bevilling – Udvidet helbredstillæg til fodbehandling".

KOMBIT's guidance ("Særligt vedr. udvidet helbredstillæg til fodbehandling og prisaftale"): KP cannot merge a
price agreement into the foot-care letter, so the municipality adds a table of subsidy examples at
tillægsprocent 100 % and says that the agreement price and the tillægsprocent are those at the grant date and
may change. For converted cases a short introduction explains the new letter; wrapped in a merge question
(flettespørgsmål) the same template serves new and converted grants. KOMBIT guarantees the web accessibility of
its central letters only while they are not overwritten: the material says so before anything else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from .. import __version__
from ..danish.format import format_kr, long_date
from ..money import SUBSIDY_SHARE, Subsidy, subsidy
from ..settings.batch import Config
from .docmodel import Block, Bold, Bullets, Heading, Link, MergeIf, Para, TableBlock, render_docx
from .draft import missing_for_letter, titled

LETTER_NAME = "brevtekst.docx"
TEMPLATE_NAME = "Bevilling – Udvidet helbredstillæg til fodbehandling"
EXAMPLE_HEADER = ("Beskrivelse", "Overslag", "Prisaftale", "Tilskud", "Egenbetaling")
FULL_PERCENT = Decimal(100)
GRANT_DATE_SENTENCE = ("Prisaftalen og den personlige tillægsprocent, som nævnes i brevet, er dem, der gælder på "
                       "bevillingstidspunktet. De kan ændre sig.")
# KOMBIT's implementation plan, "Brevskabeloner": what a municipality takes over when it overwrites a central letter
ACCESSIBILITY_WARNING = (
    "KOMBIT garanterer webtilgængeligheden af de centralt oprettede breve i KP efter webtilgængelighedsloven, "
    "forudsat at der ikke er rettet i brevets indhold. Når kommunen overskriver brevskabelonen, kan KOMBIT ikke "
    "længere garantere det: kommunen overtager ansvaret for, at brevet med overskrivninger er webtilgængeligt, og for "
    "at vedligeholde det (KP varsler det, når skabelonen overskrives). Ændres skabelonen senere centralt, får "
    "kommunen en opfølgningsopgave; KOMBIT anbefaler en opgavepakke hertil ud fra opgavepakkeskabelonen "
    "»Beskedskabelon ændret«."
)
_ROUNDING_WORDS = {"half_up": "halvt op (0,005 kr. rundes op)", "half_even": "halvt til lige øre",
                   "down": "ned (mod nul)", "up": "op (væk fra nul)"}


def intro_text(config: Config) -> str:
    return config.letter.intro.format(startdato=long_date(config.cutover_date),
                                      kommune=config.municipality or "kommunen")


def example_subsidies(config: Config) -> list[tuple[str, Subsidy]]:
    """The three KOMBIT examples at tillægsprocent 100 %: dearer than, at and cheaper than the agreement."""
    s = config.letter
    if s.agreement_price is None:
        return []
    return [(label, subsidy(price, FULL_PERCENT, s.agreement_price, s.rounding)) for label, price in (
        ("Fodbehandling dyrere end prisaftale", s.dearer_example),
        ("Fodbehandling efter prisaftale", s.agreement_price),
        ("Fodbehandling billigere end prisaftale", s.cheaper_example))]


def example_table(config: Config) -> TableBlock | None:
    rows = example_subsidies(config)
    if not rows:
        return None
    return TableBlock(EXAMPLE_HEADER, tuple(
        (label, format_kr(x.price), format_kr(x.agreement or Decimal(0)), format_kr(x.subsidy),
         format_kr(x.own_payment)) for label, x in rows), right=frozenset({1, 2, 3, 4}))


def letter_blocks(config: Config, *, date: dt.date | None = None, version: str = "") -> list[Block]:
    """The letter material; `date` and `version` are the order's (shown at the top when given)."""
    s = config.letter
    intro = intro_text(config)
    merge = MergeIf(s.merge_question_key, intro) if s.wrap_intro_in_merge_question else None
    blocks: list[Block] = []
    if date is not None:
        blocks.append(Para.of(f"Dato: {date:%d-%m-%Y}" + (f" · Version: {version}" if version else "")
                              + f" · Lavet med kp-convert {__version__}"))
    if missing := missing_for_letter(config):
        blocks += [Heading("Udkast – det mangler"), Bullets.of(*(m.text for m in missing))]
    blocks += [
        Heading("Til systemadministratoren"),
        Para.of(f"Teksten er til at overskrive KP's brevskabelon »{TEMPLATE_NAME}«. Kopiér afsnittene under "
                "»Brevtekst« ind i skabelonen, tilpas ordlyden, og test skabelonen i KP's træningsmiljø, før den "
                "kopieres til det rigtige KP (KOMBITs implementeringsplan, »Særligt vedr. udvidet helbredstillæg "
                "til fodbehandling og prisaftale«)."),
        Para.of(Bold("Webtilgængelighed:"), " " + ACCESSIBILITY_WARNING),
    ]
    if merge is not None:
        blocks += [
            Para.of("Indledningen er kodet med flettespørgsmålet med nøglen ", Bold(s.merge_question_key),
                    ": den kommer kun med i brevet, når sagsbehandleren svarer »Ja« til spørgsmålet. Opret "
                    "spørgsmålet under systemparameteren »Flettespørgsmål« (gerne med »Nej« som standardsvar), og "
                    "sæt flueben ved det under »Flettespørgsmål«, når skabelonen overskrives. Koden er skjult, så "
                    "afsnittet kan se almindeligt ud: vis den med Ctrl+A og derefter Shift+F9. Ret nøglen, når "
                    "skabelonen kopieres fra træningsmiljøet til det rigtige KP. Afsnittet under »Indledning …« kan se tomt "
                    "ud (fx i LibreOffice), fordi flettespørgsmålet først besvares i KP. Koden er:"),
            Para.of(merge.code()),
        ]
    else:
        blocks.append(Para.of("Indledningen er kun til de konverterede borgere. Skal samme skabelon også bruges til "
                              "nye bevillinger, kan indledningen kodes med et flettespørgsmål, så den kun kommer med, "
                              "når sagsbehandleren svarer »Ja« – kp-convert laver koden, når kommunen har oprettet "
                              "spørgsmålet i KP og givet nøglen."))
    table = example_table(config)
    if table is not None:
        blocks.append(Para.of(
            f"Eksemplerne er beregnet af kp-convert: tilskud = {_pct(SUBSIDY_SHARE * 100)} % af overslaget, dog "
            f"højst af prisaftalen ({format_kr(s.agreement_price or Decimal(0))}), gange den personlige "
            f"tillægsprocent (her 100 %), afrundet til hele øre {_ROUNDING_WORDS[s.rounding]}; egenbetaling = "
            "overslag − tilskud."))
    blocks += [Heading("Brevtekst"), Heading("Indledning til borgere, hvis bevilling er konverteret", 2),
               Para.of(merge if merge is not None else intro), Heading("Eksempler på tilskud", 2)]
    if table is None and s.no_agreement:
        blocks.append(Para.of(Bold("Kommunen har ingen prisaftale"), " på fodbehandling, så der er ingen "
                              "eksempeltabel."))
    elif table is None:
        blocks.append(Para.of(Bold("Ingen prisaftale angivet"), ", så eksempeltabellen er udeladt. Den kommer med, "
                              "når kommunens prisaftale er angivet."))
    else:
        blocks += [
            Para.of("Kommunen har en prisaftale på fodbehandling. Prisen efter aftalen er "
                    f"{format_kr(s.agreement_price or Decimal(0))} Tabellen viser eksempler på tilskuddets størrelse "
                    "med en personlig tillægsprocent på 100 %."),
            table,
        ]
    if not s.no_agreement:
        blocks.append(Para.of(GRANT_DATE_SENTENCE))
    if s.price_page_url:
        blocks.append(Para.of("Du kan altid se kommunens gældende prisaftale på ", Link(s.price_page_url,
                                                                                         s.price_page_url), "."))
    return blocks


def _pct(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


def write_letter(config: Config, path: Path, *, created: dt.datetime, date: dt.date | None = None,
                 version: str = "") -> None:
    title = titled(f"Brevtekst – {TEMPLATE_NAME}", missing_for_letter(config))
    render_docx(title, letter_blocks(config, date=date, version=version), path, created=created,
                subject="Tekst til overskrivning af brevskabelonen i KP", author=config.municipality or "kp-convert",
                footer=title + (f" · Version {version}" if version else ""))
