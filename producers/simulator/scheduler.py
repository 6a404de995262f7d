"""A discrete-event scheduler: actions run in time order (integer ms), ties in the order they were scheduled.

Two levels keep the heap small, which is most of the cost per event: actions due within the current
window (an hour) live in a heap; later ones (pickups days ahead, street returns, repairs) wait in a list
per window and are heapified when the clock reaches their window.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from typing import Any, Final

Action = Callable[[Any], None]
WINDOW_MS: Final = 3_600_000

Entry = tuple[int, int, Action, Any]


class Scheduler:
    """Runs actions in time order; `now` is the time of the action being run (integer epoch milliseconds)."""

    def __init__(self, start_ms: int):
        self.now = start_ms
        self._heap: list[Entry] = []
        self._later: dict[int, list[Entry]] = {}
        self._window = start_ms // WINDOW_MS
        self._horizon = (self._window + 1) * WINDOW_MS
        """Every entry in the heap is due before the horizon; every entry in `_later` at or after it."""
        self._seq = 0

    def at(self, when_ms: int, action: Action, arg: Any = None) -> None:
        """Run `action(arg)` at `when_ms` (never before now)."""
        self._push(max(when_ms, self.now), action, arg)

    def after(self, delay_ms: float, action: Action, arg: Any = None) -> None:
        """Run `action(arg)` `delay_ms` (>= 0) from now."""
        when = self.now + int(delay_ms)
        self._seq += 1
        if when < self._horizon:  # the common case, inlined: most delays are minutes
            heapq.heappush(self._heap, (when, self._seq, action, arg))
        else:
            self._push_later(when, action, arg)

    def _push(self, when: int, action: Action, arg: Any) -> None:
        self._seq += 1
        if when < self._horizon:
            heapq.heappush(self._heap, (when, self._seq, action, arg))
        else:
            self._push_later(when, action, arg)

    def _push_later(self, when: int, action: Action, arg: Any) -> None:
        """Park an entry (its sequence number already drawn) in the list of its window."""
        entry = (when, self._seq, action, arg)
        bucket = self._later.get(when // WINDOW_MS)
        if bucket is None:
            self._later[when // WINDOW_MS] = [entry]
        else:
            bucket.append(entry)

    def _refill(self) -> bool:
        """Move the next non-empty window into the (empty) heap; False when nothing is scheduled."""
        if not self._later:
            return False
        window = min(self._later)
        self._heap = self._later.pop(window)
        heapq.heapify(self._heap)
        self._window = window
        self._horizon = (window + 1) * WINDOW_MS
        return True

    def step_until(self, end_ms: int) -> bool:
        """Run the next action if it is due before `end_ms`; False when none is."""
        if not self._heap and not self._refill():
            return False
        if self._heap[0][0] >= end_ms:
            return False
        when, _, action, arg = heapq.heappop(self._heap)
        self.now = when
        action(arg)
        return True

    def run(self, end_ms: int, out: list[Any], chunk: int = 2048) -> Iterator[list[Any]]:
        """Run every action due before `end_ms`, yielding what the actions appended to `out` in lists of
        about `chunk` items (a list per item would cost more than many actions do)."""
        pop = heapq.heappop
        while True:
            heap = self._heap
            if not heap:
                if not self._refill():
                    break
                heap = self._heap
            while heap and heap[0][0] < end_ms:
                when, _, action, arg = pop(heap)
                self.now = when
                action(arg)
                if len(out) >= chunk:
                    yield out[:]
                    out.clear()
            if heap:
                break  # the next action is due at or after the end
        if out:
            yield out[:]
            out.clear()
