"""The scheduler runs actions in time order, ties in the order they were scheduled, never in the past."""

from __future__ import annotations

from baystream.producers.simulator.scheduler import Scheduler


def test_time_order_ties_in_insertion_order_and_no_past() -> None:
    sched = Scheduler(1000)
    seen: list[tuple[int, str]] = []

    def record(name: str) -> None:
        seen.append((sched.now, name))
        if name == "b":
            sched.at(500, record, "past")  # clamped to now
            sched.after(0, record, "same-time")

    sched.at(3000, record, "c")
    sched.at(2000, record, "b")
    sched.at(2000, record, "b2")
    sched.after(500, record, "a")
    while sched.step_until(10_000):
        pass
    assert seen == [(1500, "a"), (2000, "b"), (2000, "b2"), (2000, "past"), (2000, "same-time"), (3000, "c")]


def test_step_until_stops_before_the_end() -> None:
    sched = Scheduler(0)
    ran: list[int] = []
    sched.at(10, ran.append, 10)
    sched.at(20, ran.append, 20)
    assert sched.step_until(20) and not sched.step_until(20)
    assert ran == [10] and sched.now == 10


def test_run_yields_what_each_action_emits_in_order() -> None:
    sched = Scheduler(0)
    out: list[str] = []
    sched.at(5, lambda _: out.extend(["a1", "a2"]))
    sched.at(7, lambda _: None)
    sched.at(9, out.append, "b")
    sched.at(12, out.append, "late")
    assert [item for chunk in sched.run(10, out) for item in chunk] == ["a1", "a2", "b"]
    assert sched.now == 9 and out == []


def test_run_yields_chunks_of_about_the_chunk_size() -> None:
    sched = Scheduler(0)
    out: list[int] = []
    for t in range(10):
        sched.at(t, lambda n: out.extend([n, n]), t)  # two items an action
    chunks = list(sched.run(100, out, chunk=5))
    assert [len(c) for c in chunks] == [6, 6, 6, 2]  # a chunk ends after the action that filled it
    assert [x for c in chunks for x in c] == [t for t in range(10) for _ in range(2)]


def test_actions_hours_and_days_apart_keep_their_order() -> None:
    hour = 3_600_000
    sched = Scheduler(10 * hour + 123)
    seen: list[tuple[int, str]] = []

    def log(name: str) -> None:
        seen.append((sched.now, name))
        if name == "day2":
            sched.after(0, log, "day2-now")
            sched.after(hour // 2, log, "day2-half")  # same window as now
            sched.after(5 * hour, log, "day2-later")

    day2 = 10 * hour + 48 * hour
    sched.at(day2, log, "day2")
    sched.at(11 * hour, log, "next-window")
    sched.at(10 * hour + 500, log, "this-window")
    sched.at(day2, log, "day2-tie")
    assert list(sched.run(day2 + 3 * hour, [])) == []
    assert [n for _, n in seen] == ["this-window", "next-window", "day2", "day2-tie", "day2-now", "day2-half"]
    assert seen[-1][0] == day2 + hour // 2
    assert sched.step_until(10**12) and seen[-1] == (day2 + 5 * hour, "day2-later")
    assert not sched.step_until(10**12)
