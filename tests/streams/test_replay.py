"""Offline replay: the library and `baystream indicators replay FILE [--at TIME]` end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from baystream.infra.cli import main
from baystream.schemas.json_form import to_json
from baystream.streams.replay import Snapshot, replay
from tests.streams.engine_events import HOUR, gate, vessel


def _file(tmp_path: Path, events: list[dict[str, Any]], extra: str = "") -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(to_json(e)) + "\n" for e in events) + extra)
    return path


def _events() -> list[dict[str, Any]]:
    events = [gate(0, "V1", "IN"), gate(45, "V1", "OUT")]  # a 45 min turn
    for number in range(10):  # then ten 200 min turns completed at 05:00
        events += [gate(100, f"W{number}", "IN"), gate(300, f"W{number}", "OUT")]
    events.append(vessel(6 * HOUR, "A", "ARRIVED", "ANCHORAGE"))
    return events


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(["indicators", "replay", *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_replay_prints_the_final_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, snapshot, err = _run(capsys, str(_file(tmp_path, _events())))
    assert code == 0, err
    assert snapshot["as_of"] == "2024-05-01T06:00:00Z"
    rows = snapshot["indicators"]
    assert [(r["scope"], r["indicator"]) for r in rows] == sorted((r["scope"], r["indicator"]) for r in rows)
    got = {(r["scope"], r["indicator"]): r for r in rows}
    # at 06:00 the last hour (05:01-06:00) holds no completion; one vessel waits
    assert got["USLAX/APMT", "truck_turn_minutes"]["value"] is None
    assert got["USLAX/APMT", "vessels_waiting"]["value"] == 1
    assert got["SPB", "vessels_waiting"]["value"] == 1
    assert got["USLAX/APMT", "congestion_index"]["level"] == "AMBER"  # held: below AMBER for 1 h, not 12
    assert got["USLAX/APMT", "vessels_waiting"]["level"] is None
    # alerts: GREEN from 00:00 (index 0: where APMT stands, no alert), AMBER at 05:00 when ten 200-min turns
    # land: turn (10 * 200) / 10 = 200 -> 1 (w 1.5); p90 200 -> 110/150 (w 0.5); waiting 0, berths 0 (w 1 + 1);
    # at 06:00 no turn in the last hour (index ~3.5), but the level is held 12 h (docs/indicators.md)
    apmt = [a for a in snapshot["alerts"] if a["scope"] == "USLAX/APMT"]
    assert [(a.get("previous_level"), a["level"], a["as_of"]) for a in apmt] == [
        ("GREEN", "AMBER", "2024-05-01T05:00:00Z"),
    ]
    assert apmt[0]["congestion_index"] == pytest.approx(100 * (1.5 + 0.5 * 110 / 150) / 4)
    assert "replayed 23 event(s)" in err


def test_replay_repeats_alert_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(_file(tmp_path, _events()))
    _, first, _ = _run(capsys, path)
    _, second, _ = _run(capsys, path)
    assert [a["alert_id"] for a in first["alerts"]] == [a["alert_id"] for a in second["alerts"]]


def test_replay_at_stops_at_that_event_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, snapshot, _ = _run(capsys, str(_file(tmp_path, _events())), "--at", "2024-05-01T01:00:00Z")
    assert code == 0
    assert snapshot["as_of"] == "2024-05-01T00:45:00Z"  # the watermark: the last event applied
    got = {(r["scope"], r["indicator"]): r["value"] for r in snapshot["indicators"]}
    assert got["USLAX/APMT", "truck_turn_minutes"] == 45.0
    assert got["USLAX/APMT", "trucks_on_terminal"] == 0


def test_replay_names_the_bad_line_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = json.dumps(dict(to_json(gate(0, "V9", "IN")), direction="SIDEWAYS"))
    code, snapshot, err = _run(capsys, str(_file(tmp_path, _events()[:2], bad + "\n")))
    assert code == 1 and snapshot is None
    assert "line 3" in err and "direction" in err


def test_replay_bad_at_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, str(_file(tmp_path, _events())), "--at", "yesterday")
    assert code == 2 and "--at" in err
    code, _, err = _run(capsys, str(tmp_path / "nope.jsonl"))
    assert code == 1 and "nope.jsonl" in err


def test_replay_library_counts_duplicates_and_empty_input() -> None:
    events = _events()
    snapshot = replay([*events, events[0]])
    assert (snapshot.applied, snapshot.skipped) == (len(events), 1)
    empty = replay([])
    assert empty.as_of is None and empty.indicators == [] and empty.to_json()["as_of"] is None


def test_lines_are_read_one_at_a_time_with_whole_file_line_numbers() -> None:
    from baystream.producers.file_publish import InvalidInput, validated_events

    good = [json.dumps(to_json(e)) + "\n" for e in _events()]  # 23 lines
    assert len(list(validated_events(iter(good)))) == 23
    bad = [*good[:12], "{not json\n", *good[12:], '{"type": "Nope"}\n']
    reader = validated_events(iter(bad))
    assert len([next(reader) for _ in range(12)]) == 12  # every event before the first bad line
    with pytest.raises(InvalidInput) as caught:
        next(reader)  # nothing after it: the rest is only read to name every bad line
    assert [number for number, _ in caught.value.problems] == [13, 25]


def test_replay_uses_the_indicator_config_of_the_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "indicators.toml"
    config.write_text("[facilities.APMT]\nberths = 2\n")
    monkeypatch.setenv("BAYSTREAM_INDICATOR_CONFIG", str(config))
    events = [vessel(0, "A", "ARRIVED", "BERTH")]
    code, snapshot, _ = _run(capsys, str(_file(tmp_path, events)))
    got = {(r["scope"], r["indicator"]): r["value"] for r in snapshot["indicators"]}
    assert code == 0 and got["USLAX/APMT", "berth_utilization"] == 0.5  # 1 of 2 berths
    config.write_text("[facilities.APMT]\nberths = -2\n")
    code, _, err = _run(capsys, str(_file(tmp_path, events)))
    assert code == 2 and "facilities.APMT.berths" in err


def test_replay_reads_standard_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(_file(tmp_path, _events()).read_text()))
    code, snapshot, _ = _run(capsys, "-")
    assert code == 0 and snapshot["as_of"] == "2024-05-01T06:00:00Z"


def test_records_of_the_old_shape_replay_to_the_same_congestion_figures() -> None:
    """A simulated day written as v3 (no air fields, no estimates), read with the v4 reader: the congestion
    set is what the full events give; the air shares have nothing known, the rates use the default power."""
    from baystream.producers.simulator import simulate
    from baystream.schemas.catalog import catalog
    from baystream.schemas.wire import Codec
    from baystream.streams.engine.air import AIR_INDICATORS, ORIGIN_PREFIX
    from baystream.streams.engine.totals import INDUSTRY_INDICATORS

    events = list(simulate("normal", 30, seed=2))
    codec, v3 = Codec(), {name: catalog().versions[name][2] for name in ("VesselArrival", "GateMove")}
    assert all(v.version == 3 for v in v3.values())
    old = [
        codec.decode(codec.encode_with(v3[e["type"]], e)) if e["type"] in v3 else e
        for e in events
        if e["classifier"] == "ACTUAL"
    ]
    assert all(e.get("last_port") is None and e.get("zero_emission") is None for e in old)
    now, before = replay(events), replay(old)
    air = set(AIR_INDICATORS) | set(INDUSTRY_INDICATORS)  # truck_visit_minutes needs v5's queue arrival

    def congestion(snapshot: Snapshot) -> dict[tuple[str, str], tuple[float | None, str | None]]:
        return {
            (v.scope, v.indicator): (v.value, v.level)
            for v in snapshot.indicators
            if v.indicator not in air and not v.indicator.startswith(ORIGIN_PREFIX)
        }

    assert len(congestion(now)) == 16 * 16 and congestion(now) == congestion(before)
    spb = {v.indicator: v.value for v in before.indicators if v.scope == "SPB"}
    assert spb["shore_power_share"] is None and spb["china_import_share"] is None
    assert spb["arrivals_expected_72h"] == 0
    assert spb["anchor_co2_kg_per_hour"] == pytest.approx(spb["vessels_waiting"] * 1400 * 0.690)


def test_the_replays_level_checks_alert_as_the_whole_indicator_set_does() -> None:
    """The replay checks levels on partials without their air part and computes the index alone
    (`Combiner._indexes`); the alerts are those of full partials and every indicator, check for check."""
    from baystream.producers.simulator import simulate
    from baystream.streams.config import IndicatorConfig
    from baystream.streams.engine import Combiner, PartitionEngine

    events = list(simulate("congested-2021", 60, seed=3))
    config = IndicatorConfig(hold_hours=2)
    engine, combiner = PartitionEngine(config), Combiner(config)
    alerts, checked = [], None
    for event in events:
        engine.apply(event)
        if engine.watermark is not None and (checked is None or engine.watermark // (15 * 60_000) > checked):
            checked = engine.watermark // (15 * 60_000)
            combiner.update("replay", engine.partial())
            combiner.indicators()  # the whole set first: take_alerts reads the levels it computed
            alerts.extend(combiner.take_alerts())
    combiner.update("replay", engine.partial())
    combiner.indicators()
    alerts.extend(combiner.take_alerts())
    assert len(alerts) > 10  # the run has level changes to compare
    assert replay(events, config).alerts == alerts


def test_the_live_partial_sums_to_the_totals_of_the_partial_check_for_check() -> None:
    """`PartitionEngine.live_partial` (the engine's aggregates read in place) gives every scope's totals
    exactly as the copied partial does, also beside another engine whose newer watermark sets the windows.
    Eight days, so the 7-day rail window is full; short dwell thresholds, so their limits cut through data."""
    from baystream.producers.simulator import simulate
    from baystream.streams.config import IndicatorConfig
    from baystream.streams.engine import Combiner, PartitionEngine
    from baystream.streams.engine.air import AirTotals

    config = IndicatorConfig(
        long_dwell_days=1,
        long_dwell_truck_days=1.5,
        long_dwell_rail_days=0.5,
        rail_backlog_days=2,
        visit_timeout_hours=2,
    )
    ahead, behind = PartitionEngine(config), PartitionEngine(config)
    checked, compared = None, 0
    for number, event in enumerate(simulate("normal", 8 * 24, seed=5)):
        (ahead if number % 3 else behind).apply(event)  # `behind` gets a third: its watermark trails at times
        watermark = ahead.watermark
        if watermark is None or behind.watermark is None or (checked is not None and watermark // 3_600_000 <= checked):
            continue
        checked = watermark // 3_600_000
        copied, live = Combiner(config), Combiner(config)
        copied.update("ahead", ahead.partial())
        copied.update("behind", behind.partial())
        live.update("ahead", ahead.live_partial())
        live.update("behind", behind.live_partial())
        copied_scopes, _ = copied._scopes(watermark)
        for _, totals in copied_scopes:
            totals.air = AirTotals()  # the live partial has no air part: everything else must be equal
        assert live._scopes(watermark)[0] == copied_scopes
        compared += 1
    assert compared > 150
