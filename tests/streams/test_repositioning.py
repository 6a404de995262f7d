"""After a restore, the worker applies records only once the consumer reads from where the restore ends.

Faust first seeks to the committed offsets; the worker then restores its state and moves the reading
positions to where that state ends (`IndicatorWorker.start_offsets`, then the seeks in the consumer thread).
A fetch taken between the two is at the committed offsets: applied, it moved a partition restored from its
start past everything before the committed offset, which was then skipped as already read (records lost,
seen as `processed 8464 of 8589` in the lost-checkpoint test on Kafka under load).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from faust.transport.drivers import aiokafka as faust_aiokafka

from baystream.infra.settings import Settings
from baystream.streams.app import create_app


def test_records_apply_again_only_once_the_consumer_has_sought(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings().with_overrides(bootstrap="127.0.0.1:1", app_id="repositioning", table_store="memory://")

    async def scenario() -> tuple[list[bool], bool]:
        built = create_app(settings)
        try:
            consumer = built.app.consumer
            ready_while_seeking: list[bool] = []

            class ConsumerThread:  # the seeks of the consumer thread, observed
                async def reposition(self, starts: Any) -> None:
                    return None

                async def call_thread(self, reposition: Any, starts: Any) -> None:
                    ready_while_seeking.append(built.inputs.positioning.ready())

            async def seek_to_committed(self: Any) -> None:  # Faust's own seek: nothing to do here
                return None

            monkeypatch.setattr(faust_aiokafka.Consumer, "perform_seek", seek_to_committed)
            monkeypatch.setattr(consumer, "assignment", set)
            monkeypatch.setattr(consumer, "_thread", ConsumerThread())
            assert not built.inputs.positioning.ready()
            await consumer.perform_seek()
            return ready_while_seeking, built.inputs.positioning.ready()
        finally:
            built.output.close(1.0)

    ready_while_seeking, ready_after = asyncio.run(scenario())
    assert ready_while_seeking == [False], "records of a fetch taken before the seeks would be applied"
    assert ready_after
