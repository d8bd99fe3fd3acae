"""Reconciliation, top to bottom: read → select KP foot care → validate → pair → compare → check ESDH → write.

Every batch case ends as matched, missing or ambiguous (or not considered, with the reason); every KP report
row ends as matched, extra, ambiguous or not considered (with the reason). Nothing is dropped silently, and
the Oversigt's control totals prove it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from schemas import field_spec

from ..errors import ConfigError, InputError
from ..settings.batch import Config
from ..settings.reconcile import ReconcileSettings
from .inputs import Source, not_considered, read_order_extract, read_report, read_sheet_cases, validated
from .match import (
    AMBIGUOUS,
    ESDH_DIFFERENCES,
    KP_DIFFERENCES,
    MATCHED,
    MISSING,
    NEEDS_FIELD,
    compare_pairs,
    esdh_status,
    foot_care_rows,
    pair_cases,
)
from .report import write_report
from .result import Reconciliation
from .update import check_not_open, fill_kp_numbers


def reconcile(config: Config, settings: ReconcileSettings) -> Reconciliation:
    """Compare the worksheet with the KP report (and the ESDH export); nothing is written."""
    if settings.kp_report is None:
        raise ConfigError("KP-rapporten er ikke angivet",
                          hint="brug --kp-report FIL, eller skriv stien i [input.kp_report] path")
    pad = settings.pad_nine_digit_cpr
    sheet = read_sheet_cases(settings.worksheet, pad_nine_digit_cpr=pad)                      # read
    report = read_report(settings.kp_report, "KP-rapport", pad_nine_digit_cpr=pad)
    fields = _fields_for_rule(report.mapping, settings, settings.kp_report.name)
    foot, unrelated = foot_care_rows(report.frame, settings, set(fields))                     # select
    kp, invalid = validated("kp_report", foot)                                                # validate
    kp_left_out = pd.concat([report.rejected, unrelated, invalid], ignore_index=True)
    left_out = [sheet.not_considered, not_considered("KP-rapport", kp_left_out, _cpr_of(report.frame, kp_left_out))]

    cases = sheet.frame
    sources = [sheet.source, report.source]
    ordered_count = None
    if settings.order_extract is not None:                                                   # the order's cases
        unusable = set(sheet.not_considered["key"].dropna().astype(str))
        cases, order_left_out, order_source, ordered_count = _ordered_cases(cases, unusable, settings)
        left_out.append(order_left_out)
        sources.append(order_source)
    case_status, kp_status, links = pair_cases(cases, kp)                                     # pair
    pairs = compare_pairs(cases, kp, links, settings)                                        # compare
    cases = cases.assign(status=case_status, missing_in_kp=case_status == MISSING,
                         ambiguous=case_status == AMBIGUOUS,
                         checked_not_in_kp=(case_status == MISSING) & cases["created"])
    for code in KP_DIFFERENCES:
        if not _checked(code, settings, report.mapping):
            pairs[code] = False  # e.g. the team ticks no checklist when Netcompany created the cases
            continue
        cases[code] = pd.Series(pairs[code].to_numpy(), index=pairs["sheet_index"].to_numpy()
                                ).reindex(cases.index, fill_value=False).astype(bool)
    kp = kp.assign(status=kp_status)

    esdh_counts: dict[str, int] = {}
    if settings.esdh_export is not None:                                                     # check ESDH
        cases, esdh_left_out, esdh_source, esdh_counts = _check_esdh(cases, sheet.not_considered, settings)
        left_out.append(esdh_left_out)
        sources.append(esdh_source)
    diff_cols = [c for c in (*KP_DIFFERENCES, *ESDH_DIFFERENCES) if c in cases]
    cases["correct"] = (cases["status"] == MATCHED) & ~cases[diff_cols].any(axis=1)
    kp_counts = {code: int((kp_left_out["reason_code"] == code).sum()) for code in ("not_foot_care", "status_ignored")}
    kp_counts["ragged_line"] = len(report.rejected)
    kp_counts["unusable"] = len(invalid)
    kp_counts["read"] = report.source.records
    return Reconciliation(config=config, settings=settings, cases=cases, kp=kp, links=links, pairs=pairs,
                          not_considered=pd.concat(left_out, ignore_index=True), sources=sources,
                          kp_fields_used=tuple(fields), kp_mapping=report.mapping, kp_counts=kp_counts,
                          esdh_checked=settings.esdh_export is not None, esdh_counts=esdh_counts,
                          ordered_cases=ordered_count)


def _checked(code: str, settings: ReconcileSettings, mapping: dict[str, str]) -> bool:
    if code == "in_kp_not_checked":
        return settings.order_extract is None  # an ordered conversion: Netcompany created the cases
    return NEEDS_FIELD.get(code, "cpr") in mapping  # a return-file column: checked when the report has it


def _ordered_cases(cases: pd.DataFrame, unusable: set[str], settings: ReconcileSettings
                   ) -> tuple[pd.DataFrame, pd.DataFrame, Source, int]:
    """Only the cases of the order (or of its test conversion) are expected in KP; the worksheet's other cases are
    left out without being a problem, and an ordered case the worksheet does not have is one. `unusable`: the
    worksheet's case numbers whose rows could not be used (already listed)."""
    assert settings.order_extract is not None
    order = read_order_extract(settings.order_extract)
    expected = order.pilot_ids if settings.pilot else order.case_ids
    if settings.pilot and not expected:
        raise InputError(f"{settings.order_extract.name} har ingen sager markeret til prøvekonvertering",
                         hint="afstem hele bestillingen uden --pilot")
    wanted = cases["case_id"].isin(set(expected))
    out = cases[~wanted]
    later = settings.pilot & out["case_id"].isin(set(order.case_ids))  # ordered, converted after the pilot
    ledger = pd.DataFrame({
        "source_file": out["source_file"], "source_row": out["source_row"], "case_id": out["case_id"],
        "outcome": "excluded",
        "reason_code": pd.Series("not_in_order", index=out.index, dtype="string").mask(later, "not_in_pilot"),
        "reason": pd.Series("Sagen er ikke med i bestillingen – kommunen opretter den selv eller bestiller den "
                            "senere", index=out.index, dtype="string").mask(
            later, "Sagen er ikke med i prøvekonverteringen – den konverteres, når prøven er godkendt")})
    absent = sorted(set(expected) - set(cases["case_id"]) - unusable)
    missing = pd.DataFrame({"source_file": settings.order_extract.name, "source_row": 0, "case_id": absent,
                            "outcome": "rejected", "reason_code": "not_in_worksheet",
                            "reason": "Sagen er i bestillingen, men ikke i konverteringsarket"})
    left_out = pd.concat([not_considered("Konverteringsark", ledger, out["cpr_text"]),
                          not_considered("Bestilling", missing)], ignore_index=True)
    return cases[wanted], left_out, order.source, len(expected)


def _fields_for_rule(mapping: dict[str, str], settings: ReconcileSettings, name: str) -> list[str]:
    fields = [f for f in settings.match_fields if f in mapping]
    if not fields and "esdh_case_id" in mapping:
        return []  # the return file of an ordered conversion lists only the converted foot-care cases
    if not fields:
        wanted = " eller ".join(f"{f} ('{field_spec('kp_report', f).label}')" for f in settings.match_fields)
        raise InputError(f"{name} mangler en kolonne til at genkende fodbehandling: {wanted}",
                         hint=f"tilføj i [input.kp_report.columns] fx {settings.match_fields[0]} = "
                              "\"<overskriften i KP-rapporten>\"")
    return fields


def _cpr_of(frame: pd.DataFrame, ledger: pd.DataFrame) -> pd.Series:
    """The CPR cell of each left-out row, as it stood in the file (for the person who must look it up)."""
    by_row = frame.set_index("source_row")["cpr"]
    return pd.Series(by_row.reindex(ledger["source_row"].to_numpy()).to_numpy(), index=ledger.index).fillna("")


def _check_esdh(cases: pd.DataFrame, sheet_left_out: pd.DataFrame, settings: ReconcileSettings
                ) -> tuple[pd.DataFrame, pd.DataFrame, Source, dict[str, int]]:
    assert settings.esdh_export is not None
    export = read_report(settings.esdh_export, "ESDH-udtræk", pad_nine_digit_cpr=settings.pad_nine_digit_cpr)
    rows, rejected = validated("esdh_export", export.frame)
    unusable = pd.concat([export.rejected, rejected], ignore_index=True)
    in_batch = rows["case_id"].isin(set(cases["case_id"]))
    others = rows[~in_batch]
    in_sheet = others["case_id"].isin(set(sheet_left_out["key"]))  # its row in the worksheet could not be used
    other_ledger = pd.DataFrame({
        "source_file": others["source_file"], "source_row": others["source_row"], "case_id": others["case_id"],
        "outcome": "excluded", "reason_code": in_sheet.map({True: "sheet_row_unusable", False: "not_in_batch"}),
        "reason": in_sheet.map({True: "Sagens række i konverteringsarket kunne ikke bruges (se den ovenfor)",
                                False: "Sagen er ikke i konverteringsarket"})})
    checked = esdh_status(cases, rows[in_batch], set(unusable["case_id"].dropna().astype(str)), settings)
    counts = {"read": export.source.records, "in_batch": int(in_batch.sum()), "not_in_batch": len(others),
              "unusable": len(unusable)}
    left_out = not_considered("ESDH-udtræk", pd.concat([unusable, other_ledger], ignore_index=True))
    # a broken row of a case that is not in the batch is listed, but is no problem for this reconciliation
    batch_ids = set(cases["case_id"]) | set(sheet_left_out["key"])
    key = left_out["key"].fillna("").astype(str)
    left_out["problem"] = left_out["problem"] & (key.eq("") | key.isin(batch_ids))
    return cases.join(checked), left_out, export.source, counts


def run_reconcile(config: Config, settings: ReconcileSettings, *, update_worksheet: bool = False
                  ) -> tuple[Reconciliation, Path]:
    """Reconcile, optionally fill the worksheet's KP-sagsnr., and write afstemning.xlsx. Returns its path."""
    if update_worksheet:
        check_not_open(settings.worksheet)  # before the work, not after
    result = reconcile(config, settings)
    if update_worksheet:                                                                      # write
        if "case_id" not in result.kp_mapping:
            assert settings.kp_report is not None  # reconcile() does not run without the KP report
            raise InputError(f"{settings.kp_report.name} har ingen kolonne med KP-sagsnr., så arket kan ikke "
                             "opdateres", hint="kobl den i [input.kp_report.columns], fx case_id = \"Sagsnummer\"")
        numbers = result.pairs[["case_id", "kp_case_id"]].dropna()
        result.updates, result.backup = fill_kp_numbers(settings.worksheet, numbers)
    out_dir = settings.output_folder or settings.worksheet.parent
    return result, write_report(result, out_dir)
