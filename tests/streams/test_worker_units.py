"""The worker's pure parts: checkpoints, the input processor, the combiner's board, dead letters, the fast
path's read offsets and the checkpoint-then-ack gate.

The stand-in engine (tests/streams/standin.py) counts events per facility and type, so every expected
value below is a count made by hand.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, NamedTuple, cast

import pytest
from faust.types import TP
from hypothesis import given
from hypothesis import strategies as st

from baystream.infra.broker import free_port
from baystream.infra.settings import Settings
from baystream.schemas.json_form import parse_event
from baystream.schemas.wire import Codec
from baystream.streams import checkpoint, fast_path, processing
from baystream.streams.combining import Board
from baystream.streams.dead_letter import dead_letter
from baystream.streams.delivery import CheckpointGate, OutputProducer
from baystream.streams.processing import InputProcessor, RawRecord
from tests.events import event
from tests.streams.standin import CountingEngine, SummingCombiner

CODEC = Codec()


def record(topic: str, partition: int, offset: int, value: bytes | None, key: bytes = b"APMT") -> RawRecord:
    return RawRecord(topic, partition, offset, key, value, 1_700_000_000_000 + offset)


def encoded(type_name: str, **fields: Any) -> bytes:
    """A valid event with `fields` changed after parsing (so they may be invalid), Avro-encoded."""
    return CODEC.encode(dict(parse_event(event(type_name)), **fields))


def processor() -> InputProcessor:
    p = InputProcessor(CODEC, CountingEngine, CountingEngine.from_state)
    p.load(0, None)
    p.load(1, None)
    return p


# -- checkpoints -----------------------------------------------------------------------------------------


JSON_INT = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(st.recursive(st.none() | JSON_INT | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)))
def test_checkpoint_encoding_round_trips(value: Any) -> None:
    assert checkpoint.decode(checkpoint.encode({"v": value})) == {"v": value}


def test_a_large_checkpoint_is_chunked_and_read_back() -> None:
    store: dict[str, bytes] = {}
    payload = {"ids": [str(uuid.UUID(int=i)) for i in range(5000)]}
    size = checkpoint.write(store, "p0", payload, chunk_bytes=10_000)
    chunks = [k for k in store if k.startswith("p0#0.")]
    assert len(chunks) == -(-size // 10_000) > 1
    assert checkpoint.read(store, "p0") == payload


def test_checkpoints_alternate_slots_so_a_torn_write_keeps_the_previous_one() -> None:
    store: dict[str, bytes] = {}
    checkpoint.write(store, "p0", {"n": 1})
    checkpoint.write(store, "p0", {"n": 2})
    assert checkpoint.read(store, "p0") == {"n": 2}
    header = store["p0"]
    # a third write dies after its chunks, before its header: the second checkpoint must still be read
    checkpoint.write(store, "p0", {"n": 3})
    store["p0"] = header
    assert checkpoint.read(store, "p0") == {"n": 2}
    assert checkpoint.read(store, "p1") is None


def test_a_torn_checkpoint_reads_as_none_so_the_worker_replays() -> None:
    """A table recovered part-way through a write (Tansu's end offsets): header and chunk of other writes."""
    store: dict[str, bytes] = {}
    checkpoint.write(store, "p0", {"n": 1})
    checkpoint.write(store, "p0", {"n": 22})
    checkpoint.write(store, "p0", {"n": 333})  # slot 0 again: its chunk overwritten, header to slot 0
    del store["p0#1.0"]
    store["p0"] = b'{"slot": 1, "chunks": 1, "size": 5}'  # a header whose chunk never arrived
    assert checkpoint.read_whole(store, "p0") is None
    store["p0"] = b'{"slot": 0, "chunks": 1, "size": 999}'  # a header of another write than the chunk
    assert checkpoint.read_whole(store, "p0") is None
    with pytest.raises(ValueError):
        checkpoint.read_bytes(store, "p0")


# -- input processor ---------------------------------------------------------------------------------------


def test_events_are_applied_per_partition_and_duplicates_count_once() -> None:
    p = processor()
    first = parse_event(event("GateMove", facility="APMT"))
    twice = CODEC.encode(first)
    outcome = p.process(
        [
            record("gate-moves", 0, 0, twice),
            record("gate-moves", 0, 1, twice),
            record("vessel-arrivals", 0, 0, encoded("VesselArrival", facility="TRAP")),
            record("gate-moves", 1, 0, encoded("GateMove", facility="APMT")),
        ]
    )
    assert (outcome.applied, outcome.duplicates, outcome.dead_letters, outcome.touched) == (3, 1, [], {0, 1})
    assert p.partitions[0].engine.partial()["counts"] == {"APMT": {"GateMove": 1}, "TRAP": {"VesselArrival": 1}}
    assert p.partitions[1].engine.partial()["counts"] == {"APMT": {"GateMove": 1}}
    assert p.partitions[0].offsets == {"gate-moves": 2, "vessel-arrivals": 1}
    assert p.partitions[0].position == 3


def test_a_replay_skips_what_the_checkpoint_holds() -> None:
    p = processor()
    values = [encoded("GateMove") for _ in range(3)]
    p.process([record("gate-moves", 0, i, v) for i, v in enumerate(values[:2])])
    saved = checkpoint.decode(checkpoint.encode(p.partitions[0].checkpoint()))
    restarted = InputProcessor(CODEC, CountingEngine, CountingEngine.from_state)
    restarted.load(0, saved)
    outcome = restarted.process([record("gate-moves", 0, i, v) for i, v in enumerate(values)])
    assert (outcome.skipped, outcome.applied) == (2, 1)
    assert restarted.partitions[0].engine.partial()["counts"] == {"APMT": {"GateMove": 3}}


def test_bad_records_become_dead_letters_with_stage_reason_and_bytes() -> None:
    p = processor()
    bad_container = encoded("GateMove", container_id="CSQU3054384")
    wrong_topic = encoded("VesselArrival")
    failing = encoded("VesselArrival", vessel_name="EXPLODE")
    outcome = p.process(
        [
            record("gate-moves", 0, 0, b"garbage"),
            record("gate-moves", 0, 1, None),
            record("gate-moves", 0, 2, b"\xc3\x01" + bytes(8) + b"\x00"),
            record("gate-moves", 0, 3, bad_container),
            record("gate-moves", 0, 4, wrong_topic),
            record("vessel-arrivals", 0, 0, failing),
            record("gate-moves", 0, 5, encoded("GateMove")),
        ]
    )
    letters = outcome.dead_letters
    assert [(d["offset"], d["stage"]) for d in letters] == [
        (0, "decode"),
        (1, "decode"),
        (2, "decode"),
        (3, "validate"),
        (4, "validate"),
        (0, "process"),
    ]
    assert [d["value"] for d in letters] == [
        b"garbage",
        None,
        b"\xc3\x01" + bytes(8) + b"\x00",
        bad_container,
        wrong_topic,
        failing,
    ]
    assert "container_id" in letters[3]["reason"]
    assert "VesselArrival record on gate-moves" in letters[4]["reason"]
    assert "RuntimeError" in letters[5]["reason"]
    assert outcome.applied == 1
    assert p.partitions[0].offsets == {"gate-moves": 6, "vessel-arrivals": 1}
    for letter in letters:
        assert CODEC.decode(CODEC.encode(letter))["reason"] == letter["reason"]


def test_a_record_of_a_partition_not_loaded_is_an_error_not_a_silent_drop() -> None:
    with pytest.raises(KeyError):
        processor().process([record("gate-moves", 2, 0, encoded("GateMove"))])


def test_partial_messages_carry_position_and_arrivals_once() -> None:
    p = processor()
    p.process([record("gate-moves", 0, i, encoded("GateMove")) for i in range(3)])
    message = p.partitions[0].partial_message()
    assert (message["source"], message["position"]) == ("p0", 3)
    assert message["arrivals"] == [[1_700_000_000_000 + i, 1] for i in range(3)] or message["arrivals"] == [
        (1_700_000_000_000 + i, 1) for i in range(3)
    ]
    assert p.partitions[0].partial_message()["arrivals"] == []


# -- the combiner's board ---------------------------------------------------------------------------------


def partial(source: str, position: int, **counts: int) -> dict[str, Any]:
    return {
        "source": source,
        "position": position,
        "partial": {"counts": {"APMT": counts}, "watermark": 1_714_564_800.0},
        "arrivals": [[1000, 2]],
    }


def test_the_board_keeps_the_newest_partial_per_source_and_publishes_changes_only() -> None:
    board = Board(SummingCombiner())
    assert board.offer(partial("p0", 5, GateMove=2))
    assert board.offer(partial("p1", 1, GateMove=1))
    first = {(v.scope, v.indicator): v.value for v in board.changes()}
    assert first == {("APMT", "GateMove_count"): 3.0, ("SPB", "congestion_index"): 3.0}
    assert not board.offer(partial("p0", 4, GateMove=9))  # older than what p0 sent: ignored
    assert board.changes() == []
    assert board.offer(partial("p0", 6, GateMove=2, VesselArrival=1))
    changed = {(v.scope, v.indicator): v.value for v in board.changes()}
    assert changed == {("APMT", "VesselArrival_count"): 1.0, ("SPB", "congestion_index"): 4.0}
    assert len(board.everything()) == 3
    assert board.alerts() == []  # GREEN from the start: where it stands, no alert
    assert board.take_arrivals() == {1000: 6}
    assert board.offer(partial("p1", 2, GateMove=40))  # 2 + 1 + 40 = 43: AMBER
    board.changes()
    assert [(a.previous_level, a.level) for a in board.alerts()] == [("GREEN", "AMBER")]


def test_the_board_state_round_trips_without_republishing() -> None:
    board = Board(SummingCombiner())
    board.offer(partial("p0", 5, GateMove=2))
    board.changes()
    state = checkpoint.decode(checkpoint.encode(board.to_state()))
    restored = Board.from_state(state, SummingCombiner.from_state)
    assert restored.positions == {"p0": 5}
    assert restored.offer(partial("p0", 5, GateMove=2))  # the stored partial, offered again on takeover
    assert restored.changes() == []


# -- dead letters -----------------------------------------------------------------------------------------


def test_dead_letter_records_are_valid_avro_and_counted() -> None:
    from baystream.infra.metrics import DEAD_LETTERS

    before = DEAD_LETTERS.labels("gate-moves", "decode")._value.get()
    when = datetime(2024, 5, 1, tzinfo=UTC)
    letter = dead_letter(topic="gate-moves", reason="x" * 5000, stage="decode", producer="gateway", failed_at=when)
    assert DEAD_LETTERS.labels("gate-moves", "decode")._value.get() == before + 1
    decoded = CODEC.decode(CODEC.encode(letter))
    assert (decoded["partition"], decoded["offset"], decoded["failed_at"]) == (-1, -1, when)
    assert len(decoded["reason"]) == 2000
    with pytest.raises(ValueError, match="stage"):
        dead_letter(topic="gate-moves", reason="r", stage="elsewhere", producer="worker")


# -- the fast path's read offsets and the checkpoint-then-ack gate ----------------------------------------


class Fetched(NamedTuple):
    offset: int


def test_a_fetch_is_taken_from_the_read_offset_on_and_its_gaps_are_declared() -> None:
    records = [Fetched(o) for o in (3, 4, 5, 8, 9, 12)]
    taken, gaps, last = fast_path.from_offset(records, 4)
    assert [r.offset for r in taken] == [4, 5, 8, 9, 12]
    assert gaps == [(6, 7), (10, 11)]
    assert last == 12
    assert fast_path.from_offset(records, None) == (records, [(6, 7), (10, 11)], 12)
    assert fast_path.from_offset(records, 13) == ([], [], 13)  # all before the seek: nothing, read offset kept


@given(
    offsets=st.lists(st.integers(0, 40), unique=True).map(sorted),
    start=st.none() | st.integers(0, 45),
)
def test_every_fetch_is_taken_as_the_record_by_record_rule_says(offsets: list[int], start: int | None) -> None:
    """The shortcut for a contiguous fetch right after the read offset gives what the rule gives: the records
    at or after `start`, a gap wherever an offset is skipped after the one before (or after `start`)."""
    records = [Fetched(o) for o in offsets]
    previous, taken, gaps = start, [], []
    for record in records:
        if start is not None and record.offset < start:
            continue
        if previous is not None and record.offset > previous + 1:
            gaps.append((previous + 1, record.offset - 1))
        taken.append(record)
        previous = record.offset
    assert fast_path.from_offset(records, start) == (taken, gaps, previous)


class Journal(list[str]):
    """The order in which the gate flushed the outputs and acked the records."""


class HeldMessage:
    def __init__(self, journal: Journal, topic: str, partition: int, offset: int):
        self.journal, self.tp, self.offset = journal, TP(topic, partition), offset

    def ack(self, consumer: object) -> None:
        assert isinstance(consumer, GapConsumer)
        self.journal.append(f"ack {self.tp.topic}/{self.tp.partition}@{self.offset}")


class GapConsumer:
    """Faust's consumer as the gate uses it: gaps declared below the one record acked of each span."""

    def __init__(self, journal: Journal):
        self.journal = journal

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        self.journal.append(f"gap {tp.topic}/{tp.partition}@{offset_from}-{offset_to}")


class FlushingOutput:
    def __init__(self, journal: Journal):
        self.journal = journal

    async def drain(self) -> None:
        self.journal.append("flush")


def gate(journal: Journal, most_held: int | None = None) -> CheckpointGate:
    app = SimpleNamespace(consumer=GapConsumer(journal))
    return CheckpointGate(cast(Any, app), cast(Any, FlushingOutput(journal)), 5.0, 1000.0, most_held)


def hold(g: CheckpointGate, journal: Journal, partition: int, first: int, last: int) -> None:
    g.hold(cast(Any, HeldMessage(journal, "gate-moves", partition, last)), first)


def test_the_gate_acks_held_records_only_after_the_outputs_are_flushed() -> None:
    journal = Journal()
    g = gate(journal)
    now = g.due_at - 5.0
    assert not g.due(now + 60)  # nothing held: nothing to save
    hold(g, journal, 0, 7, 8)
    hold(g, journal, 1, 3, 3)  # one record alone
    assert not g.due(now + 1)
    assert g.due(now + 5)
    asyncio.run(g.saved(now + 5, written=100))
    assert journal == ["flush", "gap gate-moves/0@7-7", "ack gate-moves/0@8", "ack gate-moves/1@3"]
    assert g.held == {} and g.offsets == 0 and g.due_at == now + 10  # 100 bytes at 1000 bytes/s take less


def test_spans_that_follow_each_other_are_acked_as_one_and_a_missing_span_is_never_acked() -> None:
    journal = Journal()
    g = gate(journal)
    hold(g, journal, 0, 5, 9)
    hold(g, journal, 0, 10, 12)  # right after: one span 5..12
    hold(g, journal, 0, 20, 24)  # 13..19 never held (not taken): its own span, so Faust commits no further than 12
    assert g.offsets == 13
    asyncio.run(g.saved(g.due_at, written=0))
    assert journal == [
        "flush",
        "gap gate-moves/0@5-11",
        "ack gate-moves/0@12",
        "gap gate-moves/0@20-23",
        "ack gate-moves/0@24",
    ]


def test_a_big_checkpoint_pushes_the_next_one_back_and_many_held_records_bring_it_forward() -> None:
    journal = Journal()
    g = gate(journal, most_held=30)
    asyncio.run(g.saved(0.0, written=20_000))
    assert g.due_at == 20.0  # 20,000 bytes at 1,000 bytes/s
    for first in range(0, 30, 10):
        hold(g, journal, 1, first, first + 9)
        assert g.due(1.0) == (first == 20)


def test_the_gate_never_acks_records_of_partitions_it_forgot() -> None:
    journal = Journal()
    g = gate(journal)
    for partition in (0, 1, 2):
        hold(g, journal, partition, 10, 10)
    g.forget({TP("gate-moves", 1)})
    assert g.offsets == 2
    asyncio.run(g.saved(g.due_at, written=0))
    assert journal == ["flush", "ack gate-moves/0@10", "ack gate-moves/2@10"]
    hold(g, journal, 0, 11, 11)
    g.clear()
    assert not g.due(g.due_at)


def test_faust_s_per_event_path_is_cut_into_spans_that_are_kept_or_dropped_whole() -> None:
    def message(partition: int, offset: int, generation: int = 1) -> Any:
        return SimpleNamespace(
            tp=TP("gate-moves", partition),
            topic="gate-moves",
            partition=partition,
            offset=offset,
            key=b"k",
            value=b"v",
            timestamp=1.5,
            generation_id=generation,
            seek_epoch=0,
        )

    messages = [message(0, 4), message(1, 7), message(0, 5), message(0, 6, generation=2), message(0, 2, 2)]
    spans = fast_path.by_partition(messages)
    assert [(s.last.partition, s.first, s.last.offset, [r.offset for r in s.records]) for s in spans] == [
        (0, 4, 5, [4, 5]),
        (1, 7, 7, [7]),
        (0, 6, 6, [6]),  # another generation
        (0, 2, 2, [2]),  # offsets went back (a seek)
    ]
    assert spans[1].records[0] == RawRecord("gate-moves", 1, 7, b"k", b"v", 1500)


def test_waiting_for_a_broker_that_is_gone_gives_the_event_loop_back() -> None:
    """The checkpoint's flush must not hold the loop: Ctrl-C's stop deadline and /metrics run in it."""
    output = OutputProducer(Settings().with_overrides(bootstrap=f"127.0.0.1:{free_port()}"))
    output.send("gate-moves", b"k", b"v")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def drain_beside_a_ticker() -> None:
        ticker = asyncio.create_task(tick())
        try:
            with pytest.raises(RuntimeError, match="1 output record"):
                await output.drain(timeout=1.0)
        finally:
            ticker.cancel()

    try:
        asyncio.run(drain_beside_a_ticker())
    finally:
        with pytest.raises(RuntimeError):
            output.close(0)  # returns at once: the record is purged, not waited for for minutes
    assert ticks >= 5, ticks  # a flush(1.0) in one piece would leave it at 1
    assert output.failed == 1  # the purged record is counted


@given(st.lists(st.tuples(st.sampled_from(["gate-moves", "vessel-arrivals"]), st.integers(0, 2), st.integers(0, 9))))
def test_a_batch_is_cut_into_runs_of_one_partition_with_rising_offsets(where: list[tuple[str, int, int]]) -> None:
    records = [RawRecord(topic, partition, offset, None, None, 0) for topic, partition, offset in where]
    runs = processing.runs(records)
    assert [r for run in runs for r in run] == records
    for run in runs:
        assert len({(r.topic, r.partition) for r in run}) == 1
        assert all(a.offset < b.offset for a, b in itertools.pairwise(run))
    for before, after in itertools.pairwise(runs):  # cut only where it must be
        a, b = before[-1], after[0]
        assert (a.topic, a.partition) != (b.topic, b.partition) or a.offset >= b.offset
