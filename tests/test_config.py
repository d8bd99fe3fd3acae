"""Configuration: the template loads, every key is checked, mistakes name the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from convert.errors import ConfigError
from convert.settings.batch import DEFAULT_ASSET_LIMITS, config_from_dict, load_config
from convert.settings.template import template_text


def _load(text: str, tmp_path: Path):
    p = tmp_path / "c.toml"
    p.write_text(text, encoding="utf-8")
    return load_config(p)


BASE = '[batch]\ncutover_date = 2027-01-04\n[input.cases]\npath = "sager.csv"\n'


def test_template_is_valid_and_documents_every_section(tmp_path: Path) -> None:
    cfg = config_from_dict(tomllib.loads(template_text()), tmp_path)
    assert cfg.cutover_date.isoformat() == "2027-01-04"
    assert cfg.inputs["cases"].path == (tmp_path / "sager.csv").resolve()
    assert len(cfg.category_rules) == 7
    for section in ("[batch]", "[input.cases]", "[selection]", "[criteria]", "[asset_limits]", "[closing_note]",
                    "[[document_categories]]", "[parsing]"):
        assert section in template_text()


def test_defaults_are_the_confirmed_asset_limits_only(tmp_path: Path) -> None:
    cfg = _load(BASE, tmp_path)
    assert cfg.criteria.asset_limits == DEFAULT_ASSET_LIMITS
    assert 2025 not in cfg.criteria.asset_limits
    cfg = _load(BASE + "[asset_limits]\n2025 = 102600\n", tmp_path)
    assert cfg.criteria.asset_limits[2025] == 102_600 and cfg.criteria.asset_limits[2024] == 99_200


@pytest.mark.parametrize("text, expected", [
    (BASE + "[batch2]\n", "Ukendt nøgle 'batch2'"),
    (BASE.replace("cutover_date", "cutover_dato"), "mente du 'cutover_date'"),
    (BASE + '[selection]\nactive_statusses = ["Aktiv"]\n', "mente du 'active_statuses'"),
    ('[batch]\ncutover_date = "31-11-2026"\n[input.cases]\npath = "s.csv"\n', "ikke en gyldig dato"),
    ('[batch]\ncutover_date = "i morgen"\n[input.cases]\npath = "s.csv"\n', "'batch.cutover_date' er ikke en gyldig dato"),
    ('[batch]\n[input.cases]\npath = "s.csv"\n', "'batch.cutover_date' mangler"),
    (BASE + "[selection]\ninclude_time_limited = \"ja\"\n", "'selection.include_time_limited' skal være true/false"),
    (BASE + '[selection]\nfoot_care_pattern = "fod("\n', "ikke et gyldigt regulært udtryk"),
    (BASE + '[[document_categories]]\ntitle_pattern = "[a-"\ncategory = "X"\n', "document_categories[1].title_pattern"),
    (BASE + '[[document_categories]]\ncategory = "X"\n', "title_pattern' og/eller 'type_pattern'"),
    (BASE + "[asset_limits]\n2025 = \"mange\"\n", "'asset_limits.2025' skal være et positivt beløb"),
    (BASE + '[closing_note]\ntemplate = "Fra {startdatoo}"\n', "mente du 'startdato'"),
    (BASE + '[input.cases.columns]\ncprr = "CPR"\n', "mente du 'cpr'"),
    (BASE + '[input.documents]\npath = "sager.csv"\n', "Samme fil er angivet to gange"),
    (BASE.replace('path = "sager.csv"', 'path = "sager.csv"\nencoding = "ebcdic"'), "encoding' er ukendt"),
    (BASE.replace('path = "sager.csv"', 'path = "sager.csv"\nheader_row = true'), "header_row' skal være heltal"),
    ('[batch]\ncutover_date = 2027-01-04\n', "mangler '[input.cases]'"),
    ("[batch\n", "ikke gyldig TOML"),
])
def test_config_mistakes_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(text, tmp_path)
    assert expected in str(info.value)
    assert info.value.exit_code == 2


@pytest.mark.parametrize("value, iso", [("2027-01-04", "2027-01-04"), ('"04-01-2027"', "2027-01-04"),
                                        ('"04.01.2027"', "2027-01-04"), ('"2027-01-04"', "2027-01-04")])
def test_cutover_date_forms(tmp_path: Path, value: str, iso: str) -> None:
    assert _load(BASE.replace("2027-01-04", value), tmp_path).cutover_date.isoformat() == iso


def test_missing_config_file_hints_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="findes ikke") as info:
        load_config(tmp_path / "nope.toml")
    assert "kp-convert init" in str(info.value)
