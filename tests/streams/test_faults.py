"""The core of the fault campaign's quick mode (bench/faults.py) on every engine: nothing lost, nothing twice.

A worker SIGKILLed twice at random moments (restarted each time) while the events arrive in chunks, then
`congestion-latest` and the worker's event counts compared with the replay; the gateway SIGKILLed with
batches in flight, every batch retried, each event id on its topic exactly once; on Kafka also the leader
of a checkpoint changelog partition killed and restarted under a running worker. The whole campaign (more
kills, rebalances, a full cluster restart, a saturated machine): `bench/faults.py`, docs/reliability.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.faults import Arena, Context, run_campaign, summary
from tests.brokers import EngineUnderTest


def test_killed_workers_brokers_and_gateway_lose_nothing_and_count_nothing_twice(
    engine: EngineUnderTest, tmp_path: Path
) -> None:
    if engine.name == "external":
        pytest.skip("an external cluster (BAYSTREAM_TEST_BOOTSTRAP) is not the tests' to kill")
    kafka = engine.name == "kafka"
    arena = Arena("kafka", engine.broker) if kafka else Arena("tansu")
    lines: list[str] = []
    context = Context(arena, seed=1, hours=12, logs=tmp_path, quick=True, say=lines.append)
    outcomes = run_campaign(context, (1, 3, 4) if kafka else (1, 4), kills=2)
    report = [*lines, summary(outcomes)]
    assert not any(outcome.failed for outcome in outcomes), report
    assert sum(o.lost for o in outcomes) == 0 and sum(o.twice for o in outcomes) == 0, report
    assert sum(o.worker_kills for o in outcomes) >= 1, report  # (a worker that exits by itself is not killed)
    assert sum(o.gateway_kills for o in outcomes) == 1, report
    assert sum(o.broker_kills for o in outcomes) == (1 if kafka else 0), report
