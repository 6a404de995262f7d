"""The short fuzz run of `make test`: hypothesis over every target of tests/fuzz/targets.py, from raw bytes,
from JSON values of any shape, and from mutations of valid inputs. `bench/fuzz.py` is the long run."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.targets import TARGETS, seeds

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=30,
)


def _mutated(target: str) -> st.SearchStrategy[bytes]:
    """A valid seed with a slice replaced by random bytes (what a careless partner's file looks like)."""

    def mutate(seed: bytes, at: int, cut: int, insert: bytes) -> bytes:
        at %= len(seed) + 1
        return seed[:at] + insert + seed[at + cut :]

    return st.builds(
        mutate, st.sampled_from(seeds(target)), st.integers(0, 10_000), st.integers(0, 8), st.binary(max_size=8)
    )


@pytest.mark.parametrize("target", sorted(TARGETS))
@FUZZ
@given(data=st.data())
def test_no_input_crashes(target: str, data: st.DataObject) -> None:
    prefix = b"j" if target == "gateway_body" else b""
    source = st.one_of(
        st.binary(max_size=300),
        json_values.map(lambda v: prefix + json.dumps(v).encode()),
        _mutated(target),
    )
    TARGETS[target](data.draw(source))
