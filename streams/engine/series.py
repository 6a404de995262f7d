"""Minute-bucketed aggregates: the additive form every windowed indicator travels in.

Times are integer milliseconds of event time and buckets are whole minutes (`ms // 60_000`), so partial
aggregates of several engines add up exactly (integer sums) and a window ("the last 60 minutes") can be
applied later, by the combiner, relative to the newest watermark of all engines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
HOUR_MINUTES = 60
DAY_MINUTES = 1440

Samples = dict[int, list[int]]
"""minute -> [count, sum of durations in ms]"""
Counts = dict[int, int]
"""minute -> count"""


def add_sample(series: Samples, minute: int, value: int) -> None:
    cell = series.get(minute)
    if cell is None:
        series[minute] = [1, value]
    else:
        cell[0] += 1
        cell[1] += value


def remove_sample(series: Samples, minute: int, value: int) -> None:
    cell = series.get(minute)
    if cell is None:
        return
    cell[0] -= 1
    cell[1] -= value
    if cell[0] <= 0:
        del series[minute]


def add_count(counts: Counts, minute: int, by: int = 1) -> None:
    counts[minute] = counts.get(minute, 0) + by
    if counts[minute] == 0:
        del counts[minute]


def prune(series: Mapping[int, object], oldest_kept: int) -> None:
    """Drop the buckets older than `oldest_kept` (a minute index)."""
    stale = [minute for minute in series if minute < oldest_kept]
    for minute in stale:
        del series[minute]  # type: ignore[attr-defined]


def samples_out(series: Samples, oldest: int) -> list[list[int]]:
    """JSON form: [[minute, count, sum_ms], ...] of the buckets at or after `oldest`."""
    return [[minute, cell[0], cell[1]] for minute, cell in series.items() if minute >= oldest]


def samples_in(rows: Iterable[list[int]]) -> Samples:
    return {int(row[0]): [int(row[1]), int(row[2])] for row in rows}


def counts_out(counts: Counts, oldest: int) -> list[list[int]]:
    return [[minute, n] for minute, n in counts.items() if minute >= oldest]


def counts_in(rows: Iterable[list[int]]) -> Counts:
    return {int(row[0]): int(row[1]) for row in rows}
