"""Faust's and aiokafka's private internals the worker relies on still exist, with the expected shape.

streams/faust_internals.py lists them (`RELIES_ON`); each is checked against the installed faust-streaming
and aiokafka, on real objects where they are set per instance (an app, its consumer, its consumer thread's
aiokafka consumer, a table: none of them connects to a broker). Two more checks keep the list honest: every
private name the module uses is on it, and no other worker module touches a private name it does not define.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiokafka
import mode
import pytest
from aiokafka.consumer.fetcher import PartitionRecords
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from aiokafka.record.memory_records import MemoryRecords

from baystream.streams import faust_internals
from baystream.streams.faust_internals import RELIES_ON, Reliance

STREAMS = Path(faust_internals.__file__).resolve().parent


def resolve(dotted: str) -> Any:
    """A module, or an attribute path inside the longest importable module prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ImportError(dotted)


def partition_records(topic: str) -> Any:
    """aiokafka's records of one fetched partition: one record batch holding one record."""
    builder = DefaultRecordBatchBuilder(2, 0, 0, -1, -1, -1, 1024 * 1024)
    builder.append(offset=0, timestamp=1_700_000_000_000, key=b"APMT", value=b"event", headers=[])
    batches = MemoryRecords(bytes(builder.build()))
    return PartitionRecords(
        aiokafka.TopicPartition(topic, 0),
        batches,
        aborted_transactions=[],
        fetch_offset=0,
        key_deserializer=None,
        value_deserializer=None,
        check_crcs=True,
        isolation_level=0,
    )


def test_records_of_the_batch_topics_stay_raw_and_every_other_topic_gets_its_consumer_record() -> None:
    faust_internals.keep_records_raw(["gate-moves"])
    raw, wrapped = next(partition_records("gate-moves")), next(partition_records("gate-moves-changelog"))
    assert not isinstance(raw, aiokafka.ConsumerRecord)
    assert (raw.offset, raw.timestamp, raw.key, raw.value) == (0, 1_700_000_000_000, b"APMT", b"event")
    assert isinstance(wrapped, aiokafka.ConsumerRecord) and wrapped.topic == "gate-moves-changelog"


@pytest.fixture(scope="module")
def instances() -> Iterator[dict[str, Any]]:
    """Real objects of each owner whose attributes are set per instance, built as the worker builds them."""

    async def build() -> dict[str, Any]:
        app = faust_internals.App(
            "internals-check", broker="kafka://127.0.0.1:1", store="memory://", autodiscover=False, web_enabled=False
        )
        consumer = app.consumer
        return {
            "faust.transport.drivers.aiokafka.Consumer": consumer,
            "aiokafka.AIOKafkaConsumer": consumer._thread._create_worker_consumer(app.transport),
            "faust.tables.table.Table": faust_internals.bytes_table(app, "internals-check", 3),
            "mode.Service": mode.Service(),
            "aiokafka.consumer.fetcher.PartitionRecords": partition_records("gate-moves"),
        }

    loop = asyncio.new_event_loop()
    try:
        built = loop.run_until_complete(build())
        yield built
        loop.run_until_complete(built["aiokafka.AIOKafkaConsumer"].stop())
    finally:
        loop.close()


@pytest.mark.parametrize("reliance", RELIES_ON, ids=lambda r: f"{r.owner.rsplit('.', 1)[-1]}.{r.name}")
def test_each_private_internal_the_worker_relies_on_exists(reliance: Reliance, instances: dict[str, Any]) -> None:
    owner = resolve(reliance.owner)
    if reliance.on_instance:
        holder = instances[reliance.owner]
        assert isinstance(holder, owner), f"the check's instance is a {type(holder)}, not a {owner}"
        assert hasattr(holder, reliance.name), f"{reliance.owner} instances have no {reliance.name} any more"
    else:
        assert hasattr(owner, reliance.name), f"{reliance.owner} has no {reliance.name} any more"
    if reliance.parameters is not None:
        found = getattr(owner, reliance.name)
        assert callable(found), f"{reliance.owner}.{reliance.name} is no longer callable"
        names = tuple(inspect.signature(found).parameters)
        assert names == reliance.parameters, f"{reliance.owner}.{reliance.name}{names}: expected {reliance.parameters}"
    if reliance.read_in is not None:
        source = inspect.getsource(getattr(owner, reliance.read_in))
        assert f"self.{reliance.name}" in source, f"{reliance.owner}.{reliance.read_in} no longer reads {reliance.name}"


def test_the_worker_subclasses_are_still_faust_s_own() -> None:
    """The app builds `BatchingConsumer` through the transport (`_new_transport`, `Transport.Consumer`)."""
    app = faust_internals.App("internals-check-2", broker="kafka://127.0.0.1:1", autodiscover=False)
    assert isinstance(app.transport, faust_internals.BatchingTransport)
    assert faust_internals.BatchingConsumer.__mro__[1] is resolve("faust.transport.drivers.aiokafka.Consumer")
    assert isinstance(aiokafka.AIOKafkaConsumer, type)


def test_tables_written_on_behalf_of_a_partition_see_it_as_the_current_event() -> None:
    """Faust's tables and RocksDB stores pick the partition from `current_event().message`."""
    from faust.streams import current_event

    context = faust_internals.PartitionContext("gate-moves", 2)
    assert current_event() is None
    with faust_internals.on_behalf_of(context):
        event = current_event()
        assert event is not None
        assert (event.message.topic, event.message.partition) == ("gate-moves", 2)
    assert current_event() is None


def _private_names_used(tree: ast.AST) -> set[str]:
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr.startswith("_")}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            used |= {alias.name for alias in node.names if alias.name.startswith("_")}
    return {name for name in used if not (name.startswith("__") and name.endswith("__"))}


def _names_defined(tree: ast.AST) -> set[str]:
    defined: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            defined.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
    return defined


DOCUMENTED_UNDERSCORED = {"_exit"}
"""The standard library's public names that start with an underscore (`os._exit`)."""


def test_every_private_name_faust_internals_uses_is_on_its_list() -> None:
    """Private names read but not defined here are Faust's or aiokafka's: each must be checked above."""
    tree = ast.parse((STREAMS / "faust_internals.py").read_text())
    unchecked = _private_names_used(tree) - _names_defined(tree) - {r.name for r in RELIES_ON} - DOCUMENTED_UNDERSCORED
    assert not unchecked, f"add to RELIES_ON: {sorted(unchecked)}"


@pytest.mark.parametrize(
    "module", ["app", "input_side", "combiner_side", "delivery", "fast_path", "checkpoint", "combining", "processing"]
)
def test_no_other_worker_module_touches_private_names_it_does_not_define(module: str) -> None:
    tree = ast.parse((STREAMS / f"{module}.py").read_text())
    foreign = _private_names_used(tree) - _names_defined(tree)
    assert not foreign, f"streams/{module}.py uses {sorted(foreign)}: move that to streams/faust_internals.py"
