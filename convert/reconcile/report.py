"""afstemning.xlsx and the console summary, in Danish.

Oversigt: control totals that add up (the sheet shows each sum), then one sheet per kind of difference with
both sides' values next to each other, the matched pairs, and every row that was not reconciled with its reason.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .. import __version__
from ..codes import reason_label
from ..danish.format import pattern_in_words
from ..write.output_set import OutputSet
from ..write.xlsx import Column, Table, Workbook
from .inputs import formatted_cpr
from .match import AMBIGUOUS, DIFFERENCES
from .result import AFSTEMNING_NAME, Reconciliation
from .update import ACTION_LABELS, CONFLICT, FILLED, UNCHANGED

_SHEET_SIDE = [("case_id", Column("ESDH-sagsnr.", width=20)), ("cpr_fmt", Column("CPR-nr.", width=13)),
               ("name", Column("Navn"))]
_ROWS = [("source_row", Column("Række i arket", kind="int", width=9)),
         ("kp_source_row", Column("Række i KP-rapport", kind="int", width=10))]


def _table(sheet: str, frame: pd.DataFrame, cols: list[tuple[str, Column]]) -> Table:
    data = pd.DataFrame({i: (frame[name] if name in frame else pd.Series(pd.NA, index=frame.index))
                         for i, (name, _) in enumerate(cols)}, index=frame.index)
    return Table(sheet, [c for _, c in cols], data.reset_index(drop=True))


def _yes(s: pd.Series) -> pd.Series:
    return s.map({True: "Ja", False: "Nej"}).astype("string")


def _pairs_frame(r: Reconciliation) -> pd.DataFrame:
    p = r.pairs.assign(cpr_fmt=formatted_cpr(r.pairs["cpr"]))
    if len(p):
        flags = r.cases.loc[p["sheet_index"], [c for c in DIFFERENCES if c in r.cases]].reset_index(drop=True)
        text = pd.Series("", index=flags.index, dtype="string")
        for code in flags.columns:  # "Startdato afviger; Slutdato i KP": column by column, not row by row
            text = text.mask(flags[code], text.where(text.eq(""), text + "; ") + DIFFERENCES[code][0])
        p = p.assign(differences=text.to_numpy(), correct=r.cases.loc[p["sheet_index"], "correct"].to_numpy())
    return p


def _dates(pairs: pd.DataFrame, which: str) -> pd.DataFrame:
    """Both dates, their distance in days, and a note where a side is empty or the sheet holds no date."""
    mine, theirs, raw = pairs[f"{which}_date"], pairs[f"kp_{which}_date"], pairs[f"{which}_raw"].fillna("")
    note = pd.Series("", index=pairs.index, dtype="string")
    note = note.mask(theirs.isna(), "Tom i KP").mask(mine.isna(), "Tom i arket")
    note = note.mask(mine.isna() & raw.str.strip().ne(""), "Arket: '" + raw + "' er ikke en dato")
    return pairs.assign(days=(theirs - mine).dt.days, note=note)


def _difference_tables(r: Reconciliation, pairs: pd.DataFrame) -> list[Table]:
    s = r.settings
    cases = r.cases.assign(cpr_fmt=formatted_cpr(r.cases["cpr"]))
    kp = r.kp.assign(cpr_fmt=formatted_cpr(r.kp["cpr"]))
    kp_cols = [("case_id", Column("KP-sagsnr.", width=14)), ("cpr_fmt", Column("CPR-nr.", width=13)),
               ("name", Column("Navn (KP)")), ("case_type", Column("Sagstype (KP)", width=24)),
               ("title", Column("Titel (KP)", width=30)),
               ("application_date", Column("Ansøgningsdato (KP)", kind="date")),
               ("start_date", Column("Bevilling start (KP)", kind="date")),
               ("end_date", Column("Bevilling slut (KP)", kind="date")), ("status", Column("Status (KP)", width=12)),
               ("source_row", Column("Række i KP-rapport", kind="int", width=10))]
    pair_id = [*_SHEET_SIDE, ("kp_case_id", Column("KP-sagsnr. (KP)", width=14))]
    amb = r.links[r.links["kind"] == AMBIGUOUS]
    amb = pd.concat([cases.loc[amb["sheet_index"]].reset_index(drop=True),
                     kp.loc[amb["kp_index"]].reset_index(drop=True).add_prefix("kp_")], axis=1)
    # plain values, not Series indexed like `pairs`: assigned to an empty selection, a Series gives it its index
    expected, expected_title = s.expected_case_type or "(ikke kontrolleret)", s.expected_title or "(ikke kontrolleret)"
    tables = {
        "missing_in_kp": (cases[cases["missing_in_kp"]], [
            *_SHEET_SIDE, ("application_date", Column("Ansøgningsdato (arket)", kind="date")),
            ("start_date", Column("Startdato (arket)", kind="date")),
            ("created_raw", Column("Oprettet i KP (arket)", width=11)),
            ("kp_number", Column("KP-sagsnr. (arket)", width=14)),
            ("source_row", Column("Række i arket", kind="int", width=9))]),
        "extra_in_kp": (kp[kp["status"] == "extra"], kp_cols),
        "ambiguous": (amb, [
            *_SHEET_SIDE, ("kp_number", Column("KP-sagsnr. (arket)", width=14)),
            ("kp_case_id", Column("Kandidat: KP-sagsnr.", width=14)),
            ("kp_case_type", Column("Sagstype (KP)", width=24)), ("kp_title", Column("Titel (KP)", width=30)),
            ("application_date", Column("Ansøgningsdato (arket)", kind="date")),
            ("kp_application_date", Column("Ansøgningsdato (KP)", kind="date")),
            ("kp_start_date", Column("Bevilling start (KP)", kind="date")),
            ("kp_end_date", Column("Bevilling slut (KP)", kind="date")), *_ROWS]),
        "application_date_differs": (_dates(pairs[pairs["application_date_differs"]], "application"), [
            *pair_id, ("application_date", Column("Ansøgningsdato (arket)", kind="date")),
            ("kp_application_date", Column("Ansøgningsdato (KP)", kind="date")),
            ("days", Column("Forskel (dage, KP − arket)", kind="int", width=12)),
            ("note", Column("Bemærkning", width=40)), *_ROWS]),
        "start_date_differs": (_dates(pairs[pairs["start_date_differs"]], "start"), [
            *pair_id, ("start_date", Column("Startdato (arket)", kind="date")),
            ("kp_start_date", Column("Bevilling start (KP)", kind="date")),
            ("days", Column("Forskel (dage, KP − arket)", kind="int", width=12)),
            ("note", Column("Bemærkning", width=40)), *_ROWS]),
        "end_date_set": (pairs[pairs["end_date_set"]].assign(expected="ingen (tidsubegrænset)"), [
            *pair_id, ("expected", Column("Forventet slutdato", width=22)),
            ("kp_end_date", Column("Bevilling slut (KP)", kind="date")), *_ROWS]),
        "case_type_differs": (pairs[pairs["case_type_differs"]].assign(
            expected_type=expected, expected_title=expected_title), [
            *pair_id, ("expected_type", Column("Forventet sagstype", width=24)),
            ("kp_case_type", Column("Sagstype (KP)", width=24)), ("expected_title", Column("Forventet titel", width=24)),
            ("kp_title", Column("Titel (KP)", width=30)), *_ROWS]),
        "kp_number_differs": (pairs[pairs["kp_number_differs"]], [
            *_SHEET_SIDE, ("kp_number", Column("KP-sagsnr. (arket)", width=14)),
            ("kp_case_id", Column("KP-sagsnr. (KP)", width=14)), *_ROWS]),
        "checked_not_in_kp": (cases[cases["checked_not_in_kp"]], [
            *_SHEET_SIDE, ("created_raw", Column("Oprettet i KP (arket)", width=11)),
            ("kp_number", Column("KP-sagsnr. (arket)", width=14)), ("initials", Column("Initialer", width=10)),
            ("checked_date", Column("Dato (arket)", width=12)),
            ("source_row", Column("Række i arket", kind="int", width=9))]),
        "in_kp_not_checked": (pairs[pairs["in_kp_not_checked"]], [
            *pair_id, ("created_raw", Column("Oprettet i KP (arket)", width=11)), *_ROWS]),
    }
    if "esdh_number_differs" in r.cases:  # the return file of an ordered conversion
        tables["esdh_number_differs"] = (pairs[pairs["esdh_number_differs"]], [
            *pair_id, ("kp_esdh_case_id", Column("ESDH-sagsnr. (returfil)", width=20)), *_ROWS])
    if "document_count_differs" in r.cases:
        tables["document_count_differs"] = (pairs[pairs["document_count_differs"]], [
            *pair_id, ("expected_documents", Column("Antal dokumenter (forventet)", kind="int", width=12)),
            ("kp_document_count", Column("Antal dokumenter vedhæftet (KP)", width=12)), *_ROWS])
    if r.esdh_checked:
        esdh = [*_SHEET_SIDE, ("esdh_status", Column("Sagsstatus (ESDH)", width=16)),
                ("esdh_note", Column("Lukkenotat (ESDH)", width=60)),
                ("esdh_row", Column("Række i ESDH-udtræk", kind="int", width=10))]
        not_found = cases[cases["esdh_case_not_found"]]
        not_found = not_found.assign(why=not_found["esdh_unusable"].map(  # the selection's own rows (see above)
            {True: "Står i udtrækket, men rækken kunne ikke bruges (se 'Ikke medtaget')",
             False: "Findes ikke i udtrækket"}))
        tables |= {
            "esdh_still_open": (cases[cases["esdh_still_open"]].assign(active=", ".join(s.active_statuses)), [
                *esdh[:4], ("active", Column("Statusser der betyder åben", width=40)), esdh[5]]),
            "closing_note_missing": (cases[cases["closing_note_missing"]].assign(marker=s.closing_note_marker),
                                     [*esdh[:3], esdh[4], ("marker", Column("Skal indeholde", width=22)), esdh[5]]),
            "esdh_case_not_found": (not_found, [*_SHEET_SIDE, ("why", Column("Hvorfor", width=60))]),
        }
    return [_table(DIFFERENCES[code][0], frame, cols) for code, (frame, cols) in tables.items()]


def _other_tables(r: Reconciliation, pairs: pd.DataFrame) -> list[Table]:
    out = [_table("Matchede", pairs, [
        *_SHEET_SIDE, ("kp_case_id", Column("KP-sagsnr. (KP)", width=14)),
        ("application_date", Column("Ansøgningsdato (arket)", kind="date")),
        ("kp_application_date", Column("Ansøgningsdato (KP)", kind="date")),
        ("start_date", Column("Startdato (arket)", kind="date")),
        ("kp_start_date", Column("Bevilling start (KP)", kind="date")),
        ("kp_end_date", Column("Bevilling slut (KP)", kind="date")),
        ("kp_case_type", Column("Sagstype (KP)", width=24)), ("kp_title", Column("Titel (KP)", width=30)),
        ("kp_status", Column("Status (KP)", width=12)), ("created_raw", Column("Oprettet i KP (arket)", width=11)),
        ("kp_number", Column("KP-sagsnr. (arket)", width=14)), ("differences", Column("Afvigelser", width=50)),
        *_ROWS])]
    nc = r.not_considered.assign(problem_text=_yes(r.not_considered["problem"].astype(bool)),
                                 rule=r.not_considered["reason_code"].astype("string").fillna("").map(reason_label))
    out.append(_table("Ikke medtaget", nc, [
        ("source", Column("Kilde", width=16)), ("source_file", Column("Fil", width=22)),
        ("source_row", Column("Række/linje", kind="int", width=10)), ("key", Column("Sagsnr.", width=20)),
        ("cpr", Column("CPR-nr. (som i filen)", width=14)), ("rule", Column("Regel", width=28)),
        ("reason", Column("Årsag", width=80)), ("problem_text", Column("Fejl i data", width=9))]))
    if r.updates is not None:
        u = r.updates.assign(label=r.updates["action"].map(ACTION_LABELS))
        out.append(_table("Opdatering af arket", u, [
            ("case_id", Column("ESDH-sagsnr.", width=20)), ("label", Column("Handling", width=30)),
            ("sheet", Column("Ark", width=10)), ("row", Column("Række", kind="int", width=8)),
            ("old", Column("KP-sagsnr. før", width=14)), ("new", Column("KP-sagsnr. fra KP", width=14))]))
    return out


def _sum_block(total_label: str, total: int, parts: list[tuple[str, int]]) -> list[list[object]]:
    """Rows of a control total: the total, its parts, and the sum written out so a reader can check it."""
    rows: list[list[object]] = [["", "Antal"], [total_label, total]]
    rows += [[f"  {label}", n] for label, n in parts]
    parts_sum = sum(n for _, n in parts)
    check = "stemmer" if parts_sum == total else "STEMMER IKKE"
    rows.append(["Kontrol", f"{total} = " + " + ".join(str(n) for _, n in parts) + f" ({check})"])
    return rows


def overview_blocks(r: Reconciliation) -> list[tuple[str, list[list[object]]]]:
    cfg, s = r.config, r.settings
    st = r.status_counts()
    diffs = r.difference_counts()
    left = r.not_considered
    sheet_left = int((left["source"] == "Konverteringsark").sum())
    kc = r.kp_counts
    kp_foot = st["kp_matched"] + st["kp_extra"] + st["kp_ambiguous"] + kc["unusable"]
    verdict = "Alt stemmer" if r.reconciled else "Der er afvigelser – se arkene nedenfor"
    blocks: list[tuple[str, list[list[object]]]] = [
        ("Afstemning", [["Batch", cfg.batch_name], ["Kommune", cfg.municipality],
                        ["Startdato i KP (skæringsdato)", cfg.cutover_date], ["Resultat", verdict],
                        ["Lavet af", f"kp-convert {__version__}"]]),
        ("Sager i batchen (konverteringsarket)", _sum_block("Sager i arket", len(r.cases) + sheet_left, [
            ("Matchet med en sag i KP", st["cases_matched"]), ("Mangler i KP", st["cases_missing"]),
            ("Flere kandidater i KP", st["cases_ambiguous"]),
            ("Ikke medtaget (se arket 'Ikke medtaget')", sheet_left)])),
        ("De matchede sager", _sum_block("Matchet med en sag i KP", st["cases_matched"], [
            ("Korrekte (ingen afvigelse)", st["cases_correct"]),
            ("Med mindst én afvigelse", st["cases_matched"] - st["cases_correct"])])),
        ("Fodbehandlingssager i KP-rapporten", _sum_block("Fodbehandlingssager i KP", kp_foot, [
            ("Matchet med en sag i batchen", st["kp_matched"]), ("Ekstra (ikke i batchen)", st["kp_extra"]),
            ("Blandt flere kandidater", st["kp_ambiguous"]),
            ("Ikke brugbare (ugyldige rækker, dubletter)", kc["unusable"])])),
        ("KP-rapportens rækker", _sum_block("Rækker i KP-rapporten", kc["read"], [
            ("Fodbehandlingssager", kp_foot), ("Andre sager (fx helbredstillægskort, briller)", kc["not_foot_care"]),
            ("Status springes over (efter kommunens valg)", kc["status_ignored"]),
            ("Ødelagte linjer (forkert antal felter)", kc["ragged_line"])])),
    ]
    diff_rows: list[list[object]] = [["Afvigelse", "Antal", "Ark"]]
    for code, n in diffs.items():
        diff_rows.append([DIFFERENCES[code][1], n, DIFFERENCES[code][0]])
    diff_rows.append(["Rækker der ikke kunne bruges (fejl i data)", r.problem_rows, "Ikke medtaget"])
    blocks.append(("Afvigelser pr. slags (en sag kan have flere)", diff_rows))
    if r.esdh_checked:
        ec = r.esdh_counts
        found = int((~r.cases["esdh_case_not_found"]).sum())
        blocks.append(("ESDH-sagerne (udtræk efter konverteringen)", _sum_block("Sager i batchen", len(r.cases), [
            ("Fundet i ESDH-udtrækket", found), ("Ikke fundet", len(r.cases) - found)])))
        blocks.append(("ESDH-udtrækkets rækker", _sum_block("Rækker i udtrækket", ec["read"], [
            ("Sager i batchen", ec["in_batch"]), ("Andre sager (se 'Ikke medtaget')", ec["not_in_batch"]),
            ("Ikke brugbare (ugyldige rækker, dubletter, ødelagte linjer)", ec["unusable"])])))
    else:
        blocks.append(("ESDH-sagerne", [["Ikke kontrolleret", "intet ESDH-udtræk angivet (--esdh-export)"]]))
    if r.updates is not None:
        a = r.updates["action"].value_counts()
        blocks.append(("Opdatering af konverteringsarket (KP-sagsnr.)", [
            ["Skrevet i tomme celler", int(a.get(FILLED, 0))], ["Stod der allerede", int(a.get(UNCHANGED, 0))],
            ["Konflikt – andet nummer står der, ikke overskrevet", int(a.get(CONFLICT, 0))],
            ["Sikkerhedskopi af arket før ændringen", r.backup.name if r.backup else "(ingen ændringer)"]]))
    default = " (standard)"
    pattern = s.foot_care_pattern.pattern
    rule = (pattern_in_words(pattern) or f"mønsteret {pattern}") + (default if "foot_care_pattern" in s.defaults_used
                                                                    else "")
    blocks.append(("Regler brugt", [
        ["Fodbehandling i KP genkendes på", rule],
        ["Søgt i KP-rapportens", ", ".join({"case_type": "Sagstype", "title": "Titel"}[f] for f in r.kp_fields_used)
         or "(ingen: en returfil, hvor alle rækker er konverterede fodbehandlingssager)"],
        ["Afstemt mod", "alle sager i konverteringsarket" if r.ordered_cases is None else
         f"{'prøvekonverteringen' if s.pilot else 'bestillingen'} ({r.ordered_cases} sager); »Oprettet i KP« i "
         "arket kontrolleres ikke (Netcompany har oprettet sagerne)"],
        ["Forventet sagstype i KP", s.expected_case_type or "ikke kontrolleret – ingen forventet sagstype angivet"],
        ["Forventet titel i KP", s.expected_title or "ikke kontrolleret – ingen forventet titel angivet"],
        ["KP-statusser der ignoreres", ", ".join(s.ignore_statuses) or "(ingen)"],
        ["Slutdato i KP", "alle bevillinger skal være tidsubegrænsede (ingen slutdato)"
         + ("; NB: tidsbegrænsede bevillinger er taget med i batchen, så de står også på arket "
            "'Slutdato i KP' – kontrollér dem mod ESDH" if s.include_time_limited else "")],
        ["ESDH-status der betyder åben", ", ".join(s.active_statuses)],
        ["Lukkenotat genkendes på teksten", s.closing_note_marker
         + (default if "closing_note_marker" in s.defaults_used else "")],
    ]))
    files: list[list[object]] = [["Kilde", "Fil", "Poster", "SHA-256"]]
    files += [[src.label, str(src.path), src.records, src.sha256] for src in r.sources]
    blocks.append(("Filer", files))
    return blocks


def write_report(r: Reconciliation, out_dir: Path) -> Path:
    out = OutputSet(Path(out_dir))
    try:
        created = dt.datetime.combine(r.config.cutover_date, dt.time())  # fixed: same inputs, same bytes
        book = Workbook(out.path(AFSTEMNING_NAME), created=created, title=f"Afstemning – {r.config.batch_name}")
        book.write_key_values("Oversigt", f"Afstemning mod KP – {r.config.batch_name}", overview_blocks(r))
        pairs = _pairs_frame(r)
        for table in [*_difference_tables(r, pairs), *_other_tables(r, pairs)]:
            book.write_table(table)
        book.close()
        return out.commit()[AFSTEMNING_NAME]
    except BaseException:
        out.abort()
        raise


def summary_lines(r: Reconciliation, written: Path) -> list[str]:
    """The console summary: counts only, never a CPR number."""
    st, kc, diffs = r.status_counts(), r.kp_counts, r.difference_counts()
    sheet_left = int((r.not_considered["source"] == "Konverteringsark").sum())
    kp_foot = st["kp_matched"] + st["kp_extra"] + st["kp_ambiguous"] + kc["unusable"]
    lines = [
        f"kp-convert afstemning: {r.config.batch_name}",
        f"  Sager i arket          {len(r.cases) + sheet_left:>6} = {st['cases_matched']} matchet "
        f"({st['cases_correct']} korrekte) + {st['cases_missing']} mangler i KP + {st['cases_ambiguous']} "
        f"flere kandidater + {sheet_left} ikke medtaget",
        f"  Fodbehandling i KP     {kp_foot:>6} = {st['kp_matched']} matchet + {st['kp_extra']} ekstra + "
        f"{st['kp_ambiguous']} blandt flere kandidater + {kc['unusable']} ikke brugbare",
        f"  KP-rapportens rækker   {kc['read']:>6} = {kp_foot} fodbehandling + {kc['not_foot_care']} andre sager + "
        f"{kc['status_ignored']} status ignoreret + {kc['ragged_line']} ødelagte linjer",
    ]
    if not r.esdh_checked:
        lines.append("  ESDH-sagerne er ikke kontrolleret (intet --esdh-export).")
    found = [(code, n) for code, n in diffs.items() if n]
    if found or r.problem_rows:
        lines.append("  Afvigelser:")
        lines += [f"    {DIFFERENCES[code][1]:<62} {n:>6}" for code, n in found]
        if r.problem_rows:
            lines.append(f"    {'Rækker der ikke kunne bruges (se arket Ikke medtaget)':<62} {r.problem_rows:>6}")
    else:
        lines.append("  Alt stemmer.")
    if r.updates is not None:
        a = r.updates["action"].value_counts()
        lines.append(f"  Konverteringsarket: {int(a.get(FILLED, 0))} KP-sagsnr. skrevet, "
                     f"{int(a.get(UNCHANGED, 0))} stod der allerede, {int(a.get(CONFLICT, 0))} konflikter (ikke "
                     "overskrevet)" + (f"; sikkerhedskopi: {r.backup.name}" if r.backup else ""))
    lines.append(f"  Skrevet: {written}")
    return lines

