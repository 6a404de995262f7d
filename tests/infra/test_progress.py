"""The progress bar of long commands: drawn on a terminal with events/s and time left, silent when piped."""

from __future__ import annotations

import argparse
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from baystream.infra.progress import Progress, add_progress_option, file_label, size_of
from baystream.schemas.json_form import to_json
from tests.streams.engine_events import gate

ESC = "\x1b["


class Terminal(io.StringIO):
    """What a terminal on stderr looks like to the helper."""

    def isatty(self) -> bool:
        return True


def test_piped_it_draws_nothing_and_passes_lines_through() -> None:
    piped = io.StringIO()
    lines = [f"line {n}\n" for n in range(10_000)] + ["\n"]
    with Progress("work", 1000.0, stream=piped) as progress:
        assert not progress.enabled
        assert list(progress.lines(iter(lines))) == lines
        progress.advance(5, 10.0)
    assert piped.getvalue() == ""


def test_on_a_terminal_it_shows_events_rate_and_time_left() -> None:
    terminal = Terminal()
    lines = [f"line {n}\n" for n in range(10_000)] + ["\n"]
    with Progress("replaying x.jsonl", sum(map(len, lines)), stream=terminal) as progress:
        assert progress.enabled
        assert list(progress.lines(iter(lines))) == lines
    shown = terminal.getvalue()
    assert "replaying x.jsonl" in shown and "100%" in shown
    assert "10,000 events" in shown  # the blank line is no event
    assert "/s" in shown and "left" in shown
    assert progress.events == 10_000 and progress.done == sum(map(len, lines))


def test_forced_on_or_off_whatever_the_stream() -> None:
    piped, terminal = io.StringIO(), Terminal()
    with Progress("work", None, stream=piped, enabled=True) as progress:
        progress.advance(3)
    assert "3 events" in piped.getvalue()
    with Progress("work", None, stream=terminal, enabled=False) as progress:
        progress.advance(3)
    assert terminal.getvalue() == ""


def test_the_option_and_the_labels() -> None:
    parser = argparse.ArgumentParser()
    add_progress_option(parser)
    assert parser.parse_args([]).progress is None
    assert parser.parse_args(["--progress"]).progress is True
    assert parser.parse_args(["--no-progress"]).progress is False
    assert file_label("-") == "stdin" and file_label("/data/runs/day.jsonl") == "day.jsonl"


def test_size_of_a_file_and_of_a_pipe(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("abc\n")
    with open(path) as handle:
        assert size_of(handle) == 4
    read, write = os.pipe()
    with os.fdopen(read) as handle, os.fdopen(write, "w"):
        assert size_of(handle) is None
    assert size_of(io.StringIO()) is None


def _on_a_pty(*args: str) -> tuple[int, str]:
    """`baystream ARGS` with stderr on a pseudo-terminal, as a user at a shell runs it: (status, what it drew)."""
    parent, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "baystream", *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=child
    )
    os.close(child)
    drawn = b""
    while True:
        try:
            data = os.read(parent, 65536)
        except OSError:  # the child closed its end
            break
        if not data:
            break
        drawn += data
    os.close(parent)
    return process.wait(timeout=120), drawn.decode(errors="replace")


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(to_json(gate(n, f"V{n}", "IN"))) + "\n" for n in range(500)))
    return path


def test_replay_draws_the_bar_on_a_terminal_only(events_file: Path) -> None:
    status, drawn = _on_a_pty("indicators", "replay", str(events_file))
    assert status == 0
    assert "replaying events.jsonl" in drawn and "500 events" in drawn and "left" in drawn and ESC in drawn
    piped = subprocess.run(
        [sys.executable, "-m", "baystream", "indicators", "replay", str(events_file)], capture_output=True, text=True
    )
    assert piped.returncode == 0 and ESC not in piped.stderr and "left" not in piped.stderr


def test_simulate_draws_the_bar_on_a_terminal_and_not_with_no_progress(tmp_path: Path) -> None:
    out = str(tmp_path / "run.jsonl")
    status, drawn = _on_a_pty("simulate", "--hours", "6", "--warmup-days", "0", "--out", out)
    assert status == 0 and "simulating normal" in drawn and "100%" in drawn and "/s" in drawn
    status, drawn = _on_a_pty("simulate", "--hours", "6", "--warmup-days", "0", "--out", out, "--no-progress")
    assert status == 0 and "simulating normal" not in drawn and " events to " in drawn
