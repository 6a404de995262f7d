"""Time-bucketed aggregates: the additive form every windowed indicator travels in.

Times are integer milliseconds of event time. Completions are bucketed by the time they happened (whole
minutes for the 60-minute windows, quarter hours for the 24-hour ones), so partial aggregates of several
engines add up exactly (integer sums) and a window can be applied later, by the combiner, relative to the
newest watermark of all engines. A window of W buckets is the bucket of "now" and the W - 1 before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

MINUTE_MS: Final = 60_000
HOUR_MS: Final = 3_600_000
DAY_MS: Final = 86_400_000
QUARTER_MS: Final = 900_000
HOUR_MINUTES: Final = 60
DAY_MINUTES: Final = 1440
DAY_QUARTERS: Final = 96

FAR_PAST: Final = -(2**62)
"""A bucket before any other: a window from here holds every bucket."""
FAR_FUTURE: Final = 2**62 - 1
"""A bucket after any other: the floor of no buckets."""


def epoch_ms(when: datetime) -> int:
    """Milliseconds since the epoch of a decoded (aware) time, to the nearest, as the engine takes `event_time`
    (typed: compiled, what follows is integer arithmetic, not calls on objects; `int`, not `round`, which
    compiled is a lookup of the builtin and of the float's method per call)."""
    return int(when.timestamp() * 1000 + 0.5)


class Samples:
    """bucket -> [count, sum of durations in ms] (`cells`), with the sums over the buckets from `start` on kept
    as samples come and go: a window's figures are read at once (`window`) instead of summed over its buckets
    at every level check (docs/benchmarks.md). A class holding a dict, not a dict subclass: compiled, its
    fields and methods are native."""

    __slots__ = ("cells", "count", "floor", "start", "total")

    def __init__(self, cells: dict[int, list[int]] | None = None):
        self.cells: dict[int, list[int]] = cells if cells is not None else {}
        self.floor = lowest(self.cells)
        """No bucket lies below it (`prune` then visits only the buckets it drops)."""
        self.start = FAR_PAST
        self.count = sum([cell[0] for cell in self.cells.values()])
        self.total = sum([cell[1] for cell in self.cells.values()])

    def window(self, start: int) -> tuple[int, int]:
        """(count, sum) of the buckets from `start` on. The kept sums move there: forward by the buckets left
        behind, backward (rare: a newer watermark asked first) by summing them all again."""
        cells = self.cells
        if start > self.start:
            for bucket in buckets_between(cells, self.start, start):
                cell = cells[bucket]
                self.count -= cell[0]
                self.total -= cell[1]
        elif start < self.start:
            self.count = sum([cell[0] for bucket, cell in cells.items() if bucket >= start])
            self.total = sum([cell[1] for bucket, cell in cells.items() if bucket >= start])
        self.start = start
        return self.count, self.total

    def prune(self, oldest_kept: int) -> None:
        """Drop the buckets older than `oldest_kept`, and their part of the kept sums."""
        cells = self.cells
        for bucket in buckets_between(cells, self.floor, oldest_kept):
            cell = cells.pop(bucket)
            if bucket >= self.start:
                self.count -= cell[0]
                self.total -= cell[1]
        self.floor = max(self.floor, oldest_kept)


def lowest(cells: Mapping[int, object]) -> int:
    """A floor for `cells`: their lowest bucket, FAR_FUTURE when there is none."""
    return min(cells) if cells else FAR_FUTURE


def buckets_between(cells: Mapping[int, object], low: int, high: int) -> list[int]:
    """The buckets of `cells` from `low` up to (not including) `high`: looked up one by one when there are
    fewer of those than of cells, else found by visiting every cell. Windows move and prunes drop a few buckets
    at a time; a prune from a series' floor (no bucket below it) visited every bucket before, and that was a
    tenth of a replay's engine time (docs/benchmarks.md)."""
    if high <= low:
        return []
    if high - low <= len(cells):
        return [bucket for bucket in range(low, high) if bucket in cells]
    return [bucket for bucket in cells if low <= bucket < high]


def add_sample(series: Samples, minute: int, value: int) -> None:
    cell = series.cells.get(minute)
    if cell is None:
        series.cells[minute] = [1, value]
        if minute < series.floor:
            series.floor = minute
    else:
        cell[0] += 1
        cell[1] += value
    if minute >= series.start:
        series.count += 1
        series.total += value


def remove_sample(series: Samples, minute: int, value: int) -> None:
    cell = series.cells.get(minute)
    if cell is None:
        return
    count, total = cell
    cell[0] -= 1
    cell[1] -= value
    if cell[0] <= 0:
        del series.cells[minute]
    else:
        count, total = 1, value
    if minute >= series.start:
        series.count -= count
        series.total -= total


class Histogram:
    """minute -> {value: count} (`cells`), with the counts by value over the minutes from `start` on kept as
    values come and minutes go, as `Samples` keeps its sums: a window's histogram (the turn-time p90's) is read
    at once (`window`) instead of merging its minutes at every level check (docs/benchmarks.md)."""

    __slots__ = ("cells", "floor", "start", "sums")

    def __init__(self, cells: dict[int, dict[int, int]] | None = None):
        self.cells: dict[int, dict[int, int]] = cells if cells is not None else {}
        self.floor = lowest(self.cells)
        """No minute lies below it (as `Samples.floor`)."""
        self.start = FAR_PAST
        self.sums: dict[int, int] = {}
        for bins in self.cells.values():
            self._put(bins, 1)

    def add(self, minute: int, value: int) -> None:
        bins = self.cells.get(minute)
        if bins is None:
            bins = self.cells[minute] = {}
            if minute < self.floor:
                self.floor = minute
        bins[value] = bins.get(value, 0) + 1
        if minute >= self.start:
            self.sums[value] = self.sums.get(value, 0) + 1

    def window(self, start: int) -> dict[int, int]:
        """The counts by value of the minutes from `start` on (the kept dict: read it, do not keep it)."""
        cells = self.cells
        if start > self.start:
            for minute in buckets_between(cells, self.start, start):
                self._put(cells[minute], -1)
        elif start < self.start:
            self.sums = {}
            for minute, bins in cells.items():
                if minute >= start:
                    self._put(bins, 1)
        self.start = start
        return self.sums

    def _put(self, bins: dict[int, int], sign: int) -> None:
        """Add (1) or take away (-1) one minute's counts from the kept ones."""
        sums = self.sums
        for value, n in bins.items():
            left = sums.get(value, 0) + sign * n
            if left:
                sums[value] = left
            else:
                del sums[value]

    def prune(self, oldest_kept: int) -> None:
        """Drop the minutes older than `oldest_kept`, and their part of the kept counts."""
        cells = self.cells
        for minute in buckets_between(cells, self.floor, oldest_kept):
            bins = cells.pop(minute)
            if minute >= self.start:
                self._put(bins, -1)
        self.floor = max(self.floor, oldest_kept)


Counts = dict[int, int]
"""bucket -> count"""


class Tally:
    """bucket -> count (`cells`), with the sum of all counts and the sums up to a few moving limits kept as
    counts change: what a level check reads at once instead of summing the buckets (docs/benchmarks.md)."""

    __slots__ = ("below", "cells", "floor", "limits", "total")

    def __init__(self, cells: Counts | None = None, limits: int = 0):
        self.cells: Counts = cells if cells is not None else {}
        self.floor = lowest(self.cells)
        """No bucket lies below it (as `Samples.floor`)."""
        self.total = sum(self.cells.values())
        self.limits = [FAR_PAST] * limits
        self.below = [0] * limits

    def add(self, bucket: int, by: int = 1) -> None:
        cells = self.cells
        n = cells.get(bucket, 0) + by
        if n:
            cells[bucket] = n
            if bucket < self.floor:
                self.floor = bucket
        else:
            del cells[bucket]
        self.total += by
        limits = self.limits
        for i in range(len(limits)):
            if bucket <= limits[i]:
                self.below[i] += by

    def upto(self, mark: int, limit: int) -> int:
        """The sum of the counts of the buckets up to `limit`; limit number `mark` moves there."""
        old = self.limits[mark]
        if limit != old:
            cells = self.cells
            low, high = min(old, limit), max(old, limit)
            if high - low <= len(cells):
                moved = sum([cells.get(bucket, 0) for bucket in range(low + 1, high + 1)])
            else:
                moved = sum([n for bucket, n in cells.items() if low < bucket <= high])
            self.below[mark] += moved if limit > old else -moved
            self.limits[mark] = limit
        return self.below[mark]

    def since(self, mark: int, oldest: int) -> int:
        """The sum of the counts of the buckets from `oldest` on (through limit `mark`)."""
        return self.total - self.upto(mark, oldest - 1)

    def prune(self, oldest_kept: int) -> None:
        """Drop the buckets older than `oldest_kept`, and their part of the kept sums."""
        cells = self.cells
        for bucket in buckets_between(cells, self.floor, oldest_kept):
            n = cells.pop(bucket)
            self.total -= n
            for i, limit in enumerate(self.limits):
                if bucket <= limit:
                    self.below[i] -= n
        self.floor = max(self.floor, oldest_kept)


def add_count(counts: Counts, minute: int, by: int = 1) -> None:
    counts[minute] = counts.get(minute, 0) + by
    if counts[minute] == 0:
        del counts[minute]


def prune(series: Mapping[int, object], oldest_kept: int) -> None:
    """Drop the buckets older than `oldest_kept` (a bucket index)."""
    stale = [minute for minute in series if minute < oldest_kept]
    for minute in stale:
        del series[minute]  # type: ignore[attr-defined]


def samples_out(series: Samples, oldest: int) -> list[int]:
    """JSON form, flat (few allocations): [bucket, count, sum_ms, bucket, count, sum_ms, ...] from `oldest` on."""
    out: list[int] = []
    extend = out.extend
    for bucket, cell in series.cells.items():
        if bucket >= oldest:
            extend((bucket, cell[0], cell[1]))
    return out


def samples_in(flat: list[int]) -> Samples:
    return Samples({int(flat[i]): [int(flat[i + 1]), int(flat[i + 2])] for i in range(0, len(flat), 3)})


def counts_out(counts: Counts, oldest: int) -> list[int]:
    """JSON form, flat: [bucket, count, bucket, count, ...] from `oldest` on."""
    out: list[int] = []
    extend = out.extend
    for bucket, n in counts.items():
        if bucket >= oldest:
            extend((bucket, n))
    return out


def counts_in(flat: list[int]) -> Counts:
    return {int(flat[i]): int(flat[i + 1]) for i in range(0, len(flat), 2)}


def tally_in(flat: list[int], limits: int) -> Tally:
    return Tally(counts_in(flat), limits)


def triples(flat: list[int]) -> zip[tuple[int, int, int]]:
    """Read a flat [a, b, c, a, b, c, ...] list three at a time."""
    it = iter(flat)
    return zip(it, it, it, strict=True)


def pairs(flat: list[int]) -> zip[tuple[int, int]]:
    it = iter(flat)
    return zip(it, it, strict=True)
