"""Rail yards (on-dock at a terminal, or the near-dock ICTF): containers ready for a train, per railroad.

Trains leave on a fixed cadence and take the oldest ready containers up to their capacity; a train is
not run for fewer than `min_load` containers unless some have waited two days.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class RailQueue:
    yard: str
    port: str
    railroad: str
    cadence_ms: int
    capacity: int
    min_load: int
    ready: deque[tuple[str, int]] = field(default_factory=deque)
    """(container id, ready time ms) in ready order."""

    def build_train(self, now_ms: int, capacity: int, max_wait_ms: int) -> list[str]:
        """Container ids of the next train (empty: no train this slot)."""
        if not self.ready or capacity <= 0:
            return []
        if len(self.ready) < min(self.min_load, capacity) and now_ms - self.ready[0][1] < max_wait_ms:
            return []
        count = min(capacity, len(self.ready))
        return [self.ready.popleft()[0] for _ in range(count)]
