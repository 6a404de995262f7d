"""The compiled engine (streams/engine/compiled.py) replays four simulated days (15 alerts) to what the
pure-Python engine replays them to."""

from __future__ import annotations

import pytest

import baystream.streams.engine as engine
from baystream.streams.engine.compiled import GROUP
from tests.cli import python_with_build

RUN = """
import json, sys
from baystream.producers.simulator import simulate
from baystream.streams.engine import COMPILED
from baystream.streams.replay import replay
print(COMPILED, file=sys.stderr)
print(json.dumps(replay(simulate("congested-2021", 24 * 4, seed=11)).to_json(), sort_keys=True))
"""


@pytest.mark.skipif(not engine.COMPILED, reason="no compiled engine here (make compiled builds it)")
def test_compiled_and_pure_python_engines_replay_to_the_same_snapshot() -> None:
    compiled, was_compiled = python_with_build(RUN, GROUP, on=True)
    pure, was_pure = python_with_build(RUN, GROUP, on=False)
    assert (was_compiled, was_pure) == ("True", "False")
    assert compiled == pure and '"alerts": [{' in compiled
