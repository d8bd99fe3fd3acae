"""Pure stages of reconciliation: which KP rows are foot care, pair them with the batch's cases, compare.

Pairing is by normalised CPR. Per citizen, a batch case whose checklist *KP-sagsnr.* names exactly one of
the citizen's KP foot-care cases is paired with it, then one a KP row names by its ESDH case number (the return
file of an ordered conversion has that column); then one remaining batch case and one remaining KP case are
paired; remaining batch cases with no KP case are *missing*, remaining KP cases with no batch case are
*extra*, and anything else (several against one or more) is *ambiguous*: a person must decide.
"""

from __future__ import annotations

import pandas as pd

from ..danish.format import pattern_in_words
from ..frames import lookup
from ..settings.reconcile import ReconcileSettings, squash
from ..stages.ledger import Rule, first_rule_wins

MATCHED, MISSING, AMBIGUOUS, EXTRA = "matched", "missing", "ambiguous", "extra"

# difference code -> (sheet name, Danish label for the Oversigt and the console)
DIFFERENCES: dict[str, tuple[str, str]] = {
    "missing_in_kp": ("Mangler i KP", "Sag i batchen uden fodbehandlingssag i KP"),
    "extra_in_kp": ("Ekstra i KP", "Fodbehandlingssag i KP, der ikke er i batchen"),
    "ambiguous": ("Flere kandidater", "Mere end én mulig sag i KP (eller i batchen)"),
    "application_date_differs": ("Ansøgningsdato afviger", "Ansøgningsdato afviger"),
    "start_date_differs": ("Startdato afviger", "Startdato (Bevilling start) afviger"),
    "end_date_set": ("Slutdato i KP", "Slutdato sat i KP, men bevillingen skal være tidsubegrænset"),
    "case_type_differs": ("Sagstype eller titel afviger", "Sagstype eller titel afviger fra det forventede"),
    "kp_number_differs": ("KP-sagsnr. afviger", "KP-sagsnr. i arket afviger fra KP"),
    "esdh_number_differs": ("ESDH-sagsnr. afviger", "KP-sagen er lavet ud fra en anden ESDH-sag (returfilen)"),
    "document_count_differs": ("Antal dokumenter afviger", "Antal vedhæftede dokumenter afviger (returfilen)"),
    "checked_not_in_kp": ("Afkrydset, ikke i KP", "Arket siger oprettet i KP, men KP har ingen sag"),
    "in_kp_not_checked": ("I KP, ikke afkrydset", "Sagen er i KP, men arket siger ikke 'Ja' til oprettet"),
    "esdh_still_open": ("ESDH-sag ikke lukket", "ESDH-sagen er ikke lukket"),
    "closing_note_missing": ("Lukkenotat mangler", "Lukkenotatet mangler på ESDH-sagen"),
    "esdh_case_not_found": ("Ikke i ESDH-udtræk", "ESDH-sagen findes ikke (brugbar) i ESDH-udtrækket"),
}
KP_DIFFERENCES = ("application_date_differs", "start_date_differs", "end_date_set", "case_type_differs",
                  "kp_number_differs", "esdh_number_differs", "document_count_differs", "in_kp_not_checked")
# a difference that needs a column only the return file has: checked when the KP report has it
NEEDS_FIELD = {"esdh_number_differs": "esdh_case_id", "document_count_differs": "document_count"}
ESDH_DIFFERENCES = ("esdh_still_open", "closing_note_missing", "esdh_case_not_found")


def _norm(s: pd.Series) -> pd.Series:
    """Text compared as a person would: case and runs of spaces ignored."""
    return s.astype("string").fillna("").str.split().str.join(" ").str.casefold()


def foot_care_rows(kp: pd.DataFrame, settings: ReconcileSettings, present: set[str]
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(KP rows that are foot care and not ignored, still text; ledger rows of the others, with the reason)."""
    fields = [f for f in settings.match_fields if f in present]
    # no Sagstype or Titel column: a return file, which lists only the converted foot-care cases
    foot = pd.Series(not fields, index=kp.index)
    for f in fields:
        foot |= settings.foot_care_pattern.contains(kp[f])
    ignore = {s.casefold() for s in settings.ignore_statuses}
    ignored = _norm(kp["status"]).isin(ignore) if ignore else pd.Series(False, index=kp.index)
    where = " eller ".join({"case_type": "sagstypen", "title": "titlen"}[f] for f in fields)
    words = pattern_in_words(settings.foot_care_pattern.pattern)
    why = f"{where} {words.replace(' ', ' ikke ', 1)}" if words else \
        f"{where} passer ikke med mønsteret for fodbehandling (se Oversigt)"
    rules: list[Rule] = [
        (~foot, "excluded", "not_foot_care", "Anden slags sag (" + _describe(kp, fields) + f") – {why}"),
        (ignored, "excluded", "status_ignored",
         "Status '" + kp["status"].fillna("") + "' springes over efter kommunens valg"),
    ]
    decided, ledger = first_rule_wins(kp, "kp_report", rules, case_id=kp["case_id"].fillna(""))
    return kp[~decided], ledger


def _describe(kp: pd.DataFrame, fields: list[str]) -> pd.Series:
    parts = [kp[f].fillna("–") for f in fields] or [pd.Series("–", index=kp.index, dtype="string")]
    text = parts[0]
    for p in parts[1:]:
        text = text + " / " + p
    return text


def pair_cases(sheet: pd.DataFrame, kp: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """Returns (status per batch case, status per KP row, links: sheet_index, kp_index, kind).

    `kind` is 'matched' for a pair and 'ambiguous' for every batch case × KP case of an undecided citizen.
    """
    n = sheet.groupby("cpr").size()
    m = kp.groupby("cpr").size()
    s_n, s_m = lookup(sheet["cpr"], n), lookup(sheet["cpr"], m).fillna(0)
    sheet_status = pd.Series(MISSING, index=sheet.index, dtype="string")
    kp_status = pd.Series(EXTRA, index=kp.index, dtype="string")
    simple_sheet = (s_n == 1) & (s_m == 1)  # the common case, decided without a loop
    simple = pd.DataFrame({"sheet_index": sheet.index[simple_sheet.to_numpy()]})
    kp_by_cpr = pd.Series(kp.index, index=kp["cpr"].to_numpy())
    kp_by_cpr = kp_by_cpr[~kp_by_cpr.index.duplicated(keep=False)]  # citizens with one KP case
    simple["kp_index"] = kp_by_cpr.reindex(sheet.loc[simple_sheet, "cpr"].to_numpy()).to_numpy()
    links = [simple.assign(kind=MATCHED)]
    complex_cprs = set(sheet.loc[(s_m > 0) & ~simple_sheet, "cpr"])
    for cpr in sorted(complex_cprs):  # citizens with several cases: few, so a loop per citizen
        links.append(_pair_citizen(sheet[sheet["cpr"] == cpr], kp[kp["cpr"] == cpr]))
    linked = pd.concat(links, ignore_index=True).astype({"sheet_index": "int64", "kp_index": "int64"})
    for kind in (MATCHED, AMBIGUOUS):
        part = linked[linked["kind"] == kind]
        sheet_status.loc[part["sheet_index"].unique()] = kind
        kp_status.loc[part["kp_index"].unique()] = kind
    return sheet_status, kp_status, linked


def _pair_citizen(cases: pd.DataFrame, kp: pd.DataFrame) -> pd.DataFrame:
    remaining = list(kp.index)
    pairs, unpaired = [], list(cases.index)
    # first the checklist's KP-sagsnr., then the ESDH-sagsnr. a KP row names (a return file)
    for mine, theirs in (("kp_number", "case_id"), ("case_id", "esdh_case_id")):
        if mine not in cases or theirs not in kp:
            continue
        numbers, wanted_by_case = _norm(kp[theirs]), _norm(cases[mine])
        still = []
        for i in unpaired:
            wanted = wanted_by_case[i]
            hits = [k for k in remaining if wanted and numbers[k] == wanted]
            if len(hits) == 1:
                pairs.append((i, hits[0], MATCHED))
                remaining.remove(hits[0])
            else:
                still.append(i)
        unpaired = still
    if len(unpaired) == 1 and len(remaining) == 1:
        pairs.append((unpaired[0], remaining[0], MATCHED))
    elif unpaired and remaining:
        pairs += [(i, k, AMBIGUOUS) for i in unpaired for k in remaining]
    return pd.DataFrame(pairs, columns=["sheet_index", "kp_index", "kind"])


def compare_pairs(sheet: pd.DataFrame, kp: pd.DataFrame, links: pd.DataFrame,
                  settings: ReconcileSettings) -> pd.DataFrame:
    """One row per matched pair with both sides' values and a boolean column per KP difference."""
    pairs = links[links["kind"] == MATCHED]
    a = sheet.loc[pairs["sheet_index"]].reset_index(drop=True)
    b = kp.loc[pairs["kp_index"]].reset_index(drop=True).add_prefix("kp_")
    out = pd.concat([a, b], axis=1).assign(sheet_index=pairs["sheet_index"].to_numpy(),
                                           kp_index=pairs["kp_index"].to_numpy())

    def differs(mine: str, raw: str, theirs: str) -> pd.Series:
        unreadable = out[mine].isna() & out[raw].fillna("").str.strip().ne("")  # typed over with non-date text
        same = (out[mine] == out[theirs]).fillna(False) | (out[mine].isna() & out[theirs].isna() & ~unreadable)
        return ~same.astype(bool)

    type_differs = pd.Series(False, index=out.index)
    if settings.expected_case_type:
        type_differs |= _norm(out["kp_case_type"]).ne(squash(settings.expected_case_type))
    if settings.expected_title:
        type_differs |= _norm(out["kp_title"]).ne(squash(settings.expected_title))
    mine_no, kp_no = _norm(out["kp_number"]), _norm(out["kp_case_id"])
    esdh_no = _norm(out["kp_esdh_case_id"]) if "kp_esdh_case_id" in out else pd.Series("", index=out.index)
    return out.assign(
        application_date_differs=differs("application_date", "application_raw", "kp_application_date"),
        start_date_differs=differs("start_date", "start_raw", "kp_start_date"),
        end_date_set=out["kp_end_date"].notna(),
        case_type_differs=type_differs,
        kp_number_differs=mine_no.ne("") & kp_no.ne("") & mine_no.ne(kp_no),
        esdh_number_differs=esdh_no.ne("") & esdh_no.ne(_norm(out["case_id"])),
        **_document_counts(out, settings.documents_ordered),
        in_kp_not_checked=~out["created"].astype(bool),
    )


def _document_counts(out: pd.DataFrame, documents_ordered: bool) -> dict[str, pd.Series]:
    """The documents KP says are attached (the return file) against the worksheet's count (0 when the order was
    without documents); a count that is not a whole number differs. Not compared where either side is empty."""
    if "kp_document_count" not in out:
        return {"document_count_differs": pd.Series(False, index=out.index),
                "expected_documents": pd.Series(pd.NA, index=out.index, dtype="Int64")}
    raw = out["kp_document_count"].astype("string").str.strip().fillna("")
    theirs = pd.to_numeric(raw.str.replace(r"[.,]0+$", "", regex=True), errors="coerce")
    whole = theirs.notna() & theirs.eq(theirs.round())
    expected = (out["document_count"] if documents_ordered and "document_count" in out
                else pd.Series(0 if not documents_ordered else pd.NA, index=out.index)).astype("Int64")
    differs = raw.ne("") & expected.notna() & (~whole | theirs.ne(expected.astype("Float64")).fillna(True))
    return {"document_count_differs": differs.fillna(False).astype(bool), "expected_documents": expected}


def esdh_status(sheet: pd.DataFrame, esdh: pd.DataFrame, unusable_ids: set[str],
                settings: ReconcileSettings) -> pd.DataFrame:
    """Per batch case: found in the ESDH export, still open, closing note present (booleans) and the values."""
    rows = esdh.drop_duplicates("case_id").set_index("case_id")
    status = lookup(sheet["case_id"], rows["status"])
    note = lookup(sheet["case_id"], rows["closing_note"])
    row = lookup(sheet["case_id"], rows["source_row"])
    found = status.notna()
    active = {s.casefold() for s in settings.active_statuses}
    marker = squash(settings.closing_note_marker)
    has_note = _norm(note).str.contains(marker, regex=False).astype(bool)
    return pd.DataFrame({
        "esdh_status": status, "esdh_note": note, "esdh_row": row,
        "esdh_case_not_found": ~found,
        "esdh_unusable": ~found & sheet["case_id"].isin(unusable_ids),
        "esdh_still_open": found & _norm(status).isin(active).astype(bool),
        "closing_note_missing": found & ~has_note,
    }, index=sheet.index)
