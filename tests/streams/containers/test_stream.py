"""`baystream containers` on a real broker: `container-status` says what the events say, through a SIGKILL too.

The statuses read from the topic are compared with `reference`, written here apart from the model, from the
rules of docs/containers.md: a second reading of the rules, so that a slip in either shows.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import pytest
from confluent_kafka import Consumer, TopicPartition

from baystream.infra.kafka_config import consumer_config
from baystream.infra.reader import read_topic
from baystream.infra.settings import Settings
from baystream.infra.topics import CONTAINER_STATUS
from baystream.producers.simulator import simulate
from baystream.schemas import complex as reference_data
from baystream.schemas.wire import Codec
from baystream.streams.containers.processor import INPUTS
from baystream.streams.containers.status import StatusBook
from tests.cli import cli_env
from tests.polling import eventually
from tests.streams.worker_harness import WorkerProcess, publish

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
ON_DOCK = {t.code for t in reference_data.TERMINALS if t.on_dock_rail}
YARDS = {y.code for y in reference_data.RAIL_YARDS}
DROP_OFFS, PICKUPS = {"EXPORT_DELIVERY", "EMPTY_RETURN"}, {"IMPORT_PICKUP", "EMPTY_PICKUP"}
RANK = {"DISCHARGED": 0, "GATE_IN": 1, "GATE_OUT": 2, "RAIL_DEPARTED": 3, "LOADED": 4}
DAY_MS = 24 * 3_600_000


WHERE = {"ON_VESSEL", "ON_TERMINAL", "GATED_OUT", "ON_TRAIN", "NEAR_DOCK_YARD"}


@pytest.fixture(scope="module")
def week() -> list[dict[str, Any]]:
    """A simulated week of the complex."""
    return list(simulate("normal", 7 * 24, seed=5))


@pytest.fixture(scope="module")
def three_days() -> list[dict[str, Any]]:
    """Three simulated days (about 51,000 events, 40,000 containers): enough for every kind of status, a
    fifth of the week, which the processor through a real broker took two minutes for on Kafka."""
    events = list(simulate("normal", 3 * 24, seed=5))
    assert {s["where"] for s in reference(events).values()} == WHERE
    return events


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def reference(events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every container's status as docs/containers.md defines it (4 free days, a 24-hour dwell refresh)."""
    carriers: dict[tuple[str, str], tuple[datetime, str, str, str]] = {}
    boxes: dict[str, dict[str, tuple[datetime, int, str, str, Mapping[str, Any]]]] = {}

    def note(box: str, kind: str, e: Mapping[str, Any]) -> None:
        boxes.setdefault(box, {})[e["event_id"]] = (e["event_time"], RANK[kind], e["event_id"], kind, e)

    for e in events:
        if e["type"] == "VesselArrival":
            seen = carriers.get((e["facility"], e["call_id"]))
            if seen is None or (e["event_time"], e["event_id"]) > seen[:2]:
                carriers[(e["facility"], e["call_id"])] = (e["event_time"], e["event_id"], e["carrier"], e["voyage"])
        elif e["classifier"] != "ACTUAL":
            continue
        elif e["type"] == "ContainerEvent":
            note(e["container_id"], e["event_type"], e)
        elif e["type"] == "GateMove" and e["container_id"]:
            if e["direction"] == "IN" and e["move_type"] in DROP_OFFS:
                note(e["container_id"], "GATE_IN", e)
            elif e["direction"] == "OUT" and e["move_type"] in PICKUPS:
                note(e["container_id"], "GATE_OUT", e)
        elif e["type"] == "RailDeparture":
            for box in e["container_ids"]:
                note(box, "RAIL_DEPARTED", e)
    newest = max(ms(m[0]) for moves in boxes.values() for m in moves.values())
    clock = datetime.fromtimestamp((newest - newest % DAY_MS) / 1000, UTC)
    return {box: _status(box, sorted(moves.values()), carriers, clock) for box, moves in boxes.items()}


def _status(box: str, moves: list[Any], carriers: Mapping[tuple[str, str], Any], clock: datetime) -> dict[str, Any]:
    where = terminal = stay = left = discharge = mode = empty = iso = trucker = train = None
    dropped_off = False
    for when, _, _, kind, e in moves:
        if kind in ("LOADED", "GATE_OUT", "RAIL_DEPARTED"):
            if where == "ON_TERMINAL" and left is None:
                left = when
            terminal = None
        if kind == "DISCHARGED":
            where, terminal, stay, left, discharge, trucker, train, dropped_off = (
                "ON_TERMINAL", e["facility"], (kind, e), None, e, None, None, False,
            )  # fmt: skip
            mode = e["inland_mode"]
            if mode == "RAIL" and e["facility"] not in ON_DOCK:
                mode = "NEAR_DOCK_RAIL"
            empty, iso = e["empty"], e["iso_type"]
        elif kind == "LOADED":
            where, empty, iso = "ON_VESSEL", e["empty"], e["iso_type"]
        elif kind == "GATE_IN":
            trucker, train, dropped_off = e["trucker"], None, True
            if e["facility"] in YARDS:
                where, terminal = "NEAR_DOCK_YARD", None
            else:
                where, terminal, stay, left = "ON_TERMINAL", e["facility"], (kind, e), None
        elif kind == "GATE_OUT":
            trucker = e["trucker"]
            drayed = mode in ("RAIL", "NEAR_DOCK_RAIL") and e["move_type"] == "IMPORT_PICKUP"
            if drayed and discharge is not None and not dropped_off:
                where, mode = "NEAR_DOCK_YARD", "NEAR_DOCK_RAIL"
            else:
                where = "GATED_OUT"
        else:
            where, train = "ON_TRAIN", e
            if discharge is not None and mode in ("RAIL", "NEAR_DOCK_RAIL", "ON_DOCK_RAIL"):
                mode = "ON_DOCK_RAIL" if e["facility"] in ON_DOCK else "NEAR_DOCK_RAIL"
    last_time, _, _, last_kind, last = moves[-1]
    here = where == "ON_TERMINAL"
    as_of = max(last_time, clock) if here else last_time
    call = carriers.get((discharge["facility"], discharge["call_id"])) if discharge else None
    from_discharge = stay is not None and stay[0] == "DISCHARGED"
    free_day = None
    if from_discharge:
        free_day = (stay[1]["event_time"].astimezone(LOS_ANGELES).date() + timedelta(days=4)).isoformat()
    movers = {"DISCHARGED": ("facility", "TERMINAL"), "LOADED": ("facility", "TERMINAL")}
    party_field, role = movers.get(
        last_kind, ("trucker", "TRUCKER") if "GATE" in last_kind else ("railroad", "RAILROAD")
    )
    start = stay[1]["event_time"] if stay else None
    return {
        "type": "ContainerStatus",
        "container_id": box,
        "where": where,
        "port": last["port"],
        "terminal": terminal if here else None,
        "last_facility": last["facility"],
        "discharge_terminal": discharge["facility"] if discharge else None,
        "vessel_call": discharge["call_id"] if discharge else None,
        "vessel_imo": discharge["vessel_imo"] if discharge else None,
        "voyage": call[3] if call else None,
        "carrier": call[2] if call else None,
        "inland_mode": mode if discharge else None,
        "empty": empty,
        "iso_type": iso,
        "discharged_at": discharge["event_time"] if discharge else None,
        "on_terminal_since": start if here else None,
        "left_terminal_at": left,
        "dwell_hours": None if start is None else round(ms(left or as_of) / 3.6e6 - ms(start) / 3.6e6, 3),
        "last_free_day": free_day,
        "available_for_pickup": here and from_discharge and (mode in ("TRUCK", "NEAR_DOCK_RAIL") or bool(empty)),
        "last_move": last_kind,
        "last_mover": last[party_field],
        "last_mover_role": role,
        "trucker_scac": trucker,
        "train_id": train["train_id"] if train else None,
        "rail_destination": train["destination"] if train else None,
        "updated_at": last_time,
        "as_of": as_of,
    }


def same(got: Mapping[str, Any], want: Mapping[str, Any]) -> bool:
    """Equal statuses; dwell hours within a millisecond (the model rounds one difference, the reference two)."""
    if got.keys() != want.keys():
        return False
    dwell = ("dwell_hours",)
    if any(got[k] != want[k] for k in got if k not in dwell):
        return False
    a, b = got["dwell_hours"], want["dwell_hours"]
    return (a is None) == (b is None) and (a is None or abs(a - b) < 0.0011)


def differences(got: Mapping[str, Mapping[str, Any]], want: Mapping[str, Mapping[str, Any]]) -> list[str]:
    lines = [f"{len(got)} statuses on the topic, {len(want)} in the reference"]
    for box in sorted(set(got) ^ set(want))[:5]:
        lines.append(f"{box}: only {'on the topic' if box in got else 'in the reference'}")
    wrong = [box for box in sorted(set(got) & set(want)) if not same(got[box], want[box])]
    lines.append(f"{len(wrong)} differ")
    for box in wrong[:5]:
        lines.append(
            f"{box}: "
            + ", ".join(
                f"{k} {got[box][k]!r} != {want[box][k]!r}" for k in want[box] if got[box].get(k) != want[box][k]
            )
        )
    return lines


def statuses(settings: Settings) -> dict[str, dict[str, Any]]:
    """The last status per container on `container-status` (what a compacted topic keeps)."""
    codec = Codec()
    found: dict[str, dict[str, Any]] = {}
    for message in read_topic(settings, CONTAINER_STATUS, idle_timeout=10.0):
        found[(message.key() or b"").decode()] = codec.decode(message.value())
    return found


class ContainersProcess(WorkerProcess):
    """One `baystream containers` child, its output in a temporary log (stop, close, output: as a worker's)."""

    def __init__(self, settings: Settings, group: str):  # not the worker's: another command, same handling
        self.log: IO[bytes] = tempfile.NamedTemporaryFile(prefix="containers-", suffix=".log")  # noqa: SIM115
        env = cli_env(settings, BAYSTREAM_CONTAINERS_GROUP_ID=group, BAYSTREAM_METRICS_PORT="0")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "baystream", "containers"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[3],
        )


def committed_share(settings: Settings, group: str) -> float:
    """How much of the input topics the group has committed: 1.0 when it is at every partition's end."""
    consumer = Consumer(consumer_config(settings, group, **{"enable.auto.commit": False}))
    try:
        topics = consumer.list_topics(timeout=10.0).topics
        partitions = [TopicPartition(t, p) for t in INPUTS for p in topics[t].partitions]
        ends = sum(consumer.get_watermark_offsets(tp, timeout=10.0)[1] for tp in partitions)
        done = sum(max(tp.offset, 0) for tp in consumer.committed(partitions, timeout=10.0))
        return done / ends if ends else 1.0
    finally:
        consumer.close()


def wait_caught_up(settings: Settings, group: str, process: ContainersProcess) -> None:
    eventually(
        lambda: committed_share(settings, group) >= 1.0,
        timeout=900,
        what=f"baystream containers at the end of the inputs; its output:\n{process.output()[-3000:]}",
        every=2.0,
        alive=process.process,
    )


def test_the_model_and_the_reference_agree(week: list[dict[str, Any]]) -> None:
    book = StatusBook(refresh_ms=DAY_MS)
    for event in week:
        book.apply(event)
    got, want = book.statuses(), reference(week)
    assert len(want) > 50_000  # a week of the complex, not a toy
    assert {s["where"] for s in want.values()} == WHERE
    assert all(same(got[box], want[box]) for box in want) and got.keys() == want.keys(), differences(got, want)


@pytest.mark.timeout(1800)  # days of the complex through a real process, on a machine shared with other tests
def test_simulated_days_give_the_statuses_the_events_say(
    isolated_broker: Settings, three_days: list[dict[str, Any]], fresh_name: str
) -> None:
    publish(isolated_broker, three_days)
    process = ContainersProcess(isolated_broker, fresh_name)
    try:
        wait_caught_up(isolated_broker, fresh_name, process)
        got, want = statuses(isolated_broker), reference(three_days)
        assert got.keys() == want.keys() and all(same(got[b], want[b]) for b in want), differences(got, want)
        assert process.stop(signal.SIGTERM, timeout=60) == 0
    finally:
        process.close()


@pytest.mark.timeout(1800)
def test_a_killed_processor_restarts_to_the_same_statuses(
    isolated_broker: Settings, three_days: list[dict[str, Any]], fresh_name: str
) -> None:
    publish(isolated_broker, three_days)
    first = ContainersProcess(isolated_broker, fresh_name)
    try:
        eventually(
            lambda: 0.0 < committed_share(isolated_broker, fresh_name) < 1.0,
            timeout=600,
            what="a first commit",
            every=0.5,
            alive=first.process,
        )
        first.stop(signal.SIGKILL)
    finally:
        first.close()
    second = ContainersProcess(isolated_broker, fresh_name)
    try:
        wait_caught_up(isolated_broker, fresh_name, second)
        got, want = statuses(isolated_broker), reference(three_days)
        assert got.keys() == want.keys() and all(same(got[b], want[b]) for b in want), differences(got, want)
        restored = int(second.output().split("baystream containers: ", 2)[-1].split(" containers restored")[0])
        assert restored > 0  # it went on from its saved state, not from nothing
    finally:
        second.close()
