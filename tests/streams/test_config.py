"""Facility configuration: the docs/domain.md defaults, TOML overrides, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from baystream.infra.settings import Settings
from baystream.streams.config import (
    DEFAULT_FACILITIES,
    IndicatorConfig,
    IndicatorConfigError,
    config_from_mapping,
    config_from_settings,
    load_indicator_config,
)


def test_defaults_cover_every_terminal_of_domain_md_and_the_pool_size() -> None:
    config = IndicatorConfig()
    la = {c for c, f in config.facilities.items() if f.port == "USLAX"}
    lb = {c for c, f in config.facilities.items() if f.port == "USLGB"}
    assert la == {"APMT", "ETS", "EAGLE", "TRAP", "WBCT", "YUSEN"}
    assert lb == {"ITS", "LBCT", "SSAPCT", "SSATA", "MATU", "TTI", "ICTF"}
    assert sum(f.chassis for f in DEFAULT_FACILITIES.values()) == 34_000
    assert config.facilities["ICTF"].berths == 0
    assert config.facilities["APMT"].berths == 6  # berths 401-406
    assert config.index["anchor_wait_hours"].crisis == pytest.approx(8.7 * 24)


@pytest.mark.parametrize(
    ("index", "level"), [(0, "GREEN"), (39.99, "GREEN"), (40, "AMBER"), (69.9, "AMBER"), (70, "RED")]
)
def test_levels(index: float, level: str) -> None:
    assert IndicatorConfig().level(index) == level


def test_toml_overrides_extend_and_keep_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "indicators.toml"
    path.write_text(
        """
[facilities.APMT]
berths = 5
[facilities.HOBART]
port = "USLAX"
chassis = 2000
kind = "rail"
[index.truck_turn_minutes]
crisis = 120
weight = 2
[levels]
amber_from = 30
red_from = 60
[engine]
dedup_horizon_hours = 48
"""
    )
    config = config_from_settings(Settings().with_overrides(indicator_config=str(path)))
    assert config.facilities["APMT"].berths == 5
    assert config.facilities["APMT"].chassis == 4000  # kept
    assert config.facilities["HOBART"].port == "USLAX"
    bound = config.index["truck_turn_minutes"]
    assert (bound.normal, bound.crisis, bound.weight) == (60, 120, 2)
    assert config.level(35) == "AMBER"
    assert config.dedup_horizon_hours == 48
    assert config.facilities["TTI"].berths == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"facilities": {"NEW": {"berths": 2}}}, "facilities.NEW.port"),
        ({"facilities": {"APMT": {"berths": -1}}}, "facilities.APMT.berths"),
        ({"facilities": {"APMT": {"berths": 1.5}}}, "expected an integer"),
        ({"index": {"coffee_price": {"normal": 1}}}, "index.coffee_price"),
        ({"index": {"truck_turn_minutes": {"crisis": 60}}}, "crisis must differ"),
        ({"index": {"truck_turn_minutes": {"ceiling": 3}}}, "unknown key"),
        ({"levels": {"amber_from": 80}}, "amber_from must be below red_from"),
        ({"berths": 3}, "unknown key"),
    ],
)
def test_bad_configuration_names_the_entry(data: dict[str, object], message: str) -> None:
    with pytest.raises(IndicatorConfigError, match=message):
        config_from_mapping(data, "x.toml")


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(IndicatorConfigError, match=r"missing\.toml"):
        load_indicator_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[facilities\n")
    with pytest.raises(IndicatorConfigError, match=r"bad\.toml"):
        load_indicator_config(bad)
    assert config_from_settings(Settings()) == IndicatorConfig()


@pytest.mark.parametrize(
    ("index", "previous", "level"),
    [
        (36.0, "AMBER", "AMBER"),  # within 5 points below 40: stays
        (34.9, "AMBER", "GREEN"),
        (65.5, "RED", "RED"),
        (60.0, "RED", "AMBER"),
        (20.0, "RED", "GREEN"),
        (41.0, "GREEN", "AMBER"),  # going up needs no margin
        (71.0, "AMBER", "RED"),
    ],
)
def test_levels_go_down_with_hysteresis(index: float, previous: str, level: str) -> None:
    assert IndicatorConfig(hysteresis=5).level(index, previous) == level


def test_hysteresis_is_on_by_default_and_zero_gives_the_bands() -> None:
    assert IndicatorConfig().level(36.0, "AMBER") == "AMBER"
    assert IndicatorConfig(hysteresis=0).level(39.9, "AMBER") == "GREEN"
    assert IndicatorConfig(hysteresis=0).level(69.9, "RED") == "AMBER"
    assert config_from_mapping({"levels": {"hysteresis": 0}}).hysteresis == 0


def test_as_json_reads_back_as_the_same_config() -> None:
    custom = config_from_mapping(
        {"facilities": {"HOBART": {"port": "USLAX", "chassis": 10}}, "levels": {"red_from": 80}}
    )
    assert config_from_mapping(json.loads(json.dumps(custom.as_json()))) == custom


def test_indicators_config_command_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    from baystream.infra.cli import main

    assert main(["indicators", "config"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["facilities"]["APMT"]["berths"] == 6
    assert printed["index"]["truck_turn_minutes"] == {"normal": 60.0, "crisis": 100.0, "weight": 1.5, "group": "gates"}
