"""Compute what KP needs for each selected case, and flag what KP's own checks will refuse.

Application date (ansøgningsdato) = the citizen's latest asset declaration on or before the cut-over
date (KOMBIT: "seneste dato for oplyst formue"); start date = the cut-over date. A citizen with no such
declaration gets the flag "Formue ikke oplyst" and no application date: a date is never invented.
Because declarations after the cut-over are ignored, application date <= start date holds by construction.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .config import Config
from .frames import isin, lookup
from .ledger import SOURCE_ROW, first_rule_wins
from .parsing import format_dates
from .progress import stage

APPLICATION_DATE = "application_date"
START_DATE = "start_date"
ASSET_AMOUNT = "declared_assets"  # øre, from the declaration that gave the application date
FLAG_CODES = "flag_codes"
REMARKS = "remarks"

# code -> short Danish name (Oversigt counts); the row's remark may add detail
FLAGS: dict[str, str] = {
    "formue_ikke_oplyst": "Formue ikke oplyst",
    "asset_after_cutover": "Formueoplysning efter startdatoen ignoreret",
    "duplicate_grant": "Flere løbende fodbehandlingssager for samme borger",
    "tillaegsprocent_zero": "Tillægsprocent er 0",
    "tillaegsprocent_missing": "Tillægsprocent ikke oplyst",
    "pension_type_not_eligible": "Pensionstype giver ikke ret",
    "pension_type_missing": "Pensionstype ikke oplyst",
    "assets_over_limit": "Formue over formuegrænsen",
    "asset_limit_missing": "Formuegrænse for året mangler",
    "assets_amount_missing": "Formuebeløb ikke oplyst",
    "replacement_cpr": "Erstatningspersonnummer",
    "documents_uncategorised": "Dokumenter der skal vurderes",
    "grant_after_cutover": "Bevilget efter startdatoen",
}


def format_kr(ore: pd.Series) -> pd.Series:
    """Øre (Int64) -> Danish kroner text '1.234,50'."""
    def one(v: object) -> str:
        if v is pd.NA or v is None:
            return ""
        n = int(v)  # type: ignore[call-overload]
        sign = "-" if n < 0 else ""
        kr, ore_ = divmod(abs(n), 100)
        return f"{sign}{kr:,}".replace(",", ".") + f",{ore_:02d}"
    return ore.map(one, na_action="ignore").astype("string")


def _date_text(d: pd.Series) -> pd.Series:
    return format_dates(d)


def asset_declarations(cases: pd.DataFrame, assets: pd.DataFrame | None) -> pd.DataFrame:
    """All declarations known for the selected citizens: the assets export plus the case's own column."""
    parts = []
    if assets is not None and len(assets):
        parts.append(pd.DataFrame({"cpr": assets["cpr"], "date": assets["declaration_date"],
                                   "amount": assets["assets"], "asset_index": assets.index,
                                   "asset_row": assets[SOURCE_ROW]}))
    if "asset_date" in cases and cases["asset_date"].notna().any():
        on_case = cases[cases["asset_date"].notna()]
        parts.append(pd.DataFrame({"cpr": on_case["cpr"], "date": on_case["asset_date"],
                                   "amount": on_case["assets"], "asset_index": -1, "asset_row": -1}))
    if not parts:
        return pd.DataFrame({"cpr": pd.Series(dtype="string"), "date": pd.Series(dtype="datetime64[ns]"),
                             "amount": pd.Series(dtype="Int64"), "asset_index": pd.Series(dtype="int64"),
                             "asset_row": pd.Series(dtype="int64")})
    return pd.concat(parts, ignore_index=True)


def latest_asset_dates(declarations: pd.DataFrame, cutover: pd.Timestamp) -> pd.DataFrame:
    """Per CPR: the latest declaration on or before the cut-over (ties: the later row)."""
    usable = declarations[declarations["date"] <= cutover]
    return (usable.sort_values(["cpr", "date", "asset_index"], kind="stable")
            .drop_duplicates("cpr", keep="last").set_index("cpr"))


@stage("compute", "Beregner KP-datoer og bemærkninger")
def compute_kp_dates(cases: pd.DataFrame, assets: pd.DataFrame | None, config: Config,
                     present: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (cases with dates and flags, declarations chosen per CPR)."""
    cutover = pd.Timestamp(config.cutover_date)
    decl = asset_declarations(cases, assets)
    latest = latest_asset_dates(decl, cutover)
    after_cprs = decl.loc[decl["date"] > cutover, "cpr"]
    app = lookup(cases["cpr"], latest["date"]).astype("datetime64[ns]")
    amount = lookup(cases["cpr"], latest["amount"]).astype("Int64")
    out = cases.assign(**{APPLICATION_DATE: app, START_DATE: cutover, ASSET_AMOUNT: amount})
    return _flag(out, config, present, after_cprs), latest


def _flag(cases: pd.DataFrame, config: Config, present: set[str], after_cprs: Iterable[str]) -> pd.DataFrame:
    idx = cases.index
    checks: list[tuple[str, pd.Series, pd.Series | str]] = []
    app = cases[APPLICATION_DATE]
    checks.append(("formue_ikke_oplyst", app.isna(),
                   "Formue ikke oplyst: ingen formueoplysning på eller før startdatoen – ansøgningsdato kan ikke sættes"))
    checks.append(("asset_after_cutover", isin(cases["cpr"], after_cprs),
                   "Formueoplysning dateret efter startdatoen er ikke brugt"))
    dup = cases["cpr"].duplicated(keep=False)
    if dup.any():
        ids = cases[dup].groupby("cpr")["case_id"].agg(lambda s: ", ".join(sorted(s)))
        checks.append(("duplicate_grant", dup,
                       "Borgeren har flere løbende fodbehandlingssager: " + lookup(cases["cpr"], ids).fillna("")))
    if "tillaegsprocent" in present:
        pct = cases["tillaegsprocent"]
        checks.append(("tillaegsprocent_missing", pct.isna(), "Tillægsprocent ikke oplyst"))
        checks.append(("tillaegsprocent_zero", (pct == 0).fillna(False).astype(bool),
                       "Tillægsprocent er 0 – KP giver afslag ved revurdering"))
    if "pension_type" in present:
        pt = cases["pension_type"]
        eligible = {p.casefold() for p in config.eligible_pension_types}
        bad = pt.notna() & ~pt.str.strip().str.casefold().isin(eligible).fillna(False).astype(bool)
        checks.append(("pension_type_missing", pt.isna(), "Pensionstype ikke oplyst"))
        checks.append(("pension_type_not_eligible", bad,
                       "Pensionstype '" + pt.fillna("") + "' giver ikke ret til udvidet helbredstillæg"))
    if "assets" in present:
        amount = cases[ASSET_AMOUNT]
        year = app.dt.year.astype("Int64")
        limit_kr = year.map(config.asset_limits).astype("Int64")
        has_decl = app.notna()
        checks.append(("assets_amount_missing", has_decl & amount.isna(),
                       "Formuebeløb ikke oplyst i den seneste formueoplysning"))
        no_limit = has_decl & amount.notna() & limit_kr.isna()
        checks.append(("asset_limit_missing", no_limit.astype(bool),
                       "Formuegrænsen for " + year.astype("string").fillna("") +
                       " mangler i konfigurationen (asset_limits) – formuen er ikke kontrolleret"))
        over = (amount > limit_kr * 100).fillna(False).astype(bool)
        checks.append(("assets_over_limit", over,  # amounts formatted for the flagged rows only
                       "Formue " + format_kr(amount.where(over)).fillna("") + " kr. er over formuegrænsen "
                       + format_kr((limit_kr * 100).where(over)).fillna("") + " kr. for "
                       + year.astype("string").fillna("")))
    if "grant_date" in present:  # a grant dated after KP takes over: a typing error or a case that belongs in KP
        late = (cases["grant_date"] > pd.Timestamp(config.cutover_date)).fillna(False).astype(bool)
        checks.append(("grant_after_cutover", late, "Bevilget " + _date_text(cases["grant_date"]).fillna("")
                       + ", efter startdatoen i KP – kontrollér bevillingsdatoen"))
    checks.append(("replacement_cpr", cases["cpr_replacement"].astype(bool),
                   "Erstatningspersonnummer – find borgeren i KP på det rigtige CPR-nummer"))
    out = cases.assign(**{FLAG_CODES: pd.Series("", index=idx, dtype="string"),
                          REMARKS: pd.Series("", index=idx, dtype="string")})
    return add_flags(out, checks)


def add_flag(cases: pd.DataFrame, mask: pd.Series, code: str, message: pd.Series | str) -> pd.DataFrame:
    """Append one flag to the rows in `mask` (used by later stages, e.g. uncategorised documents)."""
    return add_flags(cases, [(code, mask, message)])


def add_flags(cases: pd.DataFrame, flags: list[tuple[str, pd.Series, pd.Series | str]]) -> pd.DataFrame:
    """Append flags (code, mask, message; messages aligned with `cases`) in order; work only on flagged rows."""
    codes = remarks = None
    for code, mask, message in flags:
        hit = np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))
        if not len(hit):
            continue
        if codes is None:
            codes = cases[FLAG_CODES].to_numpy(dtype=object, na_value="")
            remarks = cases[REMARKS].to_numpy(dtype=object, na_value="")
        if isinstance(message, pd.Series):
            message = message if message.index.equals(cases.index) else message.reindex(cases.index)
            message = message.to_numpy(dtype=object, na_value="")[hit]
        cur_codes, cur_remarks = codes[hit], remarks[hit]
        codes[hit] = np.where(cur_codes != "", cur_codes + ("|" + code), code)
        remarks[hit] = np.where(cur_remarks != "", cur_remarks + "; " + message, message)
    if codes is None:
        return cases
    return cases.assign(**{FLAG_CODES: pd.array(codes, dtype="string"), REMARKS: pd.array(remarks, dtype="string")})


@stage("asset_fates", "Formueoplysningernes udfald")
def asset_fates(assets: pd.DataFrame, latest: pd.DataFrame, converted_cprs: Iterable[str], known_cprs: Iterable[str],
                cutover: pd.Timestamp) -> pd.DataFrame:
    """A ledger line for every valid asset declaration: used, or excluded with why."""
    used_index = set(latest["asset_index"])
    cpr, declared = assets["cpr"], assets["declaration_date"]
    rules = [  # messages are made for the rows each rule decides only
        (~isin(cpr, known_cprs), "excluded", "unknown_citizen", "Ingen gyldig sag i sagsudtrækket for dette CPR-nummer"),
        (~isin(cpr, converted_cprs), "excluded", "citizen_not_converted", "Borgerens sag konverteres ikke"),
        (declared > cutover, "excluded", "asset_after_cutover",
         lambda hit: "Dateret " + _date_text(declared[hit]) + ", efter startdatoen i KP – ikke brugt"),
        (assets.index.to_series(index=assets.index).isin(used_index), "converted", "application_date",
         lambda hit: "Brugt som ansøgningsdato i KP (" + _date_text(declared[hit]) + ")"),
        (pd.Series(True, index=assets.index), "excluded", "superseded",
         lambda hit: "Erstattet af formueoplysningen fra "
         + _date_text(lookup(cpr[hit], latest["date"]).astype("datetime64[ns]")).fillna("")),
    ]
    _, ledger = first_rule_wins(assets, "assets", rules, case_id="")
    return ledger
