"""Hostile files for `publish`, `indicators replay` and `gateway hash-key` (issue 18.2, 4, 7, 9): one line
naming the line and field, exit status 1 or 2, nothing published, never a traceback.

No broker: every case fails in the first pass, before anything connects.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from baystream.infra.settings import Settings
from tests.cli import cli_env
from tests.events import event

SETTINGS = Settings().with_overrides(bootstrap="127.0.0.1:9", embedded=True)
COMMANDS = [("publish",), ("indicators", "replay")]


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "baystream", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        env=cli_env(SETTINGS),
        cwd=Path(__file__).resolve().parents[2],
    )


def _lines(*events: dict[str, object]) -> bytes:
    return b"".join(json.dumps(e, ensure_ascii=False).encode() + b"\n" for e in events)


@pytest.mark.parametrize("command", COMMANDS)
def test_invalid_utf8_names_its_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(_lines(event("GateMove")) + b'{"a":"\xff"}\n')
    done = run(*command, str(path))
    err = done.stderr.decode()
    assert done.returncode == 1 and "Traceback" not in err, err
    assert "line 2: field '(line)': not UTF-8 text: byte 0xff at byte 7" in err


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_overflowing_times_name_line_and_field(tmp_path: Path, command: tuple[str, ...], when: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(_lines(event("GateMove"), event("GateMove", event_time=when)))
    done = run(*command, str(path))
    err = done.stderr.decode()
    assert done.returncode == 1 and "Traceback" not in err, err
    assert "line 2: field 'event_time': expected a time from 1970" in err


@pytest.mark.parametrize("command", COMMANDS)
def test_deep_nesting_and_long_strings_name_their_lines(tmp_path: Path, command: tuple[str, ...]) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"[" * 5000 + b"]" * 5000 + b"\n" + _lines(event("GateMove", visit_id="V" * 900_000)))
    done = run(*command, str(path))
    err = done.stderr.decode()
    assert done.returncode == 1 and "Traceback" not in err, err
    assert "line 1: field '(line)': not JSON: nested deeper than" in err and "line 2: field 'visit_id'" in err
    assert len(err) < 2000


def test_u2028_inside_a_string_is_no_line_break(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(_lines(event("VesselArrival", vessel_name="EVER\u2028GIVEN"), event("GateMove")))
    done = run("indicators", "replay", str(path))
    err = done.stderr.decode()
    assert done.returncode == 1 and "line 1: field 'vessel_name': expected printable text" in err, err
    assert "line 2" not in err and "not JSON" not in err


def test_hash_key_with_bytes_that_are_not_utf8() -> None:
    done = run("gateway", "hash-key", stdin=b"\xff\xfe-not-a-key\n")
    assert done.returncode == 2 and b"not UTF-8" in done.stderr and b"Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("key", "why"), [("a", "too short"), ("password", "too short"), ("password" * 3, "too predictable")]
)
def test_hash_key_refuses_weak_keys(key: str, why: str) -> None:
    done = run("gateway", "hash-key", stdin=key.encode() + b"\n")
    assert done.returncode == 2 and why in done.stderr.decode() and done.stdout == b""
    assert b"new-key" in done.stderr


def test_hash_key_hashes_a_strong_key() -> None:
    made = run("gateway", "new-key").stdout.decode()
    key = made.split(": ")[1].split()[0]
    done = run("gateway", "hash-key", stdin=key.encode() + b"\n")
    assert done.returncode == 0 and done.stdout.decode().strip() in made
