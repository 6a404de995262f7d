"""BatchHistogram.observe_many counts exactly what observe() would, one value at a time."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.metrics_core import Metric

from baystream.infra.metrics import DELIVERY_SECONDS, LAG_BUCKETS, LATENCY_BUCKETS, BatchHistogram

_amounts = st.lists(
    st.sampled_from([0.0, -1.0, math.inf, -math.inf, math.nan, *LATENCY_BUCKETS])
    # finite amounts up to a few million years in seconds: near 1.8e308 a batch's partial sum overflows to inf
    # where the one-by-one running sum does not (or the other way round), which is no property of the code
    | st.floats(min_value=-1e15, max_value=1e15),
    max_size=60,
)


def _samples(metric: Histogram) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    (family,) = list(metric.collect())
    assert isinstance(family, Metric)
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value for s in family.samples if not s.name.endswith("_created")
    }


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@given(st.lists(_amounts, max_size=4))
def test_observe_many_equals_observing_one_by_one(batches: list[list[float]]) -> None:
    one_by_one = Histogram("one_seconds", "One at a time.", ["topic"], buckets=LATENCY_BUCKETS, registry=None)
    batched = BatchHistogram("one_seconds", "One at a time.", ["topic"], buckets=LATENCY_BUCKETS, registry=None)
    one, many = one_by_one.labels("t"), batched.labels("t")
    for batch in batches:
        for amount in batch:
            one.observe(amount)
        many.observe_many(batch)
    expected, got = _samples(one_by_one), _samples(batched)
    assert expected.keys() == got.keys()
    magnitude = sum(abs(x) for batch in batches for x in batch if math.isfinite(x))
    for key, value in expected.items():
        if key[0].endswith("_sum") and len(batches) > 1:
            # one addition per batch instead of per value: equal up to float rounding, which grows with the
            # magnitude of the terms (not of the result: large terms may cancel)
            assert _same(value, got[key]) or math.isclose(value, got[key], rel_tol=1e-9, abs_tol=1e-12 * magnitude)
        else:
            assert _same(value, got[key]), key


def test_the_delivery_histogram_is_exposed_as_before() -> None:
    registry = CollectorRegistry()
    histogram = BatchHistogram("baystream_x_seconds", "X.", ["topic"], buckets=LATENCY_BUCKETS, registry=registry)
    histogram.labels("gate-moves").observe_many([0.002, 0.004])
    assert registry.get_sample_value("baystream_x_seconds_count", {"topic": "gate-moves"}) == 2
    assert registry.get_sample_value("baystream_x_seconds_bucket", {"topic": "gate-moves", "le": "0.0025"}) == 1
    assert registry.get_sample_value("baystream_x_seconds_sum", {"topic": "gate-moves"}) == 0.006
    assert isinstance(DELIVERY_SECONDS, BatchHistogram)
    assert DELIVERY_SECONDS._type == "histogram"


@given(st.lists(st.tuples(st.sampled_from([0.0, 0.3, 1.0, 7.5, 1e4, math.inf]), st.integers(1, 50)), max_size=20))
def test_observe_counted_equals_observing_each_value_as_often_as_its_count(pairs: list[tuple[float, int]]) -> None:
    """The processing lag: arrival times with their numbers of events (a backlog shares few arrival times)."""
    one_by_one = Histogram("lag_seconds", "One at a time.", buckets=LAG_BUCKETS, registry=None)
    counted = BatchHistogram("lag_seconds", "One at a time.", buckets=LAG_BUCKETS, registry=None)
    for amount, n in pairs:
        for _ in range(n):
            one_by_one.observe(amount)
    counted.observe_counted(pairs)
    expected, got = _samples(one_by_one), _samples(counted)
    assert expected.keys() == got.keys()
    for key, value in expected.items():
        assert _same(value, got[key]) or math.isclose(value, got[key], rel_tol=1e-9), key
