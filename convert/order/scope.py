"""The firm scope of a conversion order: which converted cases Netcompany can create exactly as ordered.

A case is held back from the order (not in bestilling_data.xlsx, listed under *Ikke med i denne bestilling*) when
it cannot be created as ordered:
- it has no application date (no asset declaration on or before the cut-over: KOMBIT's rule has no date to use);
- its CPR number is a replacement number (erstatningspersonnummer: never in CPR) or was a 9-digit number padded
  with a 0 (a guess);
- the citizen has several running foot-care grants, and the configuration does not name exactly one of them to
  order (`order.chosen_grants`; the others wait too);
- documents are ordered and the case has documents without a KP category ("Skal vurderes" is not a KP
  category). The whole case waits, so a case is always converted with all its documents and the counts in the
  return file can be checked; the municipality adds a category rule and orders it later.
Every other case is in the order, flagged or not (its remark goes with it in the extract).

The test conversion (*prøvekonvertering*) is the first `order.pilot_cases` cases of the order by ESDH case number.
`order_scope` is also what the worksheet's column *I bestillingen* shows (`IN_ORDER_HEADER`, `worksheet_text`).
"""

from __future__ import annotations

import pandas as pd

from schemas.batch import ConvertedCase as C

from ..batch import Batch
from ..settings.batch import Config

IN_ORDER_HEADER = "I bestillingen"
PILOT_TEXT = "Ja – prøvekonvertering"

# code -> (why the case is not in the order, what it takes to order it); Danish, shown in the order
HELD_BACK: dict[str, tuple[str, str]] = {
    "no_application_date": ("Ingen formueoplysning på eller før startdatoen, så ansøgningsdatoen kan ikke sættes",
                            "Kommunen indhenter borgerens formueoplysning"),
    "replacement_cpr": ("Erstatningspersonnummer – findes ikke i CPR",
                        "Kommunen finder borgerens rigtige CPR-nr."),
    "cpr_padded": ("CPR-nr. havde 9 cifre i ESDH-udtrækket; et 0 foran er et gæt",
                   "Kommunen kontrollerer CPR-nr. på ESDH-sagen"),
    "duplicate_grant": ("Borgeren har flere løbende fodbehandlingssager",
                        "Kommunen vælger, hvilken af sagerne der skal konverteres"),
    "duplicate_not_chosen": ("Borgeren har flere løbende fodbehandlingssager; en anden af dem bestilles",
                             "Kommunen lukker sagen i ESDH (den anden sag konverteres)"),
    "documents_uncategorised": ("Dokumenter uden dokumentkategori i KP",
                                "Kommunen giver dokumenterne en kategori og bestiller sagen senere"),
}
SCOPE_COLUMNS = ["case_id", "in_order", "codes", "reason", "action", "pilot", "worksheet_text"]


def documents_ordered(config: Config) -> bool:
    """Documents are part of the order unless the municipality decided against it (or there is no export)."""
    return config.order.convert_documents is not False and "documents" in config.inputs


def order_scope(batch: Batch) -> pd.DataFrame:
    """One row per converted case (same index as `batch.cases`): case_id, in_order (bool), codes ('|'-joined
    HELD_BACK codes), reason and action (Danish, '; '-joined; '' when in the order), pilot (bool) and
    worksheet_text ('Ja', 'Ja – prøvekonvertering' or 'Nej – <reason>') for the worksheet's *I bestillingen*."""
    cases, config = batch.cases, batch.config
    chosen = set(config.order.chosen_grants)
    dup = cases[C.cpr].duplicated(keep=False)
    chosen_per_cpr = cases[dup & cases[C.case_id].isin(chosen)].groupby(C.cpr)[C.case_id].agg(list)
    one_chosen = chosen_per_cpr[chosen_per_cpr.map(len) == 1].map(lambda ids: ids[0])  # the grant to order
    choice = cases[C.cpr].map(one_chosen).astype("string")
    others = cases[dup].groupby(C.cpr)[C.case_id].agg(lambda s: ", ".join(sorted(s)))
    masks: list[tuple[str, pd.Series, pd.Series | str]] = [
        ("no_application_date", cases[C.application_date].isna(), ""),
        ("replacement_cpr", cases[C.cpr_replacement].fillna(False).astype(bool), ""),
        ("cpr_padded", cases[C.cpr_padded].fillna(False).astype(bool) if C.cpr_padded in cases
         else pd.Series(False, index=cases.index), ""),
        ("duplicate_grant", dup & choice.isna(), " (" + cases[C.cpr].map(others).astype("string").fillna("") + ")"),
        ("duplicate_not_chosen", dup & choice.notna() & choice.ne(cases[C.case_id]).fillna(False).astype(bool),
         " (" + choice.fillna("") + " bestilles)"),
    ]
    if documents_ordered(config):
        masks.append(("documents_uncategorised", cases[C.uncategorised_count].gt(0).astype(bool),
                      " (" + cases[C.uncategorised_count].astype(str) + ")"))
    codes = pd.Series("", index=cases.index, dtype="string")
    reason = pd.Series("", index=cases.index, dtype="string")
    action = pd.Series("", index=cases.index, dtype="string")
    for code, mask, detail in masks:  # column by column, not row by row
        why, what = HELD_BACK[code]
        first, more = mask & codes.eq(""), mask & codes.ne("")
        codes = codes.mask(first, code).mask(more, codes + "|" + code)
        reason = reason.mask(first, why + detail).mask(more, reason + "; " + _continued(why) + detail)
        action = action.mask(first, what).mask(more, action + "; " + _continued(what))
    in_order = codes.eq("").astype(bool)
    pilot = pd.Series(False, index=cases.index)
    pilot[pilot_ids(cases.loc[in_order, C.case_id], config.order.pilot_cases).index] = True
    text = pd.Series("Ja", index=cases.index, dtype="string").mask(pilot, PILOT_TEXT).mask(~in_order, "Nej – " + reason)
    return pd.DataFrame({"case_id": cases[C.case_id], "in_order": in_order, "codes": codes, "reason": reason,
                         "action": action, "pilot": pilot, "worksheet_text": text}, index=cases.index)[SCOPE_COLUMNS]


def _continued(text: str) -> str:
    """A sentence continued after '; ': 'Kommunen …' -> 'kommunen …' ('CPR-nr. …' stays)."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[0].isupper() and text[1].islower() else text


def pilot_ids(case_ids: pd.Series, n: int) -> pd.Series:
    """The test conversion: the first `n` of the ordered cases by ESDH case number (all of them when fewer)."""
    return case_ids.sort_values(kind="stable").head(n)


def unknown_choices(batch: Batch) -> list[str]:
    """ESDH case numbers in `order.chosen_grants` that are not one of a citizen's several running grants in this
    batch (a typing error, or the batch changed): said on the console."""
    cases = batch.cases
    dup_ids = set(cases.loc[cases[C.cpr].duplicated(keep=False), C.case_id])
    return [c for c in batch.config.order.chosen_grants if c not in dup_ids]
