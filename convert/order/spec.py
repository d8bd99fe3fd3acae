"""The conversion order to Netcompany: a specification (bestilling.docx and the same as bestilling.md) built
from a run, plus the data extract and the letter material.

KOMBIT: a municipality that does not convert by hand orders the conversion through Netcompany's support
portal (Min Support) and describes what to convert, by which rules, and how much. The specification carries
counts and rules, never people: no CPR number, no name. The people are in bestilling_data.xlsx only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from schemas import TABLE_LABELS
from schemas.batch import CategorisedDocument as D
from schemas.batch import ConvertedCase as C
from schemas.batch import LedgerRow as L

from .. import __version__
from ..batch import Batch
from ..codes import FLAGS, REASONS
from ..danish.format import fmt_int, format_size, or_list, pattern_in_words
from ..frames import single_row
from ..read.files import sha256_file
from ..settings.batch import UNCATEGORISED, Config
from ..settings.order import OrderSettings
from ..write.output_set import OutputSet
from .docmodel import Block, Bold, Bullets, Heading, Para, TableBlock, render_docx, render_markdown
from .extract import DATA_NAME, DocumentSizes, document_sizes, write_order_data
from .letter import LETTER_NAME, write_letter

SPEC_DOCX = "bestilling.docx"
SPEC_MD = "bestilling.md"
KOMBIT_SECTION = "»Eventuel konvertering fra ESDH eller andet system til KP«"
NOT_GIVEN = "(ikke angivet)"

# (table, canonical field) -> what it becomes in KP
FIELD_USE: dict[tuple[str, str], str] = {
    ("cases", "case_id"): "Reference (ESDH-sagsnr.) i udtrækket – til afstemning og lukkenotat",
    ("cases", "cpr"): "Borgeren: bevillingen oprettes på CPR-nummeret",
    ("cases", "status"): "Kun udvælgelse", ("cases", "title"): "Kun udvælgelse", ("cases", "benefit"): "Kun udvælgelse",
    ("cases", "end_date"): "Udvælgelse; Bevilling slut (tom = tidsubegrænset)",
    ("cases", "asset_date"): "Ansøgningsdato (seneste formueoplysning på eller før startdatoen)",
    ("cases", "assets"): "Kun kontrol af formuegrænsen – overføres ikke",
    ("cases", "tillaegsprocent"): "Kun kontrol (KP's objektive kriterier) – overføres ikke",
    ("cases", "pension_type"): "Kun kontrol (KP's objektive kriterier) – overføres ikke",
    ("cases", "estimate"): "Overføres ikke (kontroltal for tilskuddet i konverteringsarket)",
    ("documents", "case_id"): "Kobler dokumentet til sagen", ("documents", "document_id"): "Reference i udtrækket",
    ("documents", "title"): "Dokumentets titel; bestemmer dokumentkategorien",
    ("documents", "doc_type"): "Bestemmer dokumentkategorien (sammen med titlen)",
    ("documents", "doc_date"): "Dokumentdato", ("documents", "filename"): "Filen der lægges under »Dokumenter«",
    ("assets", "cpr"): "Kobler formueoplysningen til borgeren",
    ("assets", "declaration_date"): "Ansøgningsdato (den seneste på eller før startdatoen)",
    ("assets", "assets"): "Kun kontrol af formuegrænsen – overføres ikke",
}
OPEN_QUESTIONS = (
    "Hvad hedder sagstypen præcist i KP? Vi har brugt »{case_type}«.",
    "Svarer KP's liste over dokumentkategorier til kategorierne i udtrækket? Hvis ikke: hvilke skal vi bruge?",
    "Er udtrækket (felter og format) nok til at prissætte og gennemføre konverteringen, eller skal der mere med?",
    "Hvordan vil I modtage dokumentfilerne, og hvilken sikker kanal skal udtrækket med CPR-numre sendes ad?",
    "Hvordan håndteres sager uden formueoplysning (»Formue ikke oplyst«), som ingen ansøgningsdato har?",
    "Dannes der bevillingsbreve ved konverteringen, og kan de fjernes, hvis kommunen ikke vil sende nye breve?",
    "Hvordan kan vi bagefter afstemme de konverterede sager i KP (sagsliste, sagsrapport eller stamrapport)?",
)


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


def spec_blocks(batch: Batch, sizes: DocumentSizes, data_sheets: list[tuple[str, int, list[str]]],
                data_sha256: str) -> list[Block]:
    cfg, order, cases, docs, ledger = batch.config, batch.config.order, batch.cases, batch.documents, batch.ledger
    counts = batch.outcome_counts()
    case_counts = single_row(counts, "cases") if "cases" in counts.index else pd.Series(0, index=counts.columns)
    start = f"{cfg.cutover_date:%d-%m-%Y}"
    with_docs = order.convert_documents is not False and "documents" in cfg.inputs
    blocks: list[Block] = [
        Heading("Formål og kontakt"),
        Para.of(f"{cfg.municipality or 'Kommunen'} ønsker at bestille en konvertering af løbende (tidsubegrænsede) "
                "bevillinger af udvidet helbredstillæg til fodbehandling fra kommunens ESDH til Kommunernes "
                f"Pensionssystem (KP), som beskrevet i KOMBITs implementeringsplan, afsnittet {KOMBIT_SECTION}. "
                "Vi beder om et prisoverslag og en tidsplan ud fra beskrivelsen herunder."),
        TableBlock(("Felt", "Værdi"), (("Kommune", cfg.municipality or NOT_GIVEN), ("Batch", cfg.batch_name),
                                        ("Kontaktperson", order.contact_name or NOT_GIVEN),
                                        ("E-mail", order.contact_email or NOT_GIVEN),
                                        ("Telefon", order.contact_phone or NOT_GIVEN))),
        Heading("Omfang"),
        Para.of("Sagstype i KP: ", Bold(order.kp_case_type), "."),
        Para.of("En sag i ESDH-udtrækket konverteres, når alle tre regler er opfyldt:"),
        Bullets.of(*selection_rules(cfg)),
        TableBlock(("Sager", "Antal"), (
            ("Poster i sagsudtrækket", _n(int(case_counts.sum()))),
            ("Sager der skal konverteres", _n(len(cases))),
            ("Udeladt efter reglerne", _n(int(case_counts["excluded"]))),
            ("Afvist (kan ikke bruges)", _n(int(case_counts["rejected"])))), right=frozenset({1})),
    ]
    excluded = _reason_counts(ledger, "cases", "excluded")
    if len(excluded):
        blocks += [Para.of("Udeladte sager pr. regel:"), _count_table(excluded, "Regel", REASONS)]
    blocks += _document_blocks(cfg, docs, sizes, ledger, with_docs)
    blocks += _rejected_flagged_blocks(batch, order)
    blocks += [
        Heading("Kommunens beslutninger"),
        TableBlock(("Beslutning", "Svar"), (
            ("Konvertering med dokumenter", _yes_no(order.convert_documents, "convert_documents")),
            ("Lukkenotat på de lukkede ESDH-sager", _yes_no(order.closing_notes, "closing_notes")
             + (" – kommunen skriver notaterne i ESDH (lukkenotater.csv fra kp-convert); ikke en del af bestillingen"
                if order.closing_notes else "")),
            ("Nyt bevillingsbrev til borgerne", _yes_no(order.new_letter, "new_letter")
             + (" – med en kort forklaring øverst i brevet" if order.new_letter else "")),
            ("Ønsket tidspunkt", order.desired_timing or NOT_GIVEN),
            ("Startdato i KP (skæringsdato)", start))),
        Heading("Regler for konverteringen"),
        Bullets(tuple((Bold(label), text) for label, text in (
            ("Ansøgningsdato", " = borgerens seneste dato for oplyst formue på eller før startdatoen (KOMBIT: "
             "ansøgningsdatoen sættes bevidst til denne dato, så KP's kontrol bruger den rigtige formue). Datoen står "
             "pr. sag i udtrækket."),
            ("Startdato", f" = {start} for alle sager: den dato kommunen begynder at behandle sagerne i KP."),
            ("Bevilling slut", " = ingen: bevillingen oprettes tidsubegrænset, som den er i ESDH"
             + _time_limited_note(cases) + "."),
            ("Dokumenter", " lægges under »Dokumenter« med dokumentkategorien fra udtrækket, så de følger med til den "
             "nye sag, KP opretter ved revurderingen ved årsskiftet. Uden kategori bliver et dokument på den "
             "oprindelige sag." if with_docs else " konverteres ikke."),
        ))),
    ]
    if with_docs:
        blocks += [Para.of("Dokumentkategorier (reglerne prøves i rækkefølge; den første, der passer, bestemmer):"),
                   _category_rule_table(cfg, docs)]
    blocks += [Heading("Felter fra ESDH til KP"), _mapping_table(batch, with_docs)]
    blocks += _delivery_blocks(cfg, order, data_sheets, data_sha256, sizes, len(docs), with_docs)
    blocks += [Heading("Spørgsmål til Netcompany"),
               Bullets.of(*(q.format(case_type=order.kp_case_type) for q in OPEN_QUESTIONS))]
    sources = ", ".join(f"{info['file']} ({_n(int(info['records']))} poster)" for info in batch.inputs.values())
    blocks.append(Para.of(f"Lavet af kp-convert {__version__} ud fra {sources}."))
    return blocks


def _time_limited_note(cases: pd.DataFrame) -> str:
    limited = int(cases[C.end_date].notna().sum())
    if not limited:
        return ""
    return (f"; undtagen {_n(limited)} tidsbegrænsede bevillinger, der slutter efter startdatoen "
            "(kommunen har valgt at tage dem med): deres slutdato står i udtrækket")


def _document_blocks(cfg: Config, docs: pd.DataFrame, sizes: DocumentSizes, ledger: pd.DataFrame,
                     with_docs: bool) -> list[Block]:
    if "documents" not in cfg.inputs:
        return [Para.of("Der er ikke noget dokumentudtræk i konfigurationen (input.documents): dokumenter er ikke "
                        "talt med.")]
    per_category = docs[D.category].value_counts().sort_index() if len(docs) else pd.Series(dtype="int64")
    header = ("Dokumentkategori (KP)", "Antal", "Samlet filstørrelse") if sizes.known else (
        "Dokumentkategori (KP)", "Antal")
    rows = []
    for category, n in per_category.items():
        row = (str(category), _n(int(n)))
        rows.append(row + ((format_size(sizes.bytes_per_category.get(str(category), 0)),) if sizes.known else ()))
    total = ("I alt", _n(len(docs))) + ((format_size(sizes.total_bytes),) if sizes.known else ())
    blocks: list[Block] = [
        Para.of(f"Dokumenter på sagerne der skal konverteres: {_n(len(docs))}"
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
    if len(not_carried):
        blocks += [Para.of("Dokumenter i udtrækket, der ikke skal med:"),
                   _count_table(not_carried, "Årsag", REASONS)]
    return blocks


def _rejected_flagged_blocks(batch: Batch, order: OrderSettings) -> list[Block]:
    rejected = _reason_counts(batch.ledger, "cases", "rejected")
    flags = batch.flag_counts()
    blocks: list[Block] = [Heading("Afviste sager og sager med bemærkninger")]
    if len(rejected):
        blocks += [Para.of(f"{_n(int(rejected.sum()))} fejl på {_n(_rejected_case_lines(batch))} linjer i "
                           "sagsudtrækket, som derfor ikke kan bruges (en linje kan have flere fejl):"),
                   _count_table(rejected, "Fejl", REASONS)]
    else:
        blocks.append(Para.of("Ingen linjer i sagsudtrækket er afvist."))
    blocks.append(Para.of(Bold("Kommunens plan for afviste sager:"), " " + (order.rejected_plan or NOT_GIVEN)))
    flagged = int((batch.cases[C.flag_codes].fillna("") != "").sum())
    if flags:
        rows = tuple((label, _n(flags[code])) for code, label in FLAGS.items() if flags.get(code))
        blocks += [Para.of(f"{_n(flagged)} af de {_n(len(batch.cases))} sager, der skal konverteres, har en eller "
                           "flere bemærkninger – fx noget KP's egne kriterier kan afvise ved næste revurdering:"),
                   TableBlock(("Bemærkning", "Antal sager"), rows, right=frozenset({1}))]
    else:
        blocks.append(Para.of("Ingen af sagerne, der skal konverteres, har bemærkninger."))
    for notice in batch.notices:
        blocks.append(Para.of(Bold("Mangler for hele batchen:"), " " + notice.order))
    if batch.not_checked:
        blocks.append(Para.of(Bold("Ikke kontrolleret:"), " udtrækket har ingen kolonne til det, kontrollen læser, så "
                              "disse bemærkninger er ikke undersøgt (tallene ovenfor er ikke 0, de mangler): "
                              + "; ".join(f"{FLAGS[c]} ({why})" for c, why in batch.not_checked.items()) + "."))
    padded = batch.cases.loc[batch.cases[C.flag_codes].fillna("").str.contains("cpr_padded", regex=False), C.case_id]
    if len(padded):
        blocks.append(Para.of(Bold("Sager der skal kontrolleres:"), f" {_n(len(padded))} sager havde et CPR-nr. med 9 "
                              "cifre i udtrækket; kp-convert har sat 0 foran, men det er et gæt (et tabt sidste ciffer "
                              "giver også 9 cifre). Kommunen kontrollerer personen på ESDH-sagerne "
                              + ", ".join(padded.tolist()) + "."))
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
    rows.append(("ingen regel passer", UNCATEGORISED, _n(int(counts.get(UNCATEGORISED, 0)))))
    return TableBlock(("Regel", "Dokumentkategori (KP)", "Antal dokumenter"), tuple(rows), right=frozenset({2}))


def _mapping_table(batch: Batch, with_docs: bool) -> TableBlock:
    rows = []
    for table, info in batch.inputs.items():
        for canon, header in info["columns"].items():
            use = FIELD_USE.get((table, canon), "Overføres ikke")
            if table == "documents" and not with_docs:
                use = "Overføres ikke (konvertering uden dokumenter)"
            rows.append((f"{info['file']} ({TABLE_LABELS[table]})", str(header), use))
        for header in info.get("unused_columns", {}):
            rows.append((f"{info['file']} ({TABLE_LABELS[table]})", str(header), "Ikke brugt"))
    rows.append(("kommunens valg", "startdato i KP", f"Startdato ({batch.config.cutover_date:%d-%m-%Y})"))
    if with_docs:
        rows.append(("kp-convert", "dokumentkategori-regler", "Dokumentkategori"))
    return TableBlock(("Fil", "Kolonne i ESDH-udtrækket", "Felt i KP / anvendelse"), tuple(rows))


def _delivery_blocks(cfg: Config, order: OrderSettings, sheets: list[tuple[str, int, list[str]]], sha: str,
                     sizes: DocumentSizes, n_docs: int, with_docs: bool) -> list[Block]:
    channel = order.delivery_channel or ("en sikker kanal, som aftales med Netcompany (fx krypteret e-mail eller "
                                         "sikker filoverførsel)")
    items: list[str] = [f"Arket »{name}«: {_n(rows)} rækker med kolonnerne " + ", ".join(f"»{c}«" for c in columns)
                        + "." for name, rows, columns in sheets]
    blocks: list[Block] = [
        Heading("Levering af data"),
        Para.of(f"Udtrækket er filen {DATA_NAME} (Excel-arbejdsbog, .xlsx; datoer som rigtige datoer dd-mm-åååå, "
                "CPR-numre som tekst DDMMÅÅ-SSSS). Ud over arket »Læs mig« har den:"),
        Bullets.of(*items),
        Para.of(f"SHA-256 for {DATA_NAME}: {sha} (så modtageren kan se, at filen er den samme)."),
        Para.of(Bold("Udtrækket indeholder CPR-numre."), f" Det sendes derfor kun via {channel} – ikke som bilag "
                "til denne beskrivelse eller supportsagen, medmindre Netcompany har bekræftet, at det er en sikker "
                "kanal. Selve beskrivelsen indeholder ingen CPR-numre eller navne."),
    ]
    if with_docs:
        size = format_size(sizes.total_bytes) + (" (de fundne filer)" if sizes.missing else "") if sizes.known \
            else "ukendt størrelse"
        blocks.append(Para.of(f"Dokumentfilerne ({_n(n_docs)} filer, {size}) leveres efter aftale med Netcompany."))
    return blocks


def operator_hints(config: Config, *, sizes_known: bool) -> list[str]:
    """What the operator should still write in the configuration (said on the console, never in the documents)."""
    order, letter, hints = config.order, config.letter, []
    for key, label in (("convert_documents", "konvertering med dokumenter"), ("closing_notes", "lukkenotater"),
                       ("new_letter", "nyt bevillingsbrev")):
        if getattr(order, key) is None:
            hints.append(f"[order] {key} = true/false – beslutningen om {label} står som 'ikke besluttet endnu'")
    if not sizes_known and order.convert_documents is not False and "documents" in config.inputs:
        hints.append('[order] documents_folder = "<mappen med dokumentfilerne>" (eller --documents MAPPE) – så '
                     "bestillingen får dokumenternes samlede størrelse")
    if letter.agreement_price is None:
        hints.append('[letter] agreement_price = "435,00" – kommunens prisaftale; uden den har brevteksten ingen '
                     "eksempeltabel")
    if not letter.wrap_intro_in_merge_question:
        hints.append("[letter] wrap_intro_in_merge_question = true og merge_question_key = \"<nøglen i KP>\" – hvis "
                     "samme brevskabelon også skal bruges til nye bevillinger")
    return hints


def write_order(batch: Batch, out_dir: Path, *, documents_folder: Path | None = None) -> dict[str, Path]:
    """Write bestilling.docx/.md, bestilling_data.xlsx and brevtekst.docx, all renamed into place together."""
    cfg = batch.config
    # one folder of exported document files serves both the order (sizes) and the plan (staging)
    folder = documents_folder or cfg.order.documents_folder or (cfg.planning.documents_folder if cfg.planning else None)
    with_docs = cfg.order.convert_documents is not False and "documents" in cfg.inputs
    sizes = document_sizes(batch.documents, folder) if with_docs else DocumentSizes(None)
    created = dt.datetime.combine(cfg.cutover_date, dt.time())
    out = OutputSet(Path(out_dir))
    try:
        data_path = out.path(DATA_NAME)
        sheets = write_order_data(batch, data_path, include_documents=with_docs)
        blocks = spec_blocks(batch, sizes, sheets, sha256_file(data_path))
        title = f"Bestilling af konvertering til KP – {cfg.batch_name}"
        render_docx(title, blocks, out.path(SPEC_DOCX), created=created,
                    subject="Konvertering af udvidet helbredstillæg til fodbehandling")
        out.path(SPEC_MD).write_text(render_markdown(title, blocks), encoding="utf-8")
        write_letter(cfg, out.path(LETTER_NAME), created=created)
        return out.commit()
    except BaseException:
        out.abort()
        raise
