"""Compute what KP needs for each selected case, and flag what KP's own checks will refuse.

Application date (ansøgningsdato) = the citizen's latest asset declaration on or before the cut-over
date (KOMBIT: "seneste dato for oplyst formue"); start date = the cut-over date. A citizen with no such
declaration gets the flag "Formue ikke oplyst" and no application date: a date is never invented.
Because declarations after the cut-over are ignored, application date <= start date holds by construction.
The flags' codes and Danish names are in `convert.codes.FLAGS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from schemas.batch import CategorisedDocument as D
from schemas.batch import ConvertedCase as C

from ..codes import CHECK_NEEDS, NOT_CHECKED_NO_COLUMN, NOT_CHECKED_NOT_IN_EXPORT
from ..danish.format import format_dates, format_ore
from ..frames import isin, lookup
from ..progress import stage
from ..settings.batch import UNCATEGORISED, Criteria
from ..settings.inputs import InputSpec
from .assets import asset_declarations, latest_asset_dates


@stage("compute", "Beregner KP-datoer og bemærkninger")
def compute_kp_dates(cases: pd.DataFrame, assets: pd.DataFrame | None, criteria: Criteria, cutover_date: dt.date,
                     available: Collection[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (cases with dates and flags, declarations chosen per CPR). `available`: what the exports hold for
    the checks (`check_fields`); a check without its data is not made, and `not_checked` says so."""
    cutover = pd.Timestamp(cutover_date)
    decl = asset_declarations(cases, assets)
    latest = latest_asset_dates(decl, cutover)
    after_cprs = decl.loc[decl["date"] > cutover, "cpr"]
    app = lookup(cases[C.cpr], latest["date"]).astype("datetime64[ns]")
    amount = lookup(cases[C.cpr], latest["amount"]).astype("Int64")
    kp_columns: dict[str, pd.Series | pd.Timestamp] = {C.application_date: app, C.start_date: cutover,
                                                       C.declared_assets: amount}
    out = cases.assign(**kp_columns)
    return _flag(out, criteria, cutover_date, available, after_cprs), latest


def check_fields(present: dict[str, set[str]]) -> set[str]:
    """What the exports hold for the checks: the cases export's fields, asset dates (and amounts) from the assets
    export or the cases' own columns, and 'documents' when there is a documents export."""
    cases = present.get("cases", set())
    available = set(cases)
    if "assets" in present or C.asset_date in cases:
        available.add("asset_date")
    amounts_declared = "assets" in present.get("assets", set()) or {C.asset_date, C.assets} <= cases
    available.discard(C.assets)
    if amounts_declared:
        available.add("assets")
    if "documents" in present:
        available.add("documents")
    return available


def not_checked(available: Collection[str], inputs: Mapping[str, InputSpec]) -> dict[str, str]:
    """Flag code -> why its check did not run ("ikke kontrolleret – …"): never shown as 0 cases."""
    declared = set(inputs["cases"].not_in_export) if "cases" in inputs else set()
    out = {}
    for code, need in CHECK_NEEDS.items():
        if need in available:
            continue
        if need == "documents":
            out[code] = "ikke kontrolleret – intet dokumentudtræk"
        else:
            out[code] = NOT_CHECKED_NOT_IN_EXPORT if need in declared else NOT_CHECKED_NO_COLUMN
    return out


def _flag(cases: pd.DataFrame, criteria: Criteria, cutover_date: dt.date, present: Collection[str],
          after_cprs: Iterable[str]) -> pd.DataFrame:
    idx = cases.index
    checks: list[tuple[str | None, pd.Series, pd.Series | str]] = []
    app = cases[C.application_date]
    if "asset_date" in present:
        checks.append(("formue_ikke_oplyst", app.isna(), "Formue ikke oplyst: ingen formueoplysning på eller før "
                                                         "startdatoen – ansøgningsdato kan ikke sættes"))
        checks.append(("asset_after_cutover", isin(cases[C.cpr], after_cprs),
                       "Formueoplysning dateret efter startdatoen er ikke brugt"))
    dup = cases[C.cpr].duplicated(keep=False)
    if dup.any():
        ids = cases[dup].groupby(C.cpr)[C.case_id].agg(lambda s: ", ".join(sorted(s)))
        checks.append(("duplicate_grant", dup,
                       "Borgeren har flere løbende fodbehandlingssager: " + lookup(cases[C.cpr], ids).fillna("")))
    if C.tillaegsprocent in present:
        pct = cases[C.tillaegsprocent]
        checks.append(("tillaegsprocent_missing", pct.isna(), "Tillægsprocent ikke oplyst"))
        checks.append(("tillaegsprocent_zero", (pct == 0).fillna(False).astype(bool),
                       "Tillægsprocent er 0 – KP kan give afslag ved revurdering"))
    if C.pension_type in present:
        pt = cases[C.pension_type]
        eligible = {p.casefold() for p in criteria.eligible_pension_types}
        bad = pt.notna() & ~pt.str.strip().str.casefold().isin(eligible).fillna(False).astype(bool)
        checks.append(("pension_type_missing", pt.isna(), "Pensionstype ikke oplyst"))
        checks.append(("pension_type_not_eligible", bad,
                       "Pensionstype '" + pt.fillna("") + "' giver ikke ret til udvidet helbredstillæg"))
    if "assets" in present:
        amount = cases[C.declared_assets]
        year = app.dt.year.astype("Int64")
        limit_kr = year.map(criteria.asset_limits).astype("Int64")
        has_decl = app.notna()
        checks.append(("assets_amount_missing", has_decl & amount.isna(),
                       "Formuebeløb ikke oplyst i den seneste formueoplysning"))
        no_limit = has_decl & amount.notna() & limit_kr.isna()  # a gap of the batch, said once (`batch_notices`)
        checks.append((None, no_limit.astype(bool),
                       "Formuegrænse ikke kontrolleret (" + year.astype("string").fillna("") + ")"))
        over = (amount > limit_kr * 100).fillna(False).astype(bool)
        checks.append(("assets_over_limit", over,  # amounts formatted for the flagged rows only
                       "Formue " + format_ore(amount.where(over)).fillna("") + " kr. er over formuegrænsen "
                       + format_ore((limit_kr * 100).where(over)).fillna("") + " kr. for "
                       + year.astype("string").fillna("")))
    if C.grant_date in present:  # a grant dated after KP takes over: a typing error or a case that belongs in KP
        late = (cases[C.grant_date] > pd.Timestamp(cutover_date)).fillna(False).astype(bool)
        checks.append(("grant_after_cutover", late, "Bevilget " + format_dates(cases[C.grant_date]).fillna("")
                       + ", efter startdatoen i KP – kontrollér bevillingsdatoen"))
    checks.append(("replacement_cpr", cases[C.cpr_replacement].astype(bool),
                   "Erstatningspersonnummer – find borgeren i KP på det rigtige CPR-nummer"))
    if C.cpr_padded in cases:  # the padded number is a guess: a dropped last digit gives 9 digits too
        checks.append(("cpr_padded", cases[C.cpr_padded].fillna(False).astype(bool),
                       "CPR-nr. havde 9 cifre – 0 er sat foran; kontrollér personen"))
    out = cases.assign(**{C.flag_codes: pd.Series("", index=idx, dtype="string"),
                          C.remarks: pd.Series("", index=idx, dtype="string")})
    return add_flags(out, checks)


def add_flags(cases: pd.DataFrame, flags: list[tuple[str | None, pd.Series, pd.Series | str]]) -> pd.DataFrame:
    """Append flags (code, mask, message; messages aligned with `cases`) in order; work only on flagged rows.
    A code of None adds the remark only: the case is not flagged (a gap of the whole batch, said once)."""
    codes = remarks = None
    for code, mask, message in flags:
        hit = np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))
        if not len(hit):
            continue
        if codes is None or remarks is None:
            codes = cases[C.flag_codes].to_numpy(dtype=object, na_value="")
            remarks = cases[C.remarks].to_numpy(dtype=object, na_value="")
        if isinstance(message, pd.Series):
            aligned = message if message.index.equals(cases.index) else message.reindex(cases.index)
            text: np.ndarray | str = aligned.to_numpy(dtype=object, na_value="")[hit]
        else:
            text = message
        cur_codes, cur_remarks = codes[hit], remarks[hit]
        if code is not None:
            codes[hit] = np.where(cur_codes != "", cur_codes + ("|" + code), code)
        remarks[hit] = np.where(cur_remarks != "", cur_remarks + "; " + text, text)
    if codes is None or remarks is None:
        return cases
    return cases.assign(**{C.flag_codes: pd.array(codes, dtype="string"), C.remarks: pd.array(remarks, dtype="string")})


@dataclass(frozen=True)
class Notice:
    """A gap of the whole batch, said once: to the team (what to write where) and in the order (what it means)."""

    team: str
    order: str


def batch_notices(cases: pd.DataFrame, criteria: Criteria) -> list[Notice]:
    """Gaps of the whole batch, each said once (not as one flag per case): the asset limits of declaration years
    the configuration does not have yet (2025 on is not confirmed: the user enters it)."""
    app = cases[C.application_date]
    years = app.dt.year.astype("Int64")[app.notna() & cases[C.declared_assets].notna()]
    missing = years[~years.isin(list(criteria.asset_limits))].value_counts().sort_index()
    out = []
    for year, n in zip(missing.index, missing, strict=True):
        cases_text = "1 sag venter" if n == 1 else f"{n} sager venter"
        out.append(Notice(f"Formuegrænsen for {year} mangler – skriv den under [asset_limits] i konfigurationen; "
                          f"{cases_text} på den (deres formue er ikke kontrolleret)",
                          f"Formuegrænsen for {year} er ikke fastsat endnu; {n} sager har en formueoplysning fra "
                          f"{year}, og deres formue er derfor ikke kontrolleret mod grænsen."))
    return out


@stage("count_documents", "Tæller dokumenter")
def count_documents(cases: pd.DataFrame, documents: pd.DataFrame | None) -> pd.DataFrame:
    """Each case's number of documents and of documents without a KP category; the latter are flagged
    (without a category a document is not carried to the case KP creates at the year-end re-assessment)."""
    if documents is None:
        no_documents: dict[str, pd.api.extensions.ExtensionArray | int] = {
            C.document_count: pd.array([pd.NA] * len(cases), dtype="Int64"), C.uncategorised_count: 0}
        return cases.assign(**no_documents)
    per_case = documents.groupby(D.case_id).size()
    unsure = documents[documents[D.category] == UNCATEGORISED].groupby(D.case_id).size()
    out = cases.assign(**{C.document_count: lookup(cases[C.case_id], per_case).fillna(0).astype("Int64"),
                          C.uncategorised_count: lookup(cases[C.case_id], unsure).fillna(0).astype("int64")})
    mask = out[C.uncategorised_count] > 0
    return add_flags(out, [("documents_uncategorised", mask,
                            out[C.uncategorised_count].astype(str) + " dokument(er) uden kategori – skal vurderes")])
