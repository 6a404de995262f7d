"""`baystream simulate` as a user runs it: to a file, and to the embedded broker read back."""

from __future__ import annotations

import zlib
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from baystream.infra.cli import main
from baystream.infra.reader import read_topic
from baystream.infra.settings import Settings
from baystream.infra.topics import TOPIC_FOR_SCHEMA
from baystream.producers.simulator import DEFAULT_START, simulate
from baystream.producers.simulator.command import WARMUP_DAYS, configure, run
from baystream.schemas.json_form import dumps, parse_line
from baystream.schemas.wire import Codec


def test_to_a_file_is_the_library_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run.jsonl"
    argv = ["simulate", "--scenario", "rail-disruption", "--hours", "8", "--seed", "9", "--warmup-days", "0"]
    assert main([*argv, "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines == [dumps(e) for e in simulate("rail-disruption", 8, 9)]
    assert all(parse_line(line) for line in lines[:200])
    err = capsys.readouterr().err
    assert f"{len(lines)} events to {out}" in err and "warm-up" not in err
    assert "\x1b[" not in err  # not a terminal: no progress bar


def test_a_file_starts_with_the_warm_up_before_the_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run.jsonl"
    start = DEFAULT_START
    assert main(["simulate", "--hours", "2", "--warmup-days", "1.5", "--seed", "4", "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines == [dumps(e) for e in simulate("normal", 2 + 36, 4, start - timedelta(days=1.5))]
    events = [parse_line(line) for line in lines]
    times = [e["event_time"] for e in events]
    warmup = sum(t < start for t in times)
    happened = [e["event_time"] for e in events if e["classifier"] == "ACTUAL"]  # estimates look ahead
    assert 0 < warmup < len(lines) and max(happened) <= start + timedelta(hours=2) < max(times)
    err = capsys.readouterr().err
    assert f"{warmup} of the 1.5-day warm-up before, {len(lines) - warmup} from 2024-05-01T00:00:00Z" in err


def test_the_warm_up_is_a_week_by_default() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    configure(parser)
    assert parser.parse_args(["--out", "x"]).warmup_days is None  # None: WARMUP_DAYS, file or Kafka alike
    assert WARMUP_DAYS == 7


def test_bad_arguments_get_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["simulate", "--scenario", "typhoon"])
    assert "invalid choice: 'typhoon'" in capsys.readouterr().err
    out = str(tmp_path / "x.jsonl")
    assert main(["simulate", "--start", "2024-05-01T00:00", "--out", out]) == 2
    assert "give a timezone" in capsys.readouterr().err
    assert main(["simulate", "--hours", "-1", "--out", out]) == 2
    assert main(["simulate", "--warmup-days", "-1", "--out", out]) == 2
    assert main(["simulate", "--hours", "1", "--out", str(tmp_path / "missing" / "x.jsonl")]) == 1


@pytest.mark.integration
def test_publishes_a_run_to_kafka_and_it_reads_back(broker_settings: Settings, fresh_name: str) -> None:
    import argparse

    parser = argparse.ArgumentParser()
    configure(parser)
    seed = zlib.crc32(fresh_name.encode()) % 100_000
    args = parser.parse_args(["--hours", "3", "--seed", str(seed), "--as-fast-as-possible", "--warmup-days", "0"])
    assert run(args, broker_settings) == 0
    expected = {e["event_id"]: e for e in simulate("normal", 3, seed)}
    by_type = Counter(e["type"] for e in expected.values())
    codec = Codec()
    found: dict[str, dict] = {}
    for type_name in by_type:
        for message in read_topic(broker_settings, TOPIC_FOR_SCHEMA[type_name]):
            record = codec.decode(message.value())
            if record["event_id"] in expected:
                found[record["event_id"]] = record
                assert message.key().decode() == (
                    record["chassis_id"] if type_name == "ChassisCheckout" else record["facility"]
                )
    assert found.keys() == expected.keys()
    assert all(found[i] == expected[i] for i in expected)
