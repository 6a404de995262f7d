"""Event ids accepted recently, remembered for a window so a retried batch is not published twice.

Bounded in time (`window_s`) and in size (`max_entries`, the earliest remembered forgotten first); the
caller supplies the clock. Keys may be remembered at a time in the past and out of time order (tail.py
reads them back from the log, from several partitions at their own pace): each key carries its own expiry,
checked on every lookup, so the time bound holds exactly whatever the order; the time-ordered front is
pruned as it expires. Downstream, the stream processors deduplicate by event_id as well: this only keeps
retries off the backbone.
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
        """key -> when it is forgotten; in insertion order (expiry order when remembered in time order)."""

    def _prune(self, now: float) -> None:
        while self._expiry:
            key, expires = next(iter(self._expiry.items()))
            if expires > now and len(self._expiry) <= self.max_entries:
                return
            del self._expiry[key]

    def seen(self, key: Hashable, now: float) -> bool:
        """True when `key` was remembered less than `window_s` before `now`."""
        self._prune(now)
        expires = self._expiry.get(key)
        return expires is not None and expires > now

    def add(self, key: Hashable, at: float) -> None:
        """Remember `key` as accepted at `at`, possibly in the past; the later of two acceptances counts."""
        expires = at + self.window_s
        known = self._expiry.pop(key, None)
        self._expiry[key] = expires if known is None or known < expires else known
        if len(self._expiry) > self.max_entries:
            self._expiry.popitem(last=False)

    def remember(self, keys: Iterable[Hashable], now: float) -> None:
        """Remember `keys` as accepted at `now` (a key seen again starts a new window)."""
        for key in keys:
            self.add(key, now)
        self._prune(now)

    def __len__(self) -> int:
        return len(self._expiry)
