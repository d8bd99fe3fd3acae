"""The parts of the order a supplier asks about before it can start: what is left out and why, the fields, the test
conversion and its acceptance criteria, the return file, delivery and the data-processing basis, and the open
questions.

Each function returns document blocks (`convert.order.docmodel`); no configuration key and no person appears.
"""

from __future__ import annotations

import pandas as pd

from schemas import TABLE_LABELS
from schemas.batch import ConvertedCase as C

from ..batch import Batch
from ..danish.format import fmt_int, format_size
from ..settings.batch import Config
from ..settings.order import OrderSettings
from .docmodel import Block, Bold, Bullets, Heading, Para, TableBlock
from .extract import DATA_NAME, PILOT_HEADER, DocumentSizes
from .returnfile import RETURN_COLUMNS, RETURN_NAME, RETURN_SHEET

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
_n = fmt_int


def held_back_blocks(scope: pd.DataFrame, order: OrderSettings) -> list[Block]:
    """*Ikke med i denne bestilling*: every case left out, by ESDH case number, with why and what it takes."""
    out = scope[~scope["in_order"]].sort_values("case_id", kind="stable")
    blocks: list[Block] = [Heading("Ikke med i denne bestilling")]
    if not len(out):
        return blocks + [Para.of(f"Alle {_n(len(scope))} løbende fodbehandlingssager kan oprettes som bestilt og er "
                                 "med i bestillingen.")]
    rows = tuple((str(r.case_id), str(r.reason), str(r.action)) for r in out.itertuples())
    return blocks + [
        Para.of(f"{_n(len(out))} af de {_n(len(scope))} løbende fodbehandlingssager kan ikke oprettes, som de er "
                "bestilt. De er ikke i udtrækket, og Netcompany skal ikke oprette dem:"),
        TableBlock(("ESDH-sagsnr.", "Hvorfor ikke med", "Det skal til"), rows),
        Para.of(Bold("Kommunens plan for sagerne:"), " " + (order.held_back_plan or NOT_GIVEN)),
    ]


def pilot_blocks(scope: pd.DataFrame, cases: pd.DataFrame, with_docs: bool, pilot_cases: int) -> list[Block]:
    """The test conversion (the first N ordered cases by ESDH case number) and the acceptance criteria."""
    ordered = int(scope["in_order"].sum())
    pilot = scope.loc[scope["pilot"], "case_id"].sort_values(kind="stable").tolist()
    blocks: list[Block] = [Heading("Prøvekonvertering og godkendelse")]
    if not pilot_cases or not ordered:
        blocks.append(Para.of("Kommunen ønsker ingen prøvekonvertering: alle sager konverteres i én leverance, som "
                              "kommunen afstemmer og godkender bagefter efter kriterierne herunder."))
    elif len(pilot) >= ordered:
        blocks.append(Para.of(f"Bestillingen har kun {_n(ordered)} sager, så hele bestillingen er "
                              "prøvekonverteringen: kommunen afstemmer og godkender den efter kriterierne herunder."))
    else:
        blocks += [
            Para.of(f"Netcompany konverterer først disse {_n(len(pilot))} sager (de første efter ESDH-sagsnr.; "
                    f"kolonnen »{PILOT_HEADER}« = Ja i udtrækket) og sender returfilen for dem: " + ", ".join(pilot)
                    + "."),
            Para.of("Kommunen afstemmer prøvekonverteringen mod returfilen og KP med sit afstemningsværktøj "
                    "(kp-convert) og giver besked i supportsagen. Først når prøvekonverteringen er godkendt, "
                    f"konverteres de øvrige {_n(ordered - len(pilot))} sager, som afstemmes og godkendes på samme "
                    "måde."),
        ]
    in_order = cases[scope["in_order"]]
    limited = int(in_order[C.end_date].notna().sum())
    end = "Bevilling slut er tom (tidsubegrænset bevilling)" + (
        f", undtagen for de {_n(limited)} tidsbegrænsede bevillinger, hvor den er slutdatoen i udtrækket"
        if limited else "") + "."
    documents = ("Antal dokumenter vedhæftet i KP er lig med »Antal dokumenter« i udtrækket for hver sag."
                 if with_docs else "Der er ikke vedhæftet dokumenter (kommunen har valgt at konvertere uden).")
    blocks += [
        Para.of("En leverance er godkendt, når alle disse kriterier er opfyldt:"),
        Bullets.of(
            "Hver sag i leverancen står i returfilen og findes som bevilling i KP på borgerens CPR-nr.",
            "Ansøgningsdato og Bevilling start i KP er de datoer, der står for sagen i udtrækket. " + end,
            documents,
            "Der er ingen fodbehandlingssag i KP eller række i returfilen for en sag, der ikke er i leverancen.",
        ),
        Para.of("Er et kriterium ikke opfyldt, retter Netcompany afvigelserne, og kommunen afstemmer igen."),
    ]
    return blocks


def return_blocks() -> list[Block]:
    rows = tuple((head, explanation) for head, _field, _kind, explanation in RETURN_COLUMNS)
    return [
        Heading("Returfil: hvilken KP-sag hver ESDH-sag blev til"),
        Para.of(f"Kommunen skal kunne afstemme konverteringen og lukke ESDH-sagerne med en henvisning til KP-sagen. "
                f"Netcompany sender derfor for hver leverance filen {RETURN_NAME} retur udfyldt: én række pr. "
                f"konverteret sag på arket »{RETURN_SHEET}«, med disse kolonner (overskrifterne må ikke ændres, "
                "rækkefølgen af rækkerne er ligegyldig):"),
        TableBlock(("Kolonne", "Indhold"), rows),
        Para.of("Værdierne skal være dem, bevillingen har i KP efter konverteringen – ikke en kopi af udtrækket. En "
                "sag, der ikke kunne oprettes, står ikke i returfilen; Netcompany skriver i supportsagen hvorfor. "
                "Den udfyldte returfil indeholder CPR-numre og sendes retur ad samme sikre kanal som udtrækket."),
    ]


def delivery_blocks(cfg: Config, sheets: list[tuple[str, int, list[str]]], sha: str, sizes: DocumentSizes,
                    formats: pd.Series, n_docs: int, with_docs: bool) -> list[Block]:
    """The extract, the channel, the data-processing basis, deletion, and the document files."""
    order = cfg.order
    channel = order.delivery_channel or "en sikker kanal, som aftales med Netcompany"
    items: list[str] = [f"Arket »{name}«: {_n(rows)} rækker med kolonnerne " + ", ".join(f"»{c}«" for c in columns)
                        + "." for name, rows, columns in sheets]
    basis = (f"Netcompany behandler oplysningerne som databehandler for kommunen efter {order.data_processing_agreement}."
             if order.data_processing_agreement else
             "Kommunen og Netcompany bekræfter, inden udtrækket sendes, hvilken databehandleraftale behandlingen sker "
             "efter (se spørgsmålene nedenfor). Udtrækket sendes ikke før.")
    blocks: list[Block] = [
        Heading("Levering af data og databehandling"),
        Para.of(f"Udtrækket er filen {DATA_NAME} (Excel-arbejdsbog, .xlsx; datoer som rigtige datoer dd-mm-åååå, "
                "CPR-numre som tekst DDMMÅÅ-SSSS). Ud over arket »Læs mig« har den:"),
        Bullets.of(*items),
        Para.of(f"SHA-256 for {DATA_NAME}: {sha} (så modtageren kan se, at filen er den samme; bestillingens "
                "version er de første 12 tegn)."),
        Para.of(Bold("Udtrækket indeholder CPR-numre."), f" Det sendes derfor kun via {channel} – ikke som bilag "
                "til denne beskrivelse eller supportsagen, medmindre Netcompany har bekræftet, at det er en sikker "
                "kanal. Selve beskrivelsen indeholder ingen CPR-numre eller navne."),
        Para.of(Bold("Behandlingsgrundlag:"), " udtrækket, dokumentfilerne og returfilen indeholder CPR-numre og "
                "oplysninger om borgernes bevillinger af udvidet helbredstillæg (helbredsoplysninger). De må kun "
                "bruges til denne konvertering. " + basis),
        Para.of(Bold("Sletning:"), " Netcompany sletter udtrækket, dokumentfilerne og sine kopier af returfilen, "
                "når kommunen har godkendt hele konverteringen, og bekræfter sletningen i supportsagen."),
    ]
    if with_docs:
        size = (format_size(sizes.total_bytes) + (" for de fundne filer" if sizes.missing else "")
                if sizes.known else "samlet størrelse ukendt")
        kinds = ("filtyper efter filnavnene i dokumentudtrækket: " + ", ".join(
            f"{kind} {_n(int(n))}" for kind, n in formats.items()) if len(formats) else
            "filtyperne er ukendte (dokumentudtrækket har ingen filnavne)")
        blocks.append(Para.of(Bold("Dokumentfilerne:"), f" {_n(n_docs)} filer, {size}; {kinds}. De leveres efter "
                              f"aftale med Netcompany ad samme sikre kanal som udtrækket."))
    return blocks


# remarks about KP's objective criteria (pension type, assets, tillægsprocent): KP may propose a refusal
CRITERIA_FLAGS = ("tillaegsprocent_zero", "tillaegsprocent_missing", "pension_type_not_eligible",
                  "pension_type_missing", "assets_over_limit")


def open_questions(cfg: Config, with_docs: bool, ordered: pd.DataFrame) -> list[Block]:
    """The questions to Netcompany; `ordered`: the cases of the order (their remarks decide one question)."""
    order = cfg.order
    year = cfg.cutover_date.year
    questions = [f"Hvad hedder sagstypen præcist i KP? Vi har brugt »{order.kp_case_type}«."]
    codes = ordered[C.flag_codes].fillna("").str.split("|").explode()
    criteria = int(codes[codes.isin(CRITERIA_FLAGS)].index.nunique())
    if criteria:
        questions.append(f"{_n(criteria)} sager i bestillingen har en bemærkning om KP's objektive kriterier "
                         "(pensionstype, formue eller tillægsprocent). Foreslår KP afslag allerede, når bevillingen "
                         "oprettes? Kommunen ønsker bevillingerne oprettet som bestilt; giv besked, hvis KP ikke "
                         "tillader det.")
    if with_docs:
        questions.append("Svarer KP's liste over dokumentkategorier til kategorierne i udtrækket? Hvis ikke: hvilke "
                         "skal vi bruge?")
    questions += [
        "Hvor tager KP formuedatoen fra, når bevillingen kontrolleres og revurderes: fra KP's egne "
        "formueoplysninger, eller fra ansøgningsdatoen, som her er sat til borgerens seneste formueoplysning i ESDH?",
        f"Kommer de konverterede bevillinger med i den automatiske revurdering ved årsskiftet {year}/{year + 1} som "
        "andre løbende bevillinger, også når ansøgningsdatoen ligger flere år tilbage?",
    ]
    if order.new_letter is False:
        questions.append("Dannes der et bevillingsbrev ved hver konverteret bevilling? Kommunen vil ikke sende nye "
                         "breve: brevet skal fjernes, før bevillingen færdiggøres.")
    if not order.data_processing_agreement:
        questions.append("Hvilken databehandleraftale sker behandlingen af udtrækket, dokumentfilerne og returfilen "
                         "efter?")
    if not order.delivery_channel:
        questions.append("Hvilken sikker kanal skal udtrækket med CPR-numre sendes ad?")
    if with_docs:
        questions.append("Hvordan vil I modtage dokumentfilerne?")
    questions.append("Er der andet, Netcompany skal bruge for at prissætte og gennemføre konverteringen?")
    return [Heading("Spørgsmål til Netcompany"), Bullets.of(*questions)]


def mapping_table(batch: Batch, with_docs: bool) -> TableBlock:
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
