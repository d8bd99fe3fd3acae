"""The vocabulary of the ledger and the flags: every code the tool writes, with its Danish label.

Codes stay in `ledger.csv` and the manifest (for automation); everything a caseworker or Netcompany reads shows
the Danish label. A leaf: settings, stages and writers all read it.
"""

from __future__ import annotations

# flag code -> short Danish name (Oversigt counts); a case's remark may add detail
FLAGS: dict[str, str] = {
    "formue_ikke_oplyst": "Formue ikke oplyst",
    "asset_after_cutover": "Formueoplysning efter startdatoen ignoreret",
    "duplicate_grant": "Flere løbende fodbehandlingssager for samme borger",
    "tillaegsprocent_zero": "Tillægsprocent er 0",
    "tillaegsprocent_missing": "Tillægsprocent ikke oplyst",
    "pension_type_not_eligible": "Pensionstype giver ikke ret",
    "pension_type_missing": "Pensionstype ikke oplyst",
    "assets_over_limit": "Formue over formuegrænsen",
    "assets_amount_missing": "Formuebeløb ikke oplyst",
    "replacement_cpr": "Erstatningspersonnummer",
    "documents_uncategorised": "Dokumenter der skal vurderes",
    "grant_after_cutover": "Bevilget efter startdatoen",
    "cpr_padded": "CPR-nr. havde 9 cifre – 0 er sat foran",
}

# flag -> what its check reads; when the export has none of it, the check did not run: "ikke kontrolleret", never 0
CHECK_NEEDS: dict[str, str] = {
    "formue_ikke_oplyst": "asset_date", "asset_after_cutover": "asset_date",
    "tillaegsprocent_zero": "tillaegsprocent", "tillaegsprocent_missing": "tillaegsprocent",
    "pension_type_not_eligible": "pension_type", "pension_type_missing": "pension_type",
    "assets_over_limit": "assets", "assets_amount_missing": "assets",
    "grant_after_cutover": "grant_date", "documents_uncategorised": "documents",
}
NOT_CHECKED_NO_COLUMN = "ikke kontrolleret – ingen kolonne"
NOT_CHECKED_NOT_IN_EXPORT = "ikke kontrolleret – ikke i udtrækket"

# ledger reason code -> plain Danish, in the documented rule order
REASONS: dict[str, str] = {
    "not_foot_care": "ikke fodbehandling", "status_not_active": "sagsstatus er ikke løbende",
    "grant_ended": "bevillingen er ophørt senest på startdatoen", "time_limited": "tidsbegrænset bevilling",
    "duplicate_identical": "gentaget linje med samme indhold", "ragged_line": "forkert antal felter på linjen",
    "missing_value": "en påkrævet værdi mangler", "invalid_cpr": "ugyldigt CPR-nummer", "invalid_date": "ugyldig dato",
    "invalid_amount": "ugyldigt beløb", "invalid_percentage": "ugyldig tillægsprocent",
    "text_too_long": "for lang tekst", "duplicate_conflicting": "sagsnummeret findes flere gange med forskelligt indhold",
    "case_excluded": "sagen er udeladt", "case_rejected": "sagen er afvist", "orphan_document": "sagen findes ikke i udtrækket",
    "category": "konverteres med sagen", "application_date": "brugt som ansøgningsdato",
    "superseded": "erstattet af en nyere formueoplysning", "asset_after_cutover": "dateret efter startdatoen",
    "citizen_not_converted": "borgerens sag konverteres ikke", "unknown_citizen": "ingen sag for borgeren",
    # reconcile
    "status_ignored": "status springes over", "duplicate_case": "sagen står flere gange i arket",
    "sheet_row_unusable": "sagens række i arket kan ikke bruges", "not_in_batch": "sagen er ikke i batchen",
    "not_in_order": "ikke med i bestillingen", "not_in_pilot": "ikke med i prøvekonverteringen",
    "not_in_worksheet": "sagen er ikke i konverteringsarket",
}


def reason_label(code: str) -> str:
    """The Danish name of a ledger reason code; a converted case's code is its flags ('a|b'), each named."""
    if not code:
        return ""
    return "; ".join(REASONS.get(c) or FLAGS.get(c) or c for c in code.split("|"))

OUTCOMES = ("converted", "excluded", "rejected")
OUTCOME_LABELS = {"converted": "Konverteret", "excluded": "Udeladt", "rejected": "Afvist"}
