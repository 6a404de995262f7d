"""The idempotency window: remembered for window_s, then forgotten; bounded in size."""

from __future__ import annotations

from baystream.producers.gateway.idempotency import IdempotencyWindow


def test_remembered_within_the_window_only() -> None:
    window = IdempotencyWindow(window_s=10.0)
    window.remember(["a", "b"], now=100.0)
    assert window.seen("a", 105.0)
    assert not window.seen("c", 105.0)
    assert window.seen("b", 109.9)
    assert not window.seen("a", 110.0)
    assert len(window) == 0


def test_seen_again_starts_a_new_window() -> None:
    window = IdempotencyWindow(window_s=10.0)
    window.remember(["a", "b"], now=0.0)
    window.remember(["a"], now=8.0)
    assert window.seen("a", 12.0)
    assert not window.seen("b", 12.0)


def test_oldest_forgotten_first_beyond_the_size_bound() -> None:
    window = IdempotencyWindow(window_s=60.0, max_entries=3)
    window.remember(["a", "b", "c", "d"], now=0.0)
    assert [window.seen(k, 1.0) for k in "abcd"] == [False, True, True, True]


def test_keys_are_scoped_by_whatever_the_caller_uses() -> None:
    window = IdempotencyWindow(window_s=60.0)
    window.remember([("party-1", "id")], now=0.0)
    assert window.seen(("party-1", "id"), 1.0)
    assert not window.seen(("party-2", "id"), 1.0)


def test_remembered_in_the_past_and_out_of_order_each_key_keeps_its_own_window() -> None:
    """Keys read back from the log carry their records' times, several partitions interleaved."""
    window = IdempotencyWindow(window_s=10.0)
    window.add("late", at=105.0)
    window.add("early", at=100.0)  # behind a later one: the front is not where it expires
    assert window.seen("early", 109.0) and window.seen("late", 109.0)
    assert not window.seen("early", 110.0)
    assert window.seen("late", 114.9)
    assert not window.seen("late", 115.0)


def test_the_later_of_two_acceptances_counts() -> None:
    window = IdempotencyWindow(window_s=10.0)
    window.add("a", at=8.0)
    window.add("a", at=3.0)  # an older copy read after a newer one does not shorten the window
    assert window.seen("a", 17.0)
    assert not window.seen("a", 18.0)


def test_the_size_bound_holds_for_keys_added_from_the_log() -> None:
    window = IdempotencyWindow(window_s=60.0, max_entries=2)
    for key, at in (("a", 3.0), ("b", 1.0), ("c", 2.0)):
        window.add(key, at)
    assert len(window) == 2
    assert [window.seen(k, 4.0) for k in "abc"] == [False, True, True]
