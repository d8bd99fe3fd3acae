"""The conversion order to Netcompany: a specification (bestilling.docx and the same as bestilling.md) built
from a run, plus the data extract, the return template and the letter material.

KOMBIT: a municipality that does not convert by hand orders the conversion through Netcompany's support
portal (Min Support) and describes what to convert, by which rules, and how much. The order is meant to be carried
out without calling back: a firm scope (`scope`), a draft marked as one until the municipality has filled in what
is missing (`draft`), a test conversion with acceptance criteria and a return file that `reconcile` reads
(`sections`, `returnfile`). The specification carries counts and rules, never people: no CPR number, no name. The
people are in bestilling_data.xlsx only.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from schemas.batch import CategorisedDocument as D
from schemas.batch import ConvertedCase as C
from schemas.batch import LedgerRow as L

from .. import __version__
from ..batch import Batch
from ..codes import FLAGS, REASONS
from ..danish.format import fmt_int, format_kr, format_size, or_list, pattern_in_words
from ..frames import single_row
from ..read.files import sha256_file
from ..settings.batch import UNCATEGORISED, Config
from ..settings.order import OrderSettings
from ..write.output_set import OutputSet
from .docmodel import Block, Bold, Bullets, Heading, Para, TableBlock, render_docx, render_markdown
from .draft import Missing, missing_for_order, order_date, titled, version_of
from .extract import DATA_NAME, DocumentSizes, document_formats, document_sizes, write_order_data
from .letter import LETTER_NAME, TEMPLATE_NAME, write_letter
from .returnfile import RETURN_NAME, write_return_template
from .scope import documents_ordered, order_scope, unknown_choices
from .sections import (
    NOT_GIVEN,
    delivery_blocks,
    held_back_blocks,
    mapping_table,
    open_questions,
    pilot_blocks,
    return_blocks,
)

SPEC_DOCX = "bestilling.docx"
SPEC_MD = "bestilling.md"
KOMBIT_SECTION = "»Eventuel konvertering fra ESDH eller andet system til KP«"

_n = fmt_int


def _pattern_words(pattern: str) -> str:
    """The pattern in words where it is plain; otherwise the regular expression it is (Netcompany reads it)."""
    return pattern_in_words(pattern) or f"matcher det regulære udtryk »{pattern}«"


def _yes_no(value: bool | None, key: str) -> str:
    return {True: "Ja", False: "Nej", None: "Ikke besluttet endnu"}[value]


def selection_rules(config: Config) -> list[str]:
    where = " eller ".join({"benefit": "ydelsen", "title": "sagstitlen"}[f] for f in config.selection.match_fields)
    end = "bevillingen har ingen slutdato (en slutdato i år 9999 tæller som ingen)"
    if config.selection.include_time_limited:
        end += f", eller den slutter efter startdatoen {config.cutover_date:%d-%m-%Y}"
    return [f"{where.capitalize()} {_pattern_words(config.selection.foot_care_pattern.pattern)} (store og små bogstaver er "
            "ligegyldige).", f"Sagsstatus er {or_list(list(config.selection.active_statuses))}.", end[0].upper() + end[1:] + "."]


def _count_table(counts: pd.Series, first: str, labels: dict[str, str]) -> TableBlock:
    rows = tuple((labels.get(str(k), str(k)), _n(int(v))) for k, v in counts.items())
    return TableBlock((first, "Antal"), rows, right=frozenset({1}))


def _reason_counts(ledger: pd.DataFrame, table: str, outcome: str) -> pd.Series:
    rows = ledger[(ledger[L.table] == table) & (ledger[L.outcome] == outcome)]
    codes = rows[L.reason_code].astype("string").str.split("|").explode()  # a rejected row may have several
    counts = codes.value_counts()
    order = {code: i for i, code in enumerate(REASONS)}  # the documented rule order; unknown codes last
    return counts.loc[sorted(counts.index, key=lambda c: (order.get(c, len(order)), c))]


@dataclass(frozen=True)
class OrderFacts:
    """What the order's text is made from besides the batch: the scope, the extract and the document files."""

    scope: pd.DataFrame  # convert.order.scope.order_scope
    sizes: DocumentSizes
    data_sheets: list[tuple[str, int, list[str]]]
    data_sha256: str
    missing: list[Missing]
    date: dt.date


def spec_blocks(batch: Batch, facts: OrderFacts) -> list[Block]:
    cfg, order, ledger = batch.config, batch.config.order, batch.ledger
    scope = facts.scope
    cases = batch.cases[scope["in_order"]]
    docs = batch.documents[batch.documents[D.case_id].isin(cases[C.case_id])]
    counts = batch.outcome_counts()
    case_counts = single_row(counts, "cases") if "cases" in counts.index else pd.Series(0, index=counts.columns)
    start = f"{cfg.cutover_date:%d-%m-%Y}"
    with_docs = documents_ordered(cfg)
    version = version_of(facts.data_sha256)
    blocks: list[Block] = [Para.of(f"Dato: {facts.date:%d-%m-%Y} · Version: {version} · Lavet med kp-convert "
                                   f"{__version__}")]
    if facts.missing:
        blocks += [Heading("Udkast – det mangler, før bestillingen kan sendes"),
                   Para.of("Dette er et udkast. Kommunen udfylder punkterne herunder og laver bestillingen igen, før "
                           "den sendes til Netcompany:"),
                   Bullets.of(*(m.text for m in facts.missing))]
    pilot = int(scope["pilot"].sum())
    asks = [f"Opret de {_n(len(cases))} bevillinger i udtrækket i KP efter reglerne nedenfor"
            + (", med deres dokumenter." if with_docs else ", uden dokumenter."),
            f"Send for hver leverance returfilen ({RETURN_NAME}) udfyldt: hvilken KP-sag hver ESDH-sag blev til.",
            "Slet udtrækket og dokumentfilerne, når kommunen har godkendt konverteringen."]
    if 0 < pilot < len(cases):
        asks.insert(1, f"Konvertér først de {_n(pilot)} sager i prøvekonverteringen; resten, når kommunen har "
                       "godkendt den.")
    blocks += [
        Heading("Formål og kontakt"),
        Para.of(f"{cfg.municipality or 'Kommunen'} bestiller en konvertering af løbende (tidsubegrænsede) "
                "bevillinger af udvidet helbredstillæg til fodbehandling fra kommunens ESDH til Kommunernes "
                f"Pensionssystem (KP), som beskrevet i KOMBITs implementeringsplan, afsnittet {KOMBIT_SECTION}. "
                "Vi beder først om et prisoverslag og en tidsplan; når kommunen har godkendt dem, gennemfører "
                "Netcompany konverteringen som beskrevet her."),
        TableBlock(("Felt", "Værdi"), (("Kommune", cfg.municipality or NOT_GIVEN), ("Batch", cfg.batch_name),
                                        ("Kontaktperson", order.contact_name or NOT_GIVEN),
                                        ("E-mail", order.contact_email or NOT_GIVEN),
                                        ("Telefon", order.contact_phone or NOT_GIVEN),
                                        ("Dato for bestillingen", f"{facts.date:%d-%m-%Y}"),
                                        ("Version", version))),
        Para.of("Det beder vi Netcompany om:"),
        Bullets.of(*asks),
        Heading("Omfang"),
        Para.of("Sagstype i KP: ", Bold(order.kp_case_type), "."),
        Para.of("En sag i ESDH-udtrækket er en løbende fodbehandlingssag, når alle tre regler er opfyldt:"),
        Bullets.of(*selection_rules(cfg)),
        TableBlock(("Sager", "Antal"), (
            ("Poster i sagsudtrækket", _n(int(case_counts.sum()))),
            ("Løbende fodbehandlingssager", _n(len(scope))),
            ("– i denne bestilling (udtrækket)", _n(len(cases))),
            ("– ikke med i denne bestilling", _n(len(scope) - len(cases))),
            ("Udeladt efter reglerne", _n(int(case_counts["excluded"]))),
            ("Afvist (kan ikke bruges)", _n(int(case_counts["rejected"])))), right=frozenset({1})),
        Para.of("Bestillingen omfatter præcis sagerne i udtrækket: ingen sag tages ud eller kommer til undervejs. "
                "Skal kommunen ændre noget, laver den en ny version af bestillingen."),
    ]
    excluded = _reason_counts(ledger, "cases", "excluded")
    if len(excluded):
        blocks += [Para.of("Udeladte sager pr. regel:"), _count_table(excluded, "Regel", REASONS)]
    blocks += held_back_blocks(scope, order)
    blocks += _document_blocks(cfg, docs, facts.sizes, ledger, with_docs, len(batch.documents) - len(docs))
    blocks += _rejected_flagged_blocks(batch, cases, order, with_docs)
    blocks += _decision_blocks(cfg, start)
    blocks += _rule_blocks(cfg, cases, docs, start, with_docs)
    blocks += pilot_blocks(scope, batch.cases, with_docs, order.pilot_cases)
    blocks += return_blocks()
    blocks += [Heading("Felter fra ESDH til KP"), mapping_table(batch, with_docs)]
    blocks += delivery_blocks(cfg, facts.data_sheets, facts.data_sha256, facts.sizes, document_formats(docs),
                              len(docs), with_docs)
    blocks += open_questions(cfg, with_docs, cases)
    sources = ", ".join(f"{info['file']} ({_n(int(info['records']))} poster)" for info in batch.inputs.values())
    blocks.append(Para.of(f"Lavet af kp-convert {__version__} ud fra {sources}."))
    return blocks


def _decision_blocks(cfg: Config, start: str) -> list[Block]:
    order, letter = cfg.order, cfg.letter
    price = (format_kr(letter.agreement_price) if letter.agreement_price is not None else
             "Kommunen har ingen prisaftale" if letter.no_agreement else "Ikke angivet endnu")
    new_letter = {True: f" – KP's brevskabelon »{TEMPLATE_NAME}«, som kommunen har overskrevet med en kort "
                        "forklaring øverst i brevet", False: " – brevet fjernes, før bevillingen færdiggøres",
                  None: ""}[order.new_letter]
    return [
        Heading("Kommunens beslutninger"),
        TableBlock(("Beslutning", "Svar"), (
            ("Konvertering med dokumenter", _yes_no(order.convert_documents, "convert_documents")),
            ("Lukkenotat på de lukkede ESDH-sager", _yes_no(order.closing_notes, "closing_notes")
             + (" – kommunen skriver notaterne i ESDH; ikke en del af bestillingen" if order.closing_notes else "")),
            ("Nyt bevillingsbrev til borgerne", _yes_no(order.new_letter, "new_letter") + new_letter),
            ("Kommunens prisaftale på fodbehandling", price),
            ("Ønsket tidspunkt", order.desired_timing or NOT_GIVEN),
            ("Startdato i KP (skæringsdato)", start))),
    ]


def _rule_blocks(cfg: Config, cases: pd.DataFrame, docs: pd.DataFrame, start: str, with_docs: bool) -> list[Block]:
    order, year = cfg.order, cfg.cutover_date.year
    blocks: list[Block] = [
        Heading("Regler for konverteringen"),
        Bullets(tuple((Bold(label), text) for label, text in (
            # KOMBIT's rule as the plan states it; the "on or before the start date" is the municipality's choice
            ("Ansøgningsdato", " = seneste dato for oplyst formue (KOMBITs implementeringsplan). Kommunen har brugt "
             "borgerens seneste formueoplysning på eller før startdatoen; datoen står pr. sag i udtrækket."),
            ("Startdato", f" = {start} for alle sager: den dato kommunen begynder at behandle sagerne i KP."),
            ("Bevilling slut", " = ingen: bevillingen oprettes tidsubegrænset, som den er i ESDH"
             + _time_limited_note(cases) + "."),
            ("Sagstitel i KP", f" = »{order.kp_case_title}«." if order.kp_case_title else
             " = den titel, KP giver sagstypen (kommunen ønsker ingen anden)."),
            ("Ansvarlig enhed i KP", f" = {order.responsible_unit}." if order.responsible_unit else
             f" = {NOT_GIVEN}."),
            ("Dokumenter", " lægges under »Dokumenter« med dokumentkategorien fra udtrækket." if with_docs else
             " konverteres ikke."),
            ("Revurdering", ": de konverterede bevillinger er løbende og revurderes automatisk ved hvert årsskifte "
             "som andre løbende bevillinger i KP (KOMBIT); den første revurdering efter startdatoen er ved "
             f"årsskiftet {year}/{year + 1}. Revurderingen opretter en ny sag"
             + ("; dokumenter med en dokumentkategori følger med til den, dokumenter uden kategori bliver på den "
                "oprindelige sag (derfor har alle dokumenter i udtrækket en kategori)." if with_docs else ".")),
        ))),
    ]
    if with_docs:
        blocks += [Para.of("Dokumentkategorier (reglerne prøves i rækkefølge; den første, der passer, bestemmer):"),
                   _category_rule_table(cfg, docs)]
    return blocks


def _time_limited_note(cases: pd.DataFrame) -> str:
    limited = int(cases[C.end_date].notna().sum())
    if not limited:
        return ""
    return (f"; undtagen {_n(limited)} tidsbegrænsede bevillinger, der slutter efter startdatoen "
            "(kommunen har valgt at tage dem med): deres slutdato står i udtrækket")


def _document_blocks(cfg: Config, docs: pd.DataFrame, sizes: DocumentSizes, ledger: pd.DataFrame,
                     with_docs: bool, held_back: int) -> list[Block]:
    """The documents of the ordered cases per KP category (with their size when the files are at hand), and the
    documents of the export that are not ordered (`held_back`: those of cases not in this order)."""
    if "documents" not in cfg.inputs:
        return [Heading("Dokumenter"),
                Para.of("Der er ikke noget dokumentudtræk: dokumenter er ikke talt med og konverteres ikke.")]
    per_category = docs[D.category].value_counts().sort_index() if len(docs) else pd.Series(dtype="int64")
    header = ("Dokumentkategori (KP)", "Antal", "Samlet filstørrelse") if sizes.known else (
        "Dokumentkategori (KP)", "Antal")
    rows = []
    for category, n in per_category.items():
        row = (str(category), _n(int(n)))
        rows.append(row + ((format_size(sizes.bytes_per_category.get(str(category), 0)),) if sizes.known else ()))
    total = ("I alt", _n(len(docs))) + ((format_size(sizes.total_bytes),) if sizes.known else ())
    blocks: list[Block] = [
        Heading("Dokumenter"),
        Para.of(f"Dokumenter på sagerne i bestillingen: {_n(len(docs))}"
                + ("" if with_docs else " (kommunen har besluttet at konvertere uden dokumenter)") + "."),
        TableBlock(header, (*rows, total), right=frozenset({1, 2})),
    ]
    if with_docs and sizes.known:
        note = f"Filstørrelsen er summen af filerne i mappen »{sizes.folder.name if sizes.folder else ''}«: " \
               f"{_n(sizes.found)} af {_n(len(docs))} filer fundet."
        if sizes.missing:
            files = "fil blev" if sizes.missing == 1 else "filer blev"
            note += f" {_n(sizes.missing)} {files} ikke fundet og er ikke talt med: den samlede størrelse er " \
                    "derfor større end vist."
        blocks.append(Para.of(note))
    elif with_docs:
        blocks.append(Para.of("Den samlede filstørrelse er ukendt: kommunen har ikke givet kp-convert adgang til "
                              "dokumentfilerne, da beskrivelsen blev lavet."))
    not_carried = _reason_counts(ledger, "documents", "excluded")
    if held_back:
        not_carried = pd.concat([not_carried, pd.Series({"not_in_order": held_back})])
    if len(not_carried):
        blocks += [Para.of("Dokumenter i dokumentudtrækket, der ikke skal med:"),
                   _count_table(not_carried, "Årsag", {**REASONS, "not_in_order": "sagen er ikke med i denne "
                                                                               "bestilling"})]
    return blocks


def _rejected_flagged_blocks(batch: Batch, cases: pd.DataFrame, order: OrderSettings,
                             with_docs: bool) -> list[Block]:
    """Rejected lines of the export, and the remarks of the ordered cases (they stay in the order)."""
    rejected = _reason_counts(batch.ledger, "cases", "rejected")
    codes = cases[C.flag_codes].fillna("").str.split("|").explode()
    shown = codes[codes.ne("") & (with_docs | codes.ne("documents_uncategorised"))]
    flags = {str(code): int(n) for code, n in shown.value_counts().items()}
    flagged = int(shown.index.nunique())
    blocks: list[Block] = [Heading("Afviste sager og sager med bemærkninger")]
    if len(rejected):
        blocks += [Para.of(f"{_n(int(rejected.sum()))} fejl på {_n(_rejected_case_lines(batch))} linjer i "
                           "sagsudtrækket, som derfor ikke kan bruges (en linje kan have flere fejl):"),
                   _count_table(rejected, "Fejl", REASONS)]
    else:
        blocks.append(Para.of("Ingen linjer i sagsudtrækket er afvist."))
    blocks.append(Para.of(Bold("Kommunens plan for afviste sager:"), " " + (order.rejected_plan or NOT_GIVEN)))
    if flags:
        rows = tuple((label, _n(flags[code])) for code, label in FLAGS.items() if flags.get(code))
        blocks += [Para.of(f"{_n(flagged)} af de {_n(len(cases))} sager i bestillingen har en eller flere "
                           "bemærkninger – fx noget KP's egne kriterier kan afvise ved næste revurdering. Sagerne "
                           "konverteres som bestilt; bemærkningen står pr. sag i udtrækket:"),
                   TableBlock(("Bemærkning", "Antal sager"), rows, right=frozenset({1}))]
    else:
        blocks.append(Para.of("Ingen af sagerne i bestillingen har bemærkninger."))
    for notice in batch.notices:
        blocks.append(Para.of(Bold("Mangler for hele batchen:"), " " + notice.order))
    if batch.not_checked:
        blocks.append(Para.of(Bold("Ikke kontrolleret:"), " udtrækket har ingen kolonne til det, kontrollen læser, så "
                              "disse bemærkninger er ikke undersøgt (tallene ovenfor er ikke 0, de mangler): "
                              + "; ".join(f"{FLAGS[c]} ({why})" for c, why in batch.not_checked.items()) + "."))
    blocks.append(Para.of(Bold("Kommunens plan for sager med bemærkninger:"), " " + (order.flagged_plan or NOT_GIVEN)))
    return blocks


def _rejected_case_lines(batch: Batch) -> int:
    ledger = batch.ledger
    return int(((ledger[L.table] == "cases") & (ledger[L.outcome] == "rejected")).sum())


def _category_rule_table(cfg: Config, docs: pd.DataFrame) -> TableBlock:
    counts = docs[D.category].value_counts()
    rows, seen = [], set()
    for rule in cfg.category_rules:
        parts = []
        if rule.title_pattern is not None:
            parts.append("titlen " + _pattern_words(rule.title_pattern.pattern))
        if rule.type_pattern is not None:
            parts.append("dokumenttypen " + _pattern_words(rule.type_pattern.pattern))
        n = "" if rule.category in seen else _n(int(counts.get(rule.category, 0)))  # a category counted once
        seen.add(rule.category)
        rows.append((" og ".join(parts), rule.category, n))
    rows.append(("ingen regel passer: sagen er ikke med i bestillingen", UNCATEGORISED,
                 _n(int(counts.get(UNCATEGORISED, 0)))))
    return TableBlock(("Regel", "Dokumentkategori (KP)", "Antal dokumenter"), tuple(rows), right=frozenset({2}))


def operator_hints(config: Config, *, sizes_known: bool, batch: Batch | None = None) -> list[str]:
    """What the operator should still write in the configuration (said on the console, never in the documents):
    first what keeps the order a draft, then what would make it better."""
    order, letter = config.order, config.letter
    hints = [f"{m.hint} – {m.text[0].lower() + m.text[1:]}" for m in missing_for_order(config)]
    if not sizes_known and order.convert_documents is not False and "documents" in config.inputs:
        hints.append('[order] documents_folder = "<mappen med dokumentfilerne>" (eller --documents MAPPE) – så '
                     "bestillingen får dokumenternes samlede størrelse")
    if not order.data_processing_agreement:
        hints.append('[order] data_processing_agreement = "<aftalen>" – databehandleraftalen udtrækket sendes efter')
    if letter.agreement_price is not None and not letter.wrap_intro_in_merge_question:
        hints.append("[letter] wrap_intro_in_merge_question = true og merge_question_key = \"<nøglen i KP>\" – hvis "
                     "samme brevskabelon også skal bruges til nye bevillinger")
    if batch is not None:
        for case_id in unknown_choices(batch):
            hints.append(f"[order] chosen_grants nævner {case_id}, som ikke er en af flere løbende sager for samme "
                         "borger i denne batch – ret eller fjern den")
    return hints


def _ours(path: Path) -> bool:
    """A Word file this tool wrote: its comments property says so (the author is the municipality, not the tool)."""
    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return "<dc:description>Lavet af kp-convert</dc:description>" in core or "<dc:creator>kp-convert<" in core


def write_order(batch: Batch, out_dir: Path, *, documents_folder: Path | None = None) -> dict[str, Path]:
    """Write bestilling.docx/.md, bestilling_data.xlsx, retur_skabelon.xlsx and brevtekst.docx, all renamed into
    place together."""
    cfg = batch.config
    # one folder of exported document files serves both the order (sizes) and the plan (staging)
    folder = documents_folder or cfg.order.documents_folder or (cfg.planning.documents_folder if cfg.planning else None)
    with_docs = documents_ordered(cfg)
    scope = order_scope(batch)
    ordered_docs = batch.documents[batch.documents[D.case_id].isin(batch.cases.loc[scope["in_order"], C.case_id])]
    sizes = document_sizes(ordered_docs, folder) if with_docs else DocumentSizes(None)
    date = order_date(cfg)
    created = dt.datetime.combine(cfg.cutover_date, dt.time())  # the extract: same run, same bytes
    signed = dt.datetime.combine(date, dt.time())  # the documents carry the date of the order
    missing = missing_for_order(cfg)
    trusted = [n for n in (SPEC_DOCX, LETTER_NAME) if _ours(Path(out_dir) / n)]
    out = OutputSet(Path(out_dir), trusted=trusted)
    try:
        data_path = out.path(DATA_NAME)
        sheets = write_order_data(batch, data_path, include_documents=with_docs, scope=scope)
        sha = sha256_file(data_path)
        blocks = spec_blocks(batch, OrderFacts(scope, sizes, sheets, sha, missing, date))
        title = titled(f"Bestilling af konvertering til KP – {cfg.batch_name}", missing)
        render_docx(title, blocks, out.path(SPEC_DOCX), created=signed, author=cfg.municipality or "kp-convert",
                    subject="Konvertering af udvidet helbredstillæg til fodbehandling",
                    footer=f"{title} · Version {version_of(sha)}")
        out.path(SPEC_MD).write_text(render_markdown(title, blocks), encoding="utf-8")
        write_return_template(out.path(RETURN_NAME), created=created,
                              title=f"Returfil til konvertering – {cfg.batch_name}")
        write_letter(cfg, out.path(LETTER_NAME), created=signed, date=date, version=version_of(sha))
        return out.commit()
    except BaseException:
        out.abort()
        raise
