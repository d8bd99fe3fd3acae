"""Compute what KP needs for each selected case, and flag what KP's own checks will refuse.

Application date (ansøgningsdato) = the citizen's latest asset declaration on or before the cut-over
date (KOMBIT: "seneste dato for oplyst formue"); start date = the cut-over date. A citizen with no such
declaration gets the flag "Formue ikke oplyst" and no application date: a date is never invented.
Because declarations after the cut-over are ignored, application date <= start date holds by construction.
"""

from __future__ import annotations

import pandas as pd

from .config import Config
from .frames import lookup
from .ledger import SOURCE_ROW, first_rule_wins

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
    return d.dt.strftime("%d-%m-%Y").astype("string")


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


def compute_kp_dates(cases: pd.DataFrame, assets: pd.DataFrame | None, config: Config,
                     present: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (cases with dates and flags, declarations chosen per CPR)."""
    cutover = pd.Timestamp(config.cutover_date)
    decl = asset_declarations(cases, assets)
    latest = latest_asset_dates(decl, cutover)
    after_cprs = set(decl.loc[decl["date"] > cutover, "cpr"])
    app = lookup(cases["cpr"], latest["date"]).astype("datetime64[ns]")
    amount = lookup(cases["cpr"], latest["amount"]).astype("Int64")
    out = cases.assign(**{APPLICATION_DATE: app, START_DATE: cutover, ASSET_AMOUNT: amount})
    return _flag(out, config, present, after_cprs), latest


def _flag(cases: pd.DataFrame, config: Config, present: set[str], after_cprs: set[str]) -> pd.DataFrame:
    idx = cases.index
    checks: list[tuple[str, pd.Series, pd.Series | str]] = []
    app = cases[APPLICATION_DATE]
    checks.append(("formue_ikke_oplyst", app.isna(),
                   "Formue ikke oplyst: ingen formueoplysning på eller før startdatoen – ansøgningsdato kan ikke sættes"))
    checks.append(("asset_after_cutover", cases["cpr"].isin(after_cprs),
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
        checks.append(("assets_over_limit", over,
                       "Formue " + format_kr(amount).fillna("") + " kr. er over formuegrænsen "
                       + format_kr(limit_kr * 100).fillna("") + " kr. for " + year.astype("string").fillna("")))
    if "grant_date" in present:  # a grant dated after KP takes over: a typing error or a case that belongs in KP
        late = (cases["grant_date"] > pd.Timestamp(config.cutover_date)).fillna(False).astype(bool)
        checks.append(("grant_after_cutover", late, "Bevilget " + _date_text(cases["grant_date"]).fillna("")
                       + ", efter startdatoen i KP – kontrollér bevillingsdatoen"))
    checks.append(("replacement_cpr", cases["cpr_replacement"].astype(bool),
                   "Erstatningspersonnummer – find borgeren i KP på det rigtige CPR-nummer"))
    out = cases.assign(**{FLAG_CODES: pd.Series("", index=idx, dtype="string"),
                          REMARKS: pd.Series("", index=idx, dtype="string")})
    for code, mask, message in checks:
        out = add_flag(out, mask.fillna(False).astype(bool), code, message)
    return out


def add_flag(cases: pd.DataFrame, mask: pd.Series, code: str, message: pd.Series | str) -> pd.DataFrame:
    """Append one flag to the rows in `mask` (used by later stages, e.g. uncategorised documents)."""
    if not mask.any():
        return cases
    msg = message[mask] if isinstance(message, pd.Series) else message
    codes = cases[FLAG_CODES].mask(mask, cases.loc[mask, FLAG_CODES] + cases.loc[mask, FLAG_CODES].ne("").map(
        {True: "|", False: ""}) + code)
    remarks = cases[REMARKS].mask(mask, cases.loc[mask, REMARKS] + cases.loc[mask, REMARKS].ne("").map(
        {True: "; ", False: ""}) + msg)
    return cases.assign(**{FLAG_CODES: codes, REMARKS: remarks})


def asset_fates(assets: pd.DataFrame, latest: pd.DataFrame, converted_cprs: set[str], known_cprs: set[str],
                cutover: pd.Timestamp) -> pd.DataFrame:
    """A ledger line for every valid asset declaration: used, or excluded with why."""
    used_index = set(latest["asset_index"])
    cpr = assets["cpr"]
    chosen_date = _date_text(lookup(cpr, latest["date"]).astype("datetime64[ns]"))
    date_text = _date_text(assets["declaration_date"])
    rules = [
        (~cpr.isin(known_cprs), "excluded", "unknown_citizen",
         pd.Series("Ingen gyldig sag i sagsudtrækket for dette CPR-nummer", index=assets.index)),
        (~cpr.isin(converted_cprs), "excluded", "citizen_not_converted",
         pd.Series("Borgerens sag konverteres ikke", index=assets.index)),
        (assets["declaration_date"] > cutover, "excluded", "asset_after_cutover",
         "Dateret " + date_text + ", efter startdatoen i KP – ikke brugt"),
        (assets.index.to_series(index=assets.index).isin(used_index), "converted", "application_date",
         "Brugt som ansøgningsdato i KP (" + date_text + ")"),
        (pd.Series(True, index=assets.index), "excluded", "superseded",
         "Erstattet af formueoplysningen fra " + chosen_date.fillna("")),
    ]
    _, ledger = first_rule_wins(assets, "assets", rules, case_id="")
    return ledger
