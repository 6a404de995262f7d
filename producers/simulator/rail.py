"""Rail yards (on-dock at a terminal, or the near-dock ICTF): containers ready for a train, per railroad.

Trains leave on a fixed cadence and take the oldest ready containers up to their capacity; a train is
not run for fewer than `min_load` containers unless some have waited two days.
"""

from __future__ import annotations

import heapq
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
    coming: list[tuple[int, int, str]] = field(default_factory=list)
    """Heap of (ready time ms, arrival number, container id) of containers not ready yet."""
    arrivals: int = 0

    def add(self, container_id: str, ready_ms: int) -> None:
        """A container that will be ready for a train at `ready_ms` (a heap entry, not a scheduled action:
        the yard only looks at its containers when a train is due)."""
        self.arrivals += 1
        heapq.heappush(self.coming, (ready_ms, self.arrivals, container_id))

    def build_train(self, now_ms: int, capacity: int, max_wait_ms: int) -> list[str]:
        """Container ids of the next train (empty: no train this slot)."""
        coming = self.coming
        while coming and coming[0][0] <= now_ms:
            ready_ms, _, container_id = heapq.heappop(coming)
            self.ready.append((container_id, ready_ms))
        if not self.ready or capacity <= 0:
            return []
        if len(self.ready) < min(self.min_load, capacity) and now_ms - self.ready[0][1] < max_wait_ms:
            return []
        count = min(capacity, len(self.ready))
        return [self.ready.popleft()[0] for _ in range(count)]
