"""The compiled engine (streams/engine/compiled.py) replays to what the pure-Python engine replays to."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import baystream.streams.engine as engine

RUN = """
import json, sys
from baystream.producers.simulator import simulate
from baystream.streams.engine import COMPILED
from baystream.streams.replay import replay
print(COMPILED, file=sys.stderr)
print(json.dumps(replay(simulate("congested-2021", 24 * 9, seed=11)).to_json(), sort_keys=True))
"""


def _run(switch: str) -> tuple[str, str]:
    env = {**os.environ, "BAYSTREAM_ENGINE_COMPILED": switch}
    done = subprocess.run([sys.executable, "-c", RUN], env=env, capture_output=True, text=True, check=True)
    return done.stdout, done.stderr.strip()


@pytest.mark.skipif(not engine.COMPILED, reason="no compiled engine here (make compiled builds it)")
def test_compiled_and_pure_python_engines_replay_to_the_same_snapshot() -> None:
    compiled, was_compiled = _run("1")
    pure, was_pure = _run("0")
    assert (was_compiled, was_pure) == ("True", "False")
    assert compiled == pure and '"alerts": [{' in compiled
