"""Hostile configuration: every number, date and pattern that TOML lets through is checked on load.

Each case takes the sample batch's configuration, sets one key to a value that loaded before and crashed (or hung)
later – a cut-over date in year 1 or after pandas' last day (2262), `inf`, `nan` or `1e300` kroner, minutes or hours,
a pattern Python's `re` accepts and RE2 does not – or that loaded without a bound (a price of 10^15 kr. in the grant
letter, a test conversion of every case) – and runs `run`, `plan` and `spec` on it: exit 2, one Danish
message naming the key, no traceback, nothing written. The last test runs a configuration at the bounds: it loads.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import kp_convert

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"

# (section header as in the sample config, key, TOML value, the key as the message names it)
HOSTILE: list[tuple[str, str, str, str]] = [
    # the cut-over date: inside pandas' range and this century
    ("[batch]", "cutover_date", "0001-01-04", "batch.cutover_date"),
    ("[batch]", "cutover_date", "2263-01-04", "batch.cutover_date"),
    ("[batch]", "cutover_date", "9999-12-31", "batch.cutover_date"),
    ("[batch]", "cutover_date", '"04-01-1999"', "batch.cutover_date"),
    ("[batch]", "cutover_date", "2100-01-01", "batch.cutover_date"),
    # asset limits: finite, positive, at most 10 million kr.
    ("[asset_limits]", "2025", "inf", "asset_limits.2025"),
    ("[asset_limits]", "2025", "-inf", "asset_limits.2025"),
    ("[asset_limits]", "2025", "nan", "asset_limits.2025"),
    ("[asset_limits]", "2025", "1e300", "asset_limits.2025"),
    ("[asset_limits]", "2025", "10000001", "asset_limits.2025"),
    ("[asset_limits]", "2025", "0.4", "asset_limits.2025"),
    ("[asset_limits]", "2025", "true", "asset_limits.2025"),
    # planning: minutes 0–480, hours 0 or 0.5–24, batch size 1–10,000, dates as the cut-over
    ("[planning]", "minutes_per_case", "inf", "planning.minutes_per_case"),
    ("[planning]", "minutes_per_case", "nan", "planning.minutes_per_case"),
    ("[planning]", "minutes_per_case", "1e308", "planning.minutes_per_case"),
    ("[planning]", "minutes_per_case", "481", "planning.minutes_per_case"),
    ("[planning]", "minutes_per_document", "nan", "planning.minutes_per_document"),
    ("[planning]", "minutes_per_document", "-inf", "planning.minutes_per_document"),
    ("[planning]", "extra_minutes_flagged", "1e308", "planning.extra_minutes_flagged"),
    ("[planning]", "batch_size", "9223372036854775807", "planning.batch_size"),
    ("[planning]", "start_date", "9999-12-01", "planning.start_date"),
    ("[planning]", "start_date", '"01-01-0001"', "planning.start_date"),
    ("[planning]", "days_off", '["0001-01-01..9999-12-31"]', "planning.days_off"),
    ("[planning]", "days_off", '["2262-04-12"]', "planning.days_off"),
    ("[[planning.caseworkers]]", "hours_per_day", "nan", "planning.caseworkers[1].hours_per_day"),
    ("[[planning.caseworkers]]", "hours_per_day", "inf", "planning.caseworkers[1].hours_per_day"),
    ("[[planning.caseworkers]]", "hours_per_day", "0.0001", "planning.caseworkers[1].hours_per_day"),
    ("[[planning.caseworkers]]", "hours_per_day", "24.5", "planning.caseworkers[1].hours_per_day"),
    ("[[planning.caseworkers]]", "days_off", '["9999-12-31"]', "planning.caseworkers[1].days_off"),
    # the letter's prices: more than 0 and at most 100,000 kr. (a foot-care treatment costs a few hundred kroner)
    ("[letter]", "agreement_price", "1000000000000", "letter.agreement_price"),
    ("[letter]", "agreement_price", '"100.000,01"', "letter.agreement_price"),
    ("[letter]", "dearer_example", '"1.000.000,00"', "letter.dearer_example"),
    ("[letter]", "dearer_example", "100001", "letter.dearer_example"),
    ("[letter]", "cheaper_example", '"0,00"', "letter.cheaper_example"),
    ("[letter]", "cheaper_example", "0", "letter.cheaper_example"),
    # the test conversion: 0–1,000 cases
    ("[order]", "pilot_cases", "1001", "order.pilot_cases"),
    ("[order]", "pilot_cases", "9223372036854775807", "order.pilot_cases"),
    # an input's header row: a row Excel can have
    ("[input.cases]", "header_row", "9223372036854775807", "input.cases.header_row"),
    ("[input.cases]", "header_row", "-1", "input.cases.header_row"),
    # patterns: checked by the engine that matches them (RE2), so (?>…), look-around and \1 are refused on load
    ("[selection]", "foot_care_pattern", "'(?>fod)behandling'", "selection.foot_care_pattern"),
    ("[selection]", "foot_care_pattern", "'fodbehandling|(?=fod)pleje'", "selection.foot_care_pattern"),
    ("[selection]", "foot_care_pattern", r"'(fod)\1'", "selection.foot_care_pattern"),
    ("[[document_categories]]", "title_pattern", "'(?>an)søgning'", "document_categories[1].title_pattern"),
    ("[[document_categories]]", "type_pattern", "'(?<=x)notat'", "document_categories[1].type_pattern"),
    ("[reconcile]", "foot_care_pattern", "'(?>fod)behandling'", "reconcile.foot_care_pattern"),
]


def with_value(text: str, section: str, key: str, value: str) -> str:
    """The config text with `key = value` in the first `section` (a line setting the key there is replaced)."""
    lines = text.splitlines()
    start = lines.index(section)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    body = [ln for ln in lines[start + 1:end] if not re.match(rf"{re.escape(key)}\s*=", ln)]
    return "\n".join([*lines[:start + 1], f"{key} = {value}", *body, *lines[end:]]) + "\n"


@pytest.fixture(scope="module")
def sample_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample exports in one folder; each case writes its own config file next to them."""
    folder = tmp_path_factory.mktemp("sample")
    for f in SAMPLE.iterdir():
        if f.suffix in (".csv", ".toml"):
            shutil.copy(f, folder / f.name)
    return folder


def sample_config(folder: Path, name: str, *settings: tuple[str, str, str]) -> Path:
    text = (SAMPLE / "kp-convert.toml").read_text(encoding="utf-8")
    for section, key, value in settings:
        text = with_value(text, section, key, value)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("section, key, value, named", HOSTILE,
                         ids=[f"{named}={value}" for _, _, value, named in HOSTILE])
def test_a_hostile_value_stops_every_command_on_load_naming_the_key(sample_batch: Path, tmp_path: Path, section: str,
                                                                   key: str, value: str, named: str) -> None:
    config = sample_config(sample_batch, "hostile", (section, key, value))
    out = tmp_path / "ud"
    for command in ("run", "plan", "spec"):
        result = kp_convert(command, config, *(("--out", out) if command != "plan" else ()))
        assert result.exit_code == 2, f"{command}: {result.output}"
        assert f"'{named}'" in result.output, f"{command}: {result.output}"
        assert "Traceback" not in result.output and "Error" not in result.output
        assert not out.exists() or not any(out.iterdir())


def test_values_at_the_bounds_load_and_run(sample_batch: Path, tmp_path: Path) -> None:
    config = sample_config(
        sample_batch, "edges",
        ("[batch]", "cutover_date", "2000-01-01"),
        ("[asset_limits]", "2025", "10000000"),
        ("[planning]", "minutes_per_case", "480"),
        ("[planning]", "minutes_per_document", "0"),
        ("[planning]", "start_date", "2099-12-31"),
        ("[planning]", "days_off", '["2000-01-01..2099-12-31"]'),  # every day of the century off: the plan starts in 2100
        ("[planning]", "batch_size", "10000"),
        ("[[planning.caseworkers]]", "hours_per_day", "24"),
        ("[input.cases]", "header_row", "1"),
        ("[letter]", "agreement_price", '"99.999,99"'),
        ("[letter]", "dearer_example", '"100.000,00"'),
        ("[letter]", "cheaper_example", '"0,01"'),
        ("[order]", "pilot_cases", "1000"),
        ("[selection]", "foot_care_pattern", "'fod(behandling|pleje|terapi)'"),
    )
    result = kp_convert("run", config, "--out", tmp_path / "ud")
    assert result.exit_code == 0, result.output
    assert kp_convert("plan", config).exit_code == 0
