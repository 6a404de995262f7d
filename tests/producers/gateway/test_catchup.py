"""The catch-up rounds of the idempotency memory: a sync waits for the reader to reach the ends as they were
when it was called, concurrent syncs share one end-offsets query, and a memory that cannot catch up says so.

Pure asyncio: the end offsets come from a function of the test and the reader's progress from `advance()`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest

from baystream.producers.gateway.tail import Catchup, MemoryUnavailable, Partition

P0, P1 = ("gate-moves", 0), ("gate-moves", 1)


class Ends:
    """End offsets the test moves; each query can be held until the test releases it."""

    def __init__(self, **ends: int):
        self.now = {P0: ends.get("p0", 0), P1: ends.get("p1", 0)}
        self.asked: list[list[Partition]] = []
        self.hold = asyncio.Event()
        self.hold.set()
        self.failure: Exception | None = None

    async def __call__(self, partitions: list[Partition]) -> dict[Partition, int]:
        self.asked.append(sorted(partitions))
        taken = dict(self.now)  # taken when asked, answered when released
        await self.hold.wait()
        if self.failure is not None:
            raise self.failure
        return {tp: taken[tp] for tp in partitions}


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    asyncio.run(asyncio.wait_for(coroutine, 10))


async def turns(n: int = 5) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def test_a_sync_waits_for_the_reader_to_reach_the_ends() -> None:
    async def scenario() -> None:
        ends = Ends(p0=5, p1=2)
        catchup = Catchup(ends, timeout_s=5)
        catchup.advance({P0: 3, P1: 2})
        sync = asyncio.create_task(catchup.sync())
        await turns()
        assert not sync.done() and ends.asked == [[P0, P1]]
        catchup.advance({P0: 4})
        await turns()
        assert not sync.done()
        catchup.advance({P0: 5})
        await sync
        await catchup.sync()  # already there: answered by the next query at once
        assert len(ends.asked) == 2

    run(scenario())


def test_nothing_is_answered_before_the_reader_has_started() -> None:
    async def scenario() -> None:
        ends = Ends()
        catchup = Catchup(ends, timeout_s=5)
        sync = asyncio.create_task(catchup.sync())
        await turns()
        assert not sync.done() and ends.asked == []
        catchup.advance({P0: 0, P1: 0})
        await sync

    run(scenario())


def test_syncs_arriving_during_a_query_share_the_next_one_and_never_use_an_older_one() -> None:
    async def scenario() -> None:
        ends = Ends(p0=5)
        catchup = Catchup(ends, timeout_s=5)
        catchup.advance({P0: 0, P1: 0})
        ends.hold.clear()
        first = asyncio.create_task(catchup.sync())
        await turns()
        assert len(ends.asked) == 1  # in flight, with the ends as they were: p0 = 5
        ends.now[P0] = 8  # records acknowledged after the first query was sent
        later = [asyncio.create_task(catchup.sync()) for _ in range(20)]
        await turns()
        assert len(ends.asked) == 1
        ends.hold.set()
        catchup.advance({P0: 5})
        await first
        await turns()
        assert len(ends.asked) == 2  # one query for the twenty
        assert not any(t.done() for t in later)  # p0 = 5 does not answer a request that arrived when it was 8
        catchup.advance({P0: 8})
        await asyncio.gather(*later)
        assert catchup.queries == 2

    run(scenario())


def test_a_reader_that_does_not_catch_up_in_time_is_unavailable() -> None:
    async def scenario() -> None:
        catchup = Catchup(Ends(p0=5), timeout_s=0.05, problem=lambda: "reading gate-moves[0]: broker down")
        catchup.advance({P0: 1, P1: 0})
        with pytest.raises(MemoryUnavailable, match="broker down"):
            await catchup.sync()
        catchup.advance({P0: 5})  # late: the next sync is answered
        await catchup.sync()

    run(scenario())


def test_end_offsets_that_cannot_be_read_make_it_unavailable() -> None:
    async def scenario() -> None:
        ends = Ends()
        ends.failure = RuntimeError("Broker: Not leader for partition")
        catchup = Catchup(ends, timeout_s=5)
        catchup.advance({P0: 0, P1: 0})
        with pytest.raises(MemoryUnavailable, match="end offsets: Broker: Not leader"):
            await catchup.sync()
        ends.failure = None
        await catchup.sync()

    run(scenario())


def test_without_a_problem_the_timeout_is_named() -> None:
    async def scenario() -> None:
        catchup = Catchup(Ends(p0=1), timeout_s=0.05)
        catchup.advance({P0: 0, P1: 0})
        with pytest.raises(MemoryUnavailable, match=r"not caught up with the input topics within 0\.05s"):
            await catchup.sync()

    run(scenario())
