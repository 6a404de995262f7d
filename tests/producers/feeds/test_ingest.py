"""`baystream ingest` as a user runs it: dry runs, all-or-nothing EDI and dead-lettered AIS on the broker, UDP."""

from __future__ import annotations

import json
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from baystream.infra.settings import Settings
from baystream.producers.feeds.edifact import read_edifact
from baystream.producers.feeds.x12 import read_x12
from baystream.schemas.json_form import dumps
from tests.cli import baystream, cli_env

SAMPLES = Path(__file__).parent / "samples"
CALLS = '{"vessel_imo": "9454436", "carrier": "ZIMU", "voyage": "12E", "facility": "SSATA"}\n'


def _tail(settings: Settings, topic: str) -> list[dict[str, Any]]:
    """The decodable records of `topic`; the shared broker's topics may also hold other tests' raw bytes,
    which `tail` names on stderr (exit 1) and which are not this test's business."""
    result = baystream(settings, "tail", topic, "--from-beginning")
    others = [line for line in result.stderr.splitlines() if not re.match(rf"{re.escape(topic)}\[\d+\]@\d+: ", line)]
    assert result.returncode in (0, 1) and not others, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_dry_run_prints_the_events_as_json_lines(tmp_path: Path) -> None:
    sample = SAMPLES / "terminal_322.x12"
    result = baystream(Settings(), "ingest", "x12", str(sample), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [dumps(e) for e in read_x12(sample.read_bytes())]
    from_stdin = baystream(
        Settings(), "ingest", "edifact", "-", "--dry-run", stdin=(SAMPLES / "coarri_load_d00b.edi").read_text()
    )
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert [json.loads(line)["container_id"] for line in from_stdin.stdout.splitlines()] == ["TCNU7788991"]


def test_a_bad_interchange_says_where_and_prints_nothing() -> None:
    bad = (SAMPLES / "codeco_gate_in_d00b.edi").read_text().replace("UNT+8+GI0002", "UNT+7+GI0002")
    result = baystream(Settings(), "ingest", "edifact", "-", "--dry-run", stdin=bad)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "nothing published" in result.stderr and "message GI0002 (CODECO), segment 8 (UNT)" in result.stderr


def _unique_codecos() -> tuple[str, list[str]]:
    """The two-message sample with visit ids of this run, so the events are new to the shared broker."""
    tag = uuid.uuid4().hex[:8].upper()
    text = (SAMPLES / "codeco_gate_in_d00b.edi").read_text().replace("LBCT-V778", f"LBCT-{tag}-")
    return text, [e["event_id"] for e in read_edifact(text)]


def test_one_bad_message_publishes_nothing_of_the_interchange(broker_settings: Settings) -> None:
    text, ids = _unique_codecos()
    bad = text.replace("BGM+34+GI-0002", "BGM+99+GI-0002")
    result = baystream(broker_settings, "ingest", "edifact", "-", stdin=bad)
    assert result.returncode == 1
    assert "message GI0002 (CODECO), segment 2 (BGM)" in result.stderr
    result = baystream(broker_settings, "ingest", "edifact", "-", stdin=text)  # then the good one, to know when to look
    assert result.returncode == 0, result.stderr
    published = [e["event_id"] for e in _tail(broker_settings, "gate-moves")]
    assert sorted(published.count(i) for i in ids) == [1, 1]  # once each: the bad run left nothing


def test_x12_events_land_on_their_topics(broker_settings: Settings) -> None:
    sample = SAMPLES / "terminal_322.x12"
    result = baystream(broker_settings, "ingest", "x12", str(sample))
    assert result.returncode == 0, result.stderr
    assert "published 4 event(s)" in result.stderr
    for event in read_x12(sample.read_bytes()):
        topic = {"GateMove": "gate-moves", "ContainerEvent": "container-events", "RailDeparture": "rail-departures"}
        assert json.loads(dumps(event)) in _tail(broker_settings, topic[event["type"]])


def test_ais_publishes_milestones_and_dead_letters_bad_sentences(broker_settings: Settings, tmp_path: Path) -> None:
    calls = tmp_path / "calls.jsonl"
    calls.write_text(CALLS)
    tag = uuid.uuid4().hex
    garbage = f"!AIVDM,1,1,,A,{tag}"  # unique, so this run's dead letter is known
    stream = garbage + "\n" + (SAMPLES / "receiver.nmea").read_text()
    result = baystream(broker_settings, "ingest", "ais", "-", "--calls", str(calls), stdin=stream)
    assert result.returncode == 0, result.stderr
    assert "4 event(s) published, 3 dead-lettered" in result.stderr
    letters = [d for d in _tail(broker_settings, "dead-letter") if d.get("producer") == "ingest-ais"]
    mine = [d for d in letters if tag in d["reason"] or tag.encode().hex() in json.dumps(d)]
    assert len(mine) == 1 and mine[0]["topic"] == "vessel-arrivals" and mine[0]["stage"] == "decode"
    assert any(d["reason"].startswith("bad checksum") for d in letters)
    arrivals = [e for e in _tail(broker_settings, "vessel-arrivals") if e["call_id"] == "SSATA-9454436-12E"]
    assert {(e["classifier"], e["location_type"], e["event_type"]) for e in arrivals} == {
        ("ESTIMATED", "BERTH", "ARRIVED"),
        ("ACTUAL", "ANCHORAGE", "ARRIVED"),
        ("ACTUAL", "BERTH", "ARRIVED"),
        ("ACTUAL", "BERTH", "DEPARTED"),
    }


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _lines(stream: Any) -> queue.Queue[str]:
    """The lines of a pipe as they come, read by a thread (select on a buffered pipe misses buffered lines)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True).start()
    return lines


def _readline(lines: queue.Queue[str], deadline: float) -> str:
    try:
        return lines.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        raise AssertionError("no line before the deadline") from None


def test_ais_from_a_udp_port(tmp_path: Path) -> None:
    calls = tmp_path / "calls.jsonl"
    calls.write_text(CALLS)
    port = _free_udp_port()
    command = [
        sys.executable,
        "-m",
        "baystream",
        "ingest",
        "ais",
        "--udp",
        str(port),
        "--calls",
        str(calls),
        "--dry-run",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(Settings()))
    try:
        deadline = time.monotonic() + 240  # the command imports every subcommand: slow on a loaded machine
        errors, output = _lines(proc.stderr), _lines(proc.stdout)
        while "listening for AIS on UDP port" not in _readline(errors, deadline):
            pass  # anything the interpreter says first (warnings) is not the answer
        lines = (SAMPLES / "receiver.nmea").read_text().splitlines()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto("\n".join(lines[:3]).encode(), ("127.0.0.1", port))  # a receiver batches sentences
            for line in lines[3:]:
                sender.sendto(line.encode(), ("127.0.0.1", port))
        events = [json.loads(_readline(output, deadline)) for _ in range(4)]
        assert [(e["location_type"], e["event_type"], e["classifier"]) for e in events] == [
            ("BERTH", "ARRIVED", "ESTIMATED"),
            ("ANCHORAGE", "ARRIVED", "ACTUAL"),
            ("BERTH", "ARRIVED", "ACTUAL"),
            ("BERTH", "DEPARTED", "ACTUAL"),
        ]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    assert proc.returncode == 130


def test_simulate_writes_feeds_that_ingest_reads_back(tmp_path: Path) -> None:
    for feed in ("edifact", "x12", "ais"):
        out = tmp_path / f"run.{feed}"
        written = baystream(Settings(), "simulate", "--format", feed, "--hours", "8", "--seed", "4", "--out", str(out))
        assert written.returncode == 0, written.stderr
        count = int(written.stderr.split("wrote ")[1].split(" event")[0])
        extra = ["--calls", f"{out}.calls.jsonl"] if feed == "ais" else []
        read = baystream(Settings(), "ingest", feed, str(out), "--dry-run", *extra)
        assert read.returncode == 0, read.stderr
        assert count > 0 and len(read.stdout.splitlines()) == count
