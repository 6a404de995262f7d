"""Pacing maps event time to wall time at the given speed; the file sink writes parseable JSON lines."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta

from baystream.producers.simulator import simulate, simulate_chunks
from baystream.producers.simulator.output import FileSink, drain
from baystream.producers.simulator.rendering import Raw
from baystream.schemas.fields import fields_of
from baystream.schemas.json_form import parse_event, parse_line
from tests.events import event

START = datetime(2024, 5, 1, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class ListSink:
    def __init__(self, clock: FakeClock) -> None:
        self.sent: list[tuple[float, str]] = []
        self.flushes = 0
        self._clock = clock

    def send(self, e: Raw) -> None:
        self.sent.append((self._clock.now, e[1]))

    def send_many(self, events: list[Raw]) -> None:
        for e in events:
            self.send(e)

    def flush(self) -> None:
        self.flushes += 1


def _at(minutes: float) -> Raw:
    """A raw gate move at `minutes` from START."""
    record = parse_event(event("GateMove", event_time=(START + timedelta(minutes=minutes)).isoformat()))
    values = [record[f.name] for f in fields_of("GateMove")]
    values[1] = round(values[1].timestamp() * 1000)
    return ("GateMove", *values)


def test_speed_60_sends_one_simulated_minute_per_second() -> None:
    clock = FakeClock()
    sink = ListSink(clock)
    events = [[_at(-30), _at(0)], [_at(1), _at(3)]]  # the first is warm-up: before the anchor, sent at once
    reported: list[int] = []
    counts = drain(
        events, sink, 60.0, round(START.timestamp() * 1000), clock, clock.sleep, lambda c: reported.append(c.total())
    )
    assert sum(reported) == 4 and len(reported) >= 3  # the metric follows a paced run, not 10,000 events late
    assert [round(t - 100.0, 6) for t, _ in sink.sent] == [0.0, 0.0, 1.0, 3.0]
    assert counts == Counter({"GateMove": 4})
    assert max(clock.slept) <= 1.0  # sleeps in short steps, so Ctrl-C is served
    assert sink.flushes >= 3  # flushed before each wait, so a live consumer sees events on time


def test_an_estimate_goes_out_when_issued_not_at_the_time_it_expects() -> None:
    clock = FakeClock()
    sink = ListSink(clock)
    estimate = (*_at(3 * 24 * 60)[:3], "ESTIMATED", *_at(0)[4:])  # expects something 3 days ahead
    drain([[_at(0), estimate, _at(2)]], sink, 60.0, round(START.timestamp() * 1000), clock, clock.sleep)
    assert [round(t - 100.0, 6) for t, _ in sink.sent] == [0.0, 0.0, 2.0]


def test_without_speed_nothing_waits() -> None:
    clock = FakeClock()
    sink = ListSink(clock)
    drain([[_at(0)], [_at(600)]], sink, None, None, clock, clock.sleep)
    assert clock.slept == [] and len(sink.sent) == 2


def test_file_sink_writes_one_valid_line_per_event() -> None:
    events = list(simulate("normal", 6, 3))
    handle = io.StringIO()
    counts = drain(simulate_chunks("normal", 6, 3), FileSink(handle, block=100))
    lines = handle.getvalue().splitlines()
    assert len(lines) == len(events) == sum(counts.values())
    assert [parse_line(line) for line in lines] == events
