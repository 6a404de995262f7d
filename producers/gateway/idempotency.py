"""Event ids accepted recently, remembered for a window so a retried batch is not published twice.

Bounded in time (`window_s`) and in size (`max_entries`, oldest forgotten first); the caller supplies the
clock. Downstream, the stream processors deduplicate by event_id as well: this only keeps retries off the
backbone.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable


class IdempotencyWindow:
    """Keys seen within the last `window_s` seconds."""

    def __init__(self, window_s: float, max_entries: int = 1_000_000):
        if window_s < 0 or max_entries < 1:
            raise ValueError("idempotency window: window_s must be >= 0 and max_entries >= 1")
        self.window_s = window_s
        self.max_entries = max_entries
        self._expiry: OrderedDict[Hashable, float] = OrderedDict()
        """key -> when it is forgotten; in insertion order, which is expiry order (one window for all)."""

    def _prune(self, now: float) -> None:
        while self._expiry:
            key, expires = next(iter(self._expiry.items()))
            if expires > now and len(self._expiry) <= self.max_entries:
                return
            del self._expiry[key]

    def seen(self, key: Hashable, now: float) -> bool:
        """True when `key` was remembered less than `window_s` ago."""
        self._prune(now)
        return key in self._expiry

    def remember(self, keys: Iterable[Hashable], now: float) -> None:
        """Remember `keys` as accepted at `now` (a key seen again starts a new window)."""
        for key in keys:
            self._expiry.pop(key, None)
            self._expiry[key] = now + self.window_s
        self._prune(now)

    def __len__(self) -> int:
        return len(self._expiry)
