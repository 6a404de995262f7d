"""Token buckets with a hand-driven clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baystream.producers.gateway.rate_limit import RateLimiter


def test_burst_then_steady_rate() -> None:
    limiter = RateLimiter(rate_per_s=2.0, burst=3)
    assert [limiter.acquire("a", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("a", 0.0) == pytest.approx(0.5)  # one token takes 1/2 s at 2/s
    assert limiter.acquire("a", 0.25) == pytest.approx(0.25)  # half a token refilled
    assert limiter.acquire("a", 0.5) == 0.0
    assert limiter.acquire("b", 0.5) == 0.0  # each key has its own bucket


def test_refill_stops_at_the_burst() -> None:
    limiter = RateLimiter(rate_per_s=1.0, burst=2)
    limiter.acquire("a", 0.0)
    allowed = [limiter.acquire("a", 1000.0) == 0.0 for _ in range(3)]
    assert allowed == [True, True, False]


@given(st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=200))
def test_never_more_than_burst_plus_rate_times_elapsed(gaps: list[float]) -> None:
    rate, burst = 3.0, 5
    limiter = RateLimiter(rate, burst)
    now, allowed = 0.0, 0
    for gap in gaps:
        now += gap
        allowed += limiter.acquire("k", now) == 0.0
    assert allowed <= burst + rate * now + 1e-9


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0, 1)
    with pytest.raises(ValueError):
        RateLimiter(1, 0)
