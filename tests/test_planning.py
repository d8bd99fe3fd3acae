"""Planning arithmetic: working days and holidays, capacities, ordering, batches, and the settings' checks.

Cases are built in memory: only the columns planning reads (case id, ESDH caseworker, application date,
flags, document count). With minutes_per_case = 0 and one minute per document, a case's `document_count`
is its estimated minutes, so the tables below read as minutes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convert.errors import ConfigError
from convert.plan.calendar import days_off_between, is_working_day, working_days
from convert.plan.planning import natural_key, order_cases, plan_conversion, plan_horizon
from convert.settings.batch import load_config
from convert.settings.planning import Caseworker, PlanSettings
from tests.conftest import pipe_table, write_config

CUTOVER = dt.date(2027, 1, 4)  # a Monday
WEEK = (0, 1, 2, 3, 4)


def d(text: str) -> dt.date:
    return dt.datetime.strptime(text.strip(), "%d-%m-%Y").date()


def cases(*rows: tuple) -> pd.DataFrame:
    """rows: (case_id, minutes, esdh caseworker, application date 'dd-mm-yyyy' or '', flag codes)."""
    out = []
    for case_id, minutes, worker, app, flags in rows:
        out.append({"case_id": case_id, "caseworker": worker or pd.NA, "document_count": minutes,
                    "application_date": pd.Timestamp(d(app)) if app else pd.NaT, "flag_codes": flags})
    return pd.DataFrame(out).astype({"caseworker": "string", "flag_codes": "string",
                                     "application_date": "datetime64[ns]"})


def minutes_only(*workers: Caseworker, **kw: object) -> PlanSettings:
    base: dict[str, object] = {"minutes_per_case": 0.0, "minutes_per_document": 1.0, "extra_minutes_flagged": 0.0,
                               "order": ("case_id",), "flagged": "with_others"}
    return PlanSettings(caseworkers=workers, **(base | kw))  # type: ignore[arg-type]


# ---- holidays: the maintained `holidays` library, weekends, days off ----------------------------------------
# | date       | working day | optional holidays off | why
HOLIDAYS = """
| 04-01-2027 | yes | yes | an ordinary Monday
| 09-01-2027 | no  | yes | Saturday
| 01-01-2027 | no  | yes | Nytårsdag
| 25-03-2027 | no  | yes | Skærtorsdag
| 26-03-2027 | no  | yes | Langfredag
| 29-03-2027 | no  | yes | Anden påskedag
| 06-05-2027 | no  | yes | Kristi himmelfartsdag
| 17-05-2027 | no  | yes | Anden pinsedag
| 24-12-2027 | no  | yes | Juleaftensdag (an optional holiday)
| 24-12-2027 | yes | no  | Juleaftensdag, optional holidays not taken
| 31-12-2027 | no  | yes | Nytårsaftensdag (optional)
| 05-06-2026 | no  | yes | Grundlovsdag (optional), a Friday
| 05-06-2026 | yes | no  | Grundlovsdag, optional holidays not taken
| 27-12-2027 | yes | yes | the Monday after Christmas is an ordinary day
| 05-05-2023 | no  | yes | Store bededag 2023, the last one
| 26-04-2024 | yes | yes | Store bededag is abolished from 2024
| 23-04-2027 | yes | yes | ... and stays so (4th Friday after Easter 2027)
"""


@pytest.mark.parametrize("day, expected, optional, why",
                         pipe_table(HOLIDAYS))
def test_working_days_follow_danish_holidays(day: str, expected: str, optional: str, why: str) -> None:
    worker = Caseworker("ABJ", 3, WEEK)
    s = PlanSettings(optional_holidays=optional == "yes")
    assert is_working_day(d(day), worker, s) is (expected == "yes"), why


def test_days_off_weekdays_and_ranges_shape_the_calendar() -> None:
    worker = Caseworker("ABJ", 3, (0, 2), days_off=frozenset({d("11-01-2027")}))
    s = PlanSettings(days_off=frozenset({d("13-01-2027")}))
    assert working_days(worker, s, d("04-01-2027"), 4) == [d("04-01-2027"), d("06-01-2027"), d("18-01-2027"),
                                                            d("20-01-2027")]
    off = days_off_between(d("22-03-2027"), d("02-04-2027"), PlanSettings())
    assert [(day.isoformat(), name) for day, name in off] == [
        ("2027-03-25", "Skærtorsdag"), ("2027-03-26", "Langfredag"), ("2027-03-29", "Anden påskedag")]


# ---- capacity: one caseworker, cases in order ------------------------------------------------------------------
# | hours/day | weekdays | start      | minutes per case | planned (start) day per case      | why
CAPACITY = """
| 1   | 0-4 | 04-01-2027 | 30,30,30       | 04-01,04-01,05-01             | two fit in a day
| 1   | 0-4 | 04-01-2027 | 50,20          | 04-01,05-01                   | what is left today (10) is too little
| 1   | 0-4 | 04-01-2027 | 60,60          | 04-01,05-01                   | exactly a day each
| 1   | 0-4 | 04-01-2027 | 150,20         | 04-01,06-01                   | bigger than a day: runs on, next fits in day 3
| 1   | 0-4 | 04-01-2027 | 150,40         | 04-01,07-01                   | ... and the next does not fit in day 3
| 1   | 0-4 | 04-01-2027 | 10,150         | 04-01,05-01                   | a big case starts on a fresh day
| 2   | 0,2 | 04-01-2027 | 120,120,120    | 04-01,06-01,11-01             | only Mondays and Wednesdays
| 3   | 0-4 | 24-03-2027 | 60,60,60,60,60 | 24-03,24-03,24-03,30-03,30-03 | Easter: Thu, Fri and Mon are holidays
| 3   | 0-4 | 02-01-2027 | 0,0            | 04-01,04-01                   | start on a Saturday; empty cases take no time
| 0.5 | 0-4 | 04-05-2027 | 30,30,30       | 04-05,05-05,07-05             | Kristi himmelfart (Thursday 6 May)
"""


def _weekdays(text: str) -> tuple[int, ...]:
    if "-" in text:
        a, b = text.split("-")
        return tuple(range(int(a), int(b) + 1))
    return tuple(int(x) for x in text.split(","))


@pytest.mark.parametrize("hours, weekdays, start, minutes, expected, why",
                         pipe_table(CAPACITY))
def test_capacity_of_one_caseworker(hours: str, weekdays: str, start: str, minutes: str, expected: str,
                                    why: str) -> None:
    mins = [int(m) for m in minutes.split(",")]
    frame = cases(*[(f"S-{i}", m, "", "", "") for i, m in enumerate(mins, start=1)])
    worker = Caseworker("ABJ", float(hours), _weekdays(weekdays))
    out, plan = plan_conversion(frame, minutes_only(worker, start_date=d(start)), CUTOVER)
    assert [f"{t:%d-%m}" for t in out["plan_day"]] == expected.split(","), why
    assert plan.total_hours == pytest.approx(sum(mins) / 60)
    per_day = plan.segments.groupby("day")["minutes"].sum()
    assert (per_day <= float(hours) * 60 + 1e-6).all(), "no day is booked beyond its hours"
    assert all(is_working_day(t.date(), worker, PlanSettings()) for t in per_day.index)


def test_a_case_bigger_than_a_day_is_split_over_the_following_working_days() -> None:
    frame = cases(("S-1", 150, "", "", ""))
    _, plan = plan_conversion(frame, minutes_only(Caseworker("ABJ", 1, WEEK), start_date=d("08-01-2027")), CUTOVER)
    parts = [(f"{r.day:%d-%m}", r.minutes) for r in plan.segments.itertuples()]
    assert parts == [("08-01", 60), ("11-01", 60), ("12-01", 30)]  # Friday, then Monday and Tuesday
    assert plan.table[["day", "cases"]].assign(day=lambda t: t["day"].dt.strftime("%d-%m")).values.tolist() == [
        ["08-01", 1], ["11-01", 0], ["12-01", 0]]  # the case counts on the day it starts
    assert plan.table["running_hours"].iloc[-1] == pytest.approx(2.5)


def test_a_caseworker_with_no_days_gets_no_cases_and_a_warning() -> None:
    frame = cases(("S-1", 30, "ABJ", "", ""), ("S-2", 30, "MKO", "", ""))
    s = minutes_only(Caseworker("ABJ", 3, ()), Caseworker("MKO", 0, WEEK), Caseworker("SØL", 2, WEEK),
                     order=("esdh_caseworker",))
    out, plan = plan_conversion(frame, s, CUTOVER)
    assert set(out["plan_caseworker"]) == {"SØL"}  # ABJ's and MKO's cases go to who has time
    assert any("ABJ" in w for w in plan.warnings) and any("MKO" in w for w in plan.warnings)
    assert plan.by_caseworker["caseworker"].tolist() == ["SØL"]


def test_a_plan_running_on_for_more_than_five_years_is_refused_with_the_hours() -> None:
    """Half an hour on Mondays: 100 Mondays of work (two years) is a plan; 300 (six years) is a mistake in the hours,
    said with them – not a plan into the 2030s (from 2099 it went past pandas' last date, 2262, and crashed)."""
    mondays = minutes_only(Caseworker("ABJ", 0.5, (0,)))
    _, plan = plan_conversion(cases(*[(f"S-{i}", 30, "", "", "") for i in range(100)]), mondays, CUTOVER)
    assert plan.last_day is not None and plan.last_day < plan_horizon(CUTOVER) == d("04-01-2032")
    with pytest.raises(ConfigError) as info:
        plan_conversion(cases(*[(f"S-{i}", 30, "", "", "") for i in range(300)]), mondays, CUTOVER)
    message = str(info.value)
    assert "mere end 5 år ud over startdatoen 04-01-2027" in message and "'planning.caseworkers'" in message
    assert "150 timers konvertering" in message and "ABJ 0,5 timer × 1 dag(e)" in message
    assert plan_horizon(d("29-02-2028")) == d("28-02-2033")


def test_nobody_with_time_plans_effort_and_batches_only() -> None:
    frame = cases(*[(f"S-{i}", 10, "", "", "") for i in range(1, 6)])
    out, plan = plan_conversion(frame, minutes_only(batch_size=2), CUTOVER)
    assert out["plan_batch"].tolist() == [1, 1, 2, 2, 3]
    assert out["plan_day"].isna().all() and out["plan_caseworker"].isna().all()
    assert set(out["plan_status"]) == {"no_caseworker"}
    assert plan.total_hours == pytest.approx(50 / 60) and plan.last_day is None


def test_effort_is_minutes_per_case_document_and_attention() -> None:
    frame = cases(("S-1", 4, "", "", ""), ("S-2", 0, "", "", "tillaegsprocent_zero"))
    s = PlanSettings(minutes_per_case=15, minutes_per_document=2.5, extra_minutes_flagged=10)
    out, plan = plan_conversion(frame, s, CUTOVER)
    assert out["plan_minutes"].tolist() == [25.0, 25.0]
    narrowed = PlanSettings(minutes_per_case=15, minutes_per_document=2.5, extra_minutes_flagged=10,
                            attention_flags=("formue_ikke_oplyst",))
    assert plan_conversion(frame, narrowed, CUTOVER)[0]["plan_minutes"].tolist() == [25.0, 15.0]


# ---- ordering -----------------------------------------------------------------------------------------------
ORDER_CASES = (("A-10", 10, "MKO", "01-06-2024", ""), ("A-2", 10, "ABJ", "01-01-2022", "formue_ikke_oplyst"),
               ("A-1", 10, "MKO", "", ""), ("A-3", 10, "ABJ", "15-03-2023", ""))
# | order                               | flagged     | sequence
ORDERS = """
| case_id                             | with_others | A-1 A-2 A-3 A-10
| case_id                             | first       | A-2 A-1 A-3 A-10
| oldest_asset_declaration            | with_others | A-1 A-2 A-3 A-10
| oldest_asset_declaration            | first       | A-2 A-1 A-3 A-10
| esdh_caseworker                     | with_others | A-2 A-3 A-1 A-10
| esdh_caseworker,oldest_asset_declaration | with_others | A-2 A-3 A-1 A-10
| esdh_caseworker,case_id             | first       | A-2 A-3 A-1 A-10
"""


@pytest.mark.parametrize("order, flagged, sequence",
                         pipe_table(ORDERS))
def test_order(order: str, flagged: str, sequence: str) -> None:
    s = PlanSettings(order=tuple(order.split(",")), flagged=flagged)
    assert order_cases(cases(*ORDER_CASES), s)["case_id"].tolist() == sequence.split()


def test_natural_case_number_order() -> None:
    ids = pd.Series(["32.03.12-G01-10-15", "32.03.12-G01-2-15", "32.03.12-G01-1-16"])
    assert ids[natural_key(ids).sort_values().index].tolist() == [
        "32.03.12-G01-1-16", "32.03.12-G01-2-15", "32.03.12-G01-10-15"]


def test_cases_stay_with_their_esdh_caseworker_and_the_rest_is_shared() -> None:
    frame = cases(*[(f"S-{i}", 30, w, "", "") for i, w in enumerate(["ABJ"] * 6 + ["TRH"] * 6, start=1)])
    s = minutes_only(Caseworker("ABJ", 1, WEEK), Caseworker("MKO", 1, WEEK), order=("esdh_caseworker", "case_id"),
                     batch_size=2)
    out, plan = plan_conversion(frame, s, CUTOVER)
    assert set(out.loc[out["caseworker"] == "ABJ", "plan_caseworker"]) == {"ABJ"}
    assert set(out.loc[out["caseworker"] == "TRH", "plan_caseworker"]) == {"MKO"}  # TRH is not in the plan
    assert out.groupby("plan_batch")["plan_caseworker"].nunique().eq(1).all()  # a batch has one caseworker
    assert out["plan_batch"].value_counts().max() == 2
    assert plan.last_day == d("06-01-2027")  # 6 × 30 min at 1 h a day each: three days
    assert plan.by_caseworker.set_index("caseworker")["cases"].to_dict() == {"ABJ": 6, "MKO": 6}


def test_without_esdh_caseworker_batches_go_to_whoever_is_free_first() -> None:
    frame = cases(*[(f"S-{i}", 60, "ABJ", "", "") for i in range(1, 7)])
    s = minutes_only(Caseworker("ABJ", 1, WEEK), Caseworker("MKO", 2, WEEK), batch_size=1)
    out, plan = plan_conversion(frame, s, CUTOVER)
    assert out["plan_caseworker"].tolist() == ["ABJ", "MKO", "MKO", "ABJ", "MKO", "MKO"]
    assert plan.last_day == d("05-01-2027")


def test_the_first_batch_goes_to_whoever_can_start_first_not_to_whoever_is_listed_first() -> None:
    frame = cases(("S-1", 60, "", "", ""))
    s = minutes_only(Caseworker("MKO", 3, (2,)), Caseworker("ABJ", 1, WEEK))  # MKO works Wednesdays only
    out, _ = plan_conversion(frame, s, CUTOVER)
    assert (out["plan_caseworker"].iloc[0], out["plan_day"].iloc[0].date()) == ("ABJ", d("04-01-2027"))


def test_flagged_cases_first_in_batches_of_their_own_or_held_back() -> None:
    frame = cases(("S-1", 10, "", "", ""), ("S-2", 10, "", "", "tillaegsprocent_zero"), ("S-3", 10, "", "", ""),
                  ("S-4", 10, "", "", "replacement_cpr"))
    first = minutes_only(Caseworker("ABJ", 1, WEEK), flagged="first", batch_size=3)
    out, _ = plan_conversion(frame, first, CUTOVER)
    assert out.sort_values(["plan_batch", "plan_position"])["case_id"].tolist() == ["S-2", "S-4", "S-1", "S-3"]
    assert out.set_index("case_id")["plan_batch"].to_dict() == {"S-1": 2, "S-2": 1, "S-3": 2, "S-4": 1}
    held = minutes_only(Caseworker("ABJ", 1, WEEK), flagged="hold_back")
    out, plan = plan_conversion(frame, held, CUTOVER)
    assert out.set_index("case_id")["plan_status"].to_dict() == {"S-1": "planned", "S-2": "held_back",
                                                                 "S-3": "planned", "S-4": "held_back"}
    assert out.loc[out["plan_status"] == "held_back", "plan_batch"].isna().all()
    assert plan.held_back == 2 and plan.held_back_hours == pytest.approx(20 / 60)
    assert plan.table["cases"].sum() == 2


@settings(max_examples=25, deadline=None)
@given(minutes=st.lists(st.integers(0, 400), min_size=1, max_size=30),
       workers=st.lists(st.tuples(st.sampled_from([0.5, 1, 2.5, 7.4]),
                                  st.sets(st.integers(0, 6), min_size=1)), min_size=1, max_size=3),
       batch_size=st.integers(1, 7))
def test_every_case_is_planned_once_and_no_day_is_overbooked(minutes, workers, batch_size) -> None:
    frame = cases(*[(f"S-{i}", m, "", "", "") for i, m in enumerate(minutes)])
    ws = [Caseworker(f"W{i}", float(h), tuple(sorted(days))) for i, (h, days) in enumerate(workers)]
    try:
        out, plan = plan_conversion(frame, minutes_only(*ws, batch_size=batch_size), CUTOVER)
    except ConfigError as exc:  # past the 5-year horizon: only ever more than a year of the whole team's hours
        assert "'planning.caseworkers'" in str(exc)
        assert sum(minutes) > 52 * sum(w.minutes_per_day * len(w.weekdays) for w in ws)
        return
    assert out["plan_day"].notna().all() and out["plan_batch"].notna().all()
    assert plan.segments.groupby("case_id")["starts"].sum().eq(1).all()
    assert plan.segments["minutes"].sum() == pytest.approx(sum(minutes))
    assert plan.table["cases"].sum() == len(minutes)
    caps = {w.name: w.minutes_per_day for w in ws}
    booked = plan.segments.groupby(["caseworker", "day"])["minutes"].sum()
    assert all(m <= caps[name] + 1e-6 for (name, _), m in booked.items())
    assert all(day.date() >= CUTOVER for day in plan.segments["day"])
    assert (out["plan_day"] == plan.segments[plan.segments["starts"]].set_index("case_id")["day"]
            .reindex(out["case_id"]).to_numpy()).all()


# ---- the [planning] section ------------------------------------------------------------------------------------

def test_planning_section_is_read(tmp_path: Path) -> None:
    cfg = load_config(write_config(tmp_path, extra="""
        [planning]
        start_date = "11-01-2027"
        minutes_per_case = 20
        order = "oldest_asset_declaration"
        days_off = ["2027-02-15..2027-02-17", 2027-03-01]
        documents_folder = "filer"
        [[planning.caseworkers]]
        name = "ABJ"
        hours_per_day = 2.5
        weekdays = ["Mandag", "tir", "FRE"]
        days_off = ["01-02-2027"]
        """))
    p = cfg.planning
    assert p.start_date == d("11-01-2027") and p.minutes_per_case == 20 and p.order == ("oldest_asset_declaration",)
    assert p.days_off == {d("15-02-2027"), d("16-02-2027"), d("17-02-2027"), d("01-03-2027")}
    assert p.caseworkers == (Caseworker("ABJ", 2.5, (0, 1, 4), frozenset({d("01-02-2027")})),)
    assert p.documents_folder == (tmp_path / "filer").resolve()
    assert "minutes_per_case" not in p.defaults_used and "minutes_per_document" in p.defaults_used


@pytest.mark.parametrize("section, message", [
    ("[planning]\nminutes_per_cas = 3\n", "mente du 'minutes_per_case'"),
    ("[planning]\nminutes_per_case = -1\n", "'planning.minutes_per_case' må ikke være negativ"),
    ("[planning]\nminutes_per_case = true\n", "'planning.minutes_per_case' skal være et tal"),
    ("[planning]\nbatch_size = 0\n", "'planning.batch_size' skal være mindst 1"),
    ("[planning]\norder = [\"oldest_asset\"]\n", "mente du 'oldest_asset_declaration'"),
    ("[planning]\nflagged = \"frist\"\n", "mente du 'first'"),
    ("[planning]\nattention_flags = [\"formue_ikke_oplys\"]\n", "mente du 'formue_ikke_oplyst'"),
    ("[planning]\ndays_off = [\"2027-02-30\"]\n", "'planning.days_off' er ikke en gyldig dato"),
    ("[planning]\ndays_off = [\"2027-02-20..2027-02-10\"]\n", "slutter før den begynder"),
    ("[[planning.caseworkers]]\nname = \"A\"\nhours_per_day = 3\nweekdays = [\"mandg\"]\n", "mente du 'mandag'"),
    ("[[planning.caseworkers]]\nname = \"A\"\n", "'planning.caseworkers[1].hours_per_day' mangler"),
    ("[[planning.caseworkers]]\nname = \"A\"\nhours_per_day = \"3\"\n", "skal være heltal eller"),
    ("[[planning.caseworkers]]\nname = \"A\"\nhours_per_day = 30\n", "mere end 24 timer"),
    ("[[planning.caseworkers]]\nname = \"A\"\nhours_per_day = 3\n[[planning.caseworkers]]\nname = \"a\"\n"
     "hours_per_day = 2\n", "den samme sagsbehandler to gange"),
    ("[planing]\n", "mente du 'planning'"),
])
def test_planning_mistakes_name_the_key(tmp_path: Path, section: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(write_config(tmp_path, extra=section))
