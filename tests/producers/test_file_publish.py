"""`baystream publish` then `baystream tail`, against the embedded broker, as a user runs them; its two passes."""

from __future__ import annotations

import json
import os
import threading
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from baystream.infra.cli import main
from baystream.infra.settings import Settings
from baystream.infra.topics import TOPIC_FOR_SCHEMA
from baystream.producers import file_publish
from baystream.producers.file_publish import _rereadable, count_valid
from baystream.schemas.json_form import parse_event, to_json
from tests.cli import baystream
from tests.events import ALL_TYPES, event


def _write(path: Path, events: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def _tail(settings: Settings, topic: str) -> list[dict[str, object]]:
    result = baystream(settings, "tail", topic, "--from-beginning")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_every_input_type_comes_back_field_for_field(broker_settings: Settings, tmp_path: Path) -> None:
    events = [event(t) for t in ALL_TYPES]
    result = baystream(broker_settings, "publish", str(_write(tmp_path / "all.jsonl", events)))
    assert result.returncode == 0, result.stderr
    assert "published 5 event(s)" in result.stderr
    for sent in events:
        back = [
            e for e in _tail(broker_settings, TOPIC_FOR_SCHEMA[str(sent["type"])]) if e["event_id"] == sent["event_id"]
        ]
        assert back == [to_json(parse_event(sent))]
        assert back[0] == {**sent, "classifier": "ACTUAL"}


def test_one_invalid_line_publishes_nothing(broker_settings: Settings, tmp_path: Path) -> None:
    good = [event("GateMove", visit_id=f"V-{i}") for i in range(3)]
    bad = event("GateMove", container_id="CSQU3054384")
    path = _write(tmp_path / "mixed.jsonl", [good[0], good[1], bad, good[2]])
    result = baystream(broker_settings, "publish", str(path))
    assert result.returncode == 1
    assert "line 3" in result.stderr and "'container_id'" in result.stderr and "check digit" in result.stderr
    assert "nothing published" in result.stderr
    ids = {e["event_id"] for e in _tail(broker_settings, "gate-moves")}
    assert not ids & {e["event_id"] for e in [*good, bad]}


def test_publish_reads_stdin_and_skips_blank_lines(broker_settings: Settings) -> None:
    sent = event("ContainerEvent")
    result = baystream(broker_settings, "publish", "-", stdin="\n" + json.dumps(sent) + "\n\n")
    assert result.returncode == 0, result.stderr
    assert sent["event_id"] in {e["event_id"] for e in _tail(broker_settings, "container-events")}


def test_publish_without_a_broker_says_how_to_get_one(tmp_path: Path) -> None:
    path = _write(tmp_path / "one.jsonl", [event("GateMove")])
    result = baystream(Settings(), "publish", str(path))
    assert result.returncode == 2
    assert "BAYSTREAM_BOOTSTRAP" in result.stderr


def test_a_bad_last_line_on_stdin_publishes_nothing(broker_settings: Settings) -> None:
    good = [event("GateMove", visit_id=f"V-{i}") for i in range(50)]
    bad = event("GateMove", container_id="CSQU3054384")
    stdin = "".join(json.dumps(e) + "\n" for e in [*good, bad])
    result = baystream(broker_settings, "publish", "-", stdin=stdin)
    assert result.returncode == 1 and "line 51" in result.stderr and "nothing published" in result.stderr
    ids = {e["event_id"] for e in _tail(broker_settings, "gate-moves")}
    assert not ids & {e["event_id"] for e in good}


def test_progress_shows_both_passes_when_asked(broker_settings: Settings, tmp_path: Path) -> None:
    events = [event("GateMove", visit_id=f"V-{i}") for i in range(20)]
    path = _write(tmp_path / "twenty.jsonl", events)
    result = baystream(broker_settings, "publish", str(path), "--progress")
    assert result.returncode == 0, result.stderr
    assert "checking twenty.jsonl" in result.stderr and "publishing twenty.jsonl" in result.stderr
    assert "20 events" in result.stderr and "published 20 event(s)" in result.stderr
    quiet = baystream(broker_settings, "publish", str(path))  # piped: the summary line only
    assert quiet.stderr == "published 20 event(s)\n"


def test_the_first_pass_holds_no_event() -> None:
    line = json.dumps(event("GateMove")) + "\n"
    tracemalloc.start()
    try:
        assert count_valid(line for _ in range(20_000)) == 20_000
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # 20,000 decoded events would take ~20 MB


def test_a_pipe_is_copied_so_that_it_can_be_read_twice(tmp_path: Path) -> None:
    fifo = tmp_path / "events.pipe"
    os.mkfifo(fifo)
    text = "".join(json.dumps(event("GateMove", visit_id=f"V-{i}")) + "\n" for i in range(100))
    writer = threading.Thread(target=fifo.write_text, args=(text,))
    writer.start()
    with _rereadable(str(fifo)) as path:
        assert Path(path).read_text() == text == Path(path).read_text()
    writer.join(timeout=30)
    assert not Path(path).exists()  # the copy goes with the run


def test_a_file_that_changes_while_checked_is_not_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "moving.jsonl", [event("GateMove")])
    checked = file_publish._check

    def check_then_append(*args: Any) -> int:
        count = checked(*args)
        with path.open("a") as handle:
            handle.write(json.dumps(event("GateMove", visit_id="V-late")) + "\n")
        return count

    monkeypatch.setattr(file_publish, "_check", check_then_append)
    assert main(["publish", str(path)]) == 1  # before any broker is needed: nothing is sent
    assert "changed while it was checked: nothing published" in capsys.readouterr().err
