"""A discrete-event scheduler: a heap of (time in ms, sequence, action, argument); ties keep insertion order."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from typing import Any

Action = Callable[[Any], None]


class Scheduler:
    """Runs actions in time order; `now` is the time of the action being run (integer epoch milliseconds)."""

    def __init__(self, start_ms: int):
        self.now = start_ms
        self._heap: list[tuple[int, int, Action, Any]] = []
        self._seq = 0

    def at(self, when_ms: int, action: Action, arg: Any = None) -> None:
        """Run `action(arg)` at `when_ms` (never before now)."""
        self._seq += 1
        heapq.heappush(self._heap, (max(when_ms, self.now), self._seq, action, arg))

    def after(self, delay_ms: float, action: Action, arg: Any = None) -> None:
        """Run `action(arg)` `delay_ms` (>= 0) from now."""
        self._seq += 1
        heapq.heappush(self._heap, (self.now + int(delay_ms), self._seq, action, arg))

    def step_until(self, end_ms: int) -> bool:
        """Run the next action if it is due before `end_ms`; False when none is."""
        if not self._heap or self._heap[0][0] >= end_ms:
            return False
        when, _, action, arg = heapq.heappop(self._heap)
        self.now = when
        action(arg)
        return True

    def run(self, end_ms: int, out: list[Any]) -> Iterator[Any]:
        """Run every action due before `end_ms`, yielding what each one appended to `out` (then cleared)."""
        heap, pop = self._heap, heapq.heappop
        while heap and heap[0][0] < end_ms:
            when, _, action, arg = pop(heap)
            self.now = when
            action(arg)
            if out:
                yield from out
                out.clear()
