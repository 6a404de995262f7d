"""The gray chassis pool (Pool of Pools): chassis on hand per location and size, in or out of service.

Pure state; the model emits the CHECKOUT/RETURN events. A chassis is either available at a location,
under repair at a location (returned out of service), or out on the street.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections import deque
from itertools import accumulate
from typing import Final

from baystream.producers.simulator.facilities import CHASSIS_PROVIDERS
from baystream.producers.simulator.identities import Identities

SIZES: Final = ("20", "40", "45")
SIZE_SHARES: Final = (0.2, 0.75, 0.05)


class Chassis:
    """One pool chassis (a plain class, not a dataclass: see model.Box)."""

    __slots__ = ("id", "provider", "size", "source")

    def __init__(self, id: str, provider: str, source: str, size: str):
        self.id = id
        self.provider = provider
        self.source = source
        self.size = size


class ChassisPool:
    """Available chassis per (location, size), FIFO so wear spreads over the fleet."""

    def __init__(self, rng: random.Random, ids: Identities, counts: dict[str, int], fleet_factor: float = 1.0):
        """`counts`: chassis per location at full strength; `fleet_factor` scales every count (a shortage)."""
        self.available: dict[tuple[str, str], deque[Chassis]] = {
            (loc, size): deque() for loc in counts for size in SIZES
        }
        total = sum(counts.values())
        self.shares = {loc: n / total for loc, n in counts.items()}
        self.out_of_service = 0
        """Chassis under repair (returned out of service): in the fleet, not available anywhere."""
        self.fleet: list[tuple[Chassis, str]] = []
        """Every chassis and its first location, in issue order."""
        provider_cum = list(accumulate(p[3] for p in CHASSIS_PROVIDERS))
        size_cum = list(accumulate(SIZE_SHARES))
        random = rng.random
        for location, count in counts.items():
            for _ in range(round(count * fleet_factor)):
                provider, prefix, source, _ = CHASSIS_PROVIDERS[bisect(provider_cum, random() * provider_cum[-1])]
                size = SIZES[bisect(size_cum, random() * size_cum[-1])]
                self.fleet.append((Chassis(ids.chassis_id(prefix), provider, source, size), location))

    def take(self, location: str, size: str) -> Chassis | None:
        """An in-service chassis of `size` at `location`, or None (a shortage)."""
        stock = self.available[(location, size)]
        return stock.popleft() if stock else None

    def put(self, location: str, chassis: Chassis) -> None:
        self.available[(location, chassis.size)].append(chassis)

    def stock_ratio(self, location: str, size: str) -> float:
        """Chassis of `size` available at `location` for each unit of its share of the fleet."""
        return len(self.available[(location, size)]) / max(self.shares[location], 1e-9)
