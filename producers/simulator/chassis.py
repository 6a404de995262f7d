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
REPOSITION_SLACK: Final = 0.15
"""A location within 15% of its share of the stock is left alone by the nightly repositioning."""


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

    def surplus_moves(self, limit: int) -> list[tuple[str, str, str, int]]:
        """Repositioning plan: (from, to, size, count) moving stock toward each location's share, per size."""
        moves: list[tuple[str, str, str, int]] = []
        for size in SIZES:
            counts = {loc: len(self.available[(loc, size)]) for loc in self.shares}
            total = sum(counts.values())
            excess = {loc: counts[loc] - int(total * share) for loc, share in self.shares.items()}
            slack = {loc: int(total * share * REPOSITION_SLACK) for loc, share in self.shares.items()}
            excess = {loc: n - slack[loc] if n > 0 else n + slack[loc] for loc, n in excess.items()}
            givers = [(loc, n) for loc, n in excess.items() if n > 0]
            takers = [(loc, -n) for loc, n in excess.items() if n < 0]
            for taker, need in takers:
                while need > 0 and givers and limit > 0:
                    giver, have = givers[0]
                    count = min(need, have, limit)
                    moves.append((giver, taker, size, count))
                    need -= count
                    limit -= count
                    if have - count > 0:
                        givers[0] = (giver, have - count)
                    else:
                        givers.pop(0)
        return moves
