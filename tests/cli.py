"""Run the `baystream` command as a user would: a subprocess with BAYSTREAM_* settings (or Python, with a
compiled build on or off)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from baystream.infra.compiled import Group
from baystream.infra.settings import KafkaSettings, Settings


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a child `baystream`: the broker settings of `settings` (the engine's address,
    replication and group timeouts), nothing of the caller's own BAYSTREAM_* variables, then `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAYSTREAM_")}
    if settings.kafka.bootstrap:
        env["BAYSTREAM_BOOTSTRAP"] = settings.kafka.bootstrap
    if settings.kafka.embedded:
        env["BAYSTREAM_EMBEDDED"] = "1"
    default = KafkaSettings()
    for name in ("replication_factor", "session_timeout_ms", "partitions"):
        if getattr(settings.kafka, name) != getattr(default, name):
            env[f"BAYSTREAM_{name.upper()}"] = str(getattr(settings.kafka, name))
    env.update(extra)
    return env


def baystream(
    settings: Settings, *args: str, stdin: str | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`baystream ARGS` against the given settings; returns the completed process (never raises on exit status).

    The timeout is a bound for a loaded machine (a command imports every subcommand), not an expected time."""
    return subprocess.run(
        [sys.executable, "-m", "baystream", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(settings),
        cwd=Path(__file__).resolve().parent.parent,
    )


def python_with_build(code: str, group: Group, on: bool) -> tuple[str, str]:
    """Run `code` in a child Python with a compiled group's build switched on or off (its variable); its
    standard output, and its standard error stripped."""
    env = {**os.environ, group.switch: "1" if on else "0"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout, done.stderr.strip()
