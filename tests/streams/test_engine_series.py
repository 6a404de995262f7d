"""The engine's bucketed series (streams/engine/series.py) against a plain model: whatever order samples come
in, windows move and buckets are pruned, the kept sums and histograms are those of the buckets still held,
and a prune from the floor drops exactly what a scan of every bucket would."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from baystream.streams.engine.series import Histogram, Samples, Tally, add_sample, remove_sample

BUCKETS = st.integers(min_value=0, max_value=400)
STEPS = st.lists(
    st.tuples(st.sampled_from(["add", "remove", "window", "prune"]), BUCKETS, st.integers(0, 30)), max_size=120
)


@given(STEPS)
def test_samples_keep_the_sums_of_their_window_and_prune_what_a_scan_would(steps: list[tuple[str, int, int]]) -> None:
    series, model = Samples(), Counter[int]()
    counts = Counter[int]()
    start = None
    for action, bucket, value in steps:
        if action == "add":
            add_sample(series, bucket, value)
            model[bucket] += value
            counts[bucket] += 1
        elif action == "remove" and counts[bucket]:
            remove_sample(series, bucket, min(value, model[bucket]))
            counts[bucket] -= 1
            model[bucket] -= min(value, model[bucket]) if counts[bucket] else model[bucket]  # the last: all of it
        elif action == "window":
            start = bucket
            kept = [b for b in counts if b >= start and counts[b]]
            assert series.window(start) == (sum(counts[b] for b in kept), sum(model[b] for b in kept))
        elif action == "prune":
            series.prune(bucket)
            for old in [b for b in counts if b < bucket]:
                del counts[old], model[old]
        assert set(series.cells) == {b for b in counts if counts[b]}
        assert all(b >= series.floor for b in series.cells)


@given(STEPS)
def test_a_tally_prunes_from_its_floor_what_a_scan_would(steps: list[tuple[str, int, int]]) -> None:
    tally, model = Tally(limits=1), Counter[int]()
    for action, bucket, value in steps:
        if action == "add":
            tally.add(bucket, value + 1)
            model[bucket] += value + 1
        elif action == "window":
            assert tally.since(0, bucket) == sum(n for b, n in model.items() if b >= bucket)
        elif action == "prune":
            tally.prune(bucket)
            for old in [b for b in model if b < bucket]:
                del model[old]
        assert tally.cells == {b: n for b, n in model.items() if n}
        assert tally.total == sum(model.values())
        assert all(b >= tally.floor for b in tally.cells)


@given(STEPS)
def test_a_histogram_keeps_the_counts_of_its_window(steps: list[tuple[str, int, int]]) -> None:
    histogram, model = Histogram(), Counter[tuple[int, int]]()
    for action, minute, value in steps:
        if action == "add":
            histogram.add(minute, value)
            model[minute, value] += 1
        elif action == "window":
            expected = Counter[int]()
            for (m, v), n in model.items():
                if m >= minute:
                    expected[v] += n
            assert histogram.window(minute) == dict(expected)
        elif action == "prune":
            histogram.prune(minute)
            for key in [key for key in model if key[0] < minute]:
                del model[key]
        assert {(m, v): n for m, bins in histogram.cells.items() for v, n in bins.items()} == dict(model)
        assert all(m >= histogram.floor for m in histogram.cells)


def test_a_histogram_built_from_cells_counts_them_all() -> None:
    histogram = Histogram({5: {3: 2, 4: 1}, 9: {3: 1}})
    assert histogram.window(0) == {3: 3, 4: 1}
    assert histogram.window(6) == {3: 1}
    assert histogram.window(2) == {3: 3, 4: 1}  # backwards: summed again
