"""The parties' own views without a broker: who sees which container (known answers, then hypothesis over random
ownership), the order of a party's list, dwell, visits and turn times, and the memory bounds."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from baystream.consumers.dashboard.containers import ContainerBook, VisitBook, may_see
from baystream.producers.gateway.identities import Identity, Role
from tests.consumers.dashboard.helpers import BASE_TIME
from tests.consumers.dashboard.parties_data import gate_move, hours, identity, status

WHERE = ("ON_VESSEL", "ON_TERMINAL", "GATED_OUT", "ON_TRAIN", "NEAR_DOCK_YARD")
CARRIERS = ("MAEU", "CMDU", "HLCU")
TRUCKERS = ("ABCD", "EFGH", "IJKL")
TERMINALS = (("APMT", "USLAX"), ("TTI", "USLGB"), ("LBCT", "USLGB"))


def test_carrier_trucker_and_terminal_see_a_box_and_nobody_else_does() -> None:
    book = ContainerBook()
    book.apply("MSCU1234566", status("MSCU1234566", "ON_TERMINAL", terminal="APMT", carrier="MAEU", trucker="ABCD"))
    book.apply("TGHU7654321", status("TGHU7654321", "GATED_OUT", terminal="APMT", carrier="MAEU", trucker="EFGH"))
    readers = {
        p: {c for c in ("MSCU1234566", "TGHU7654321") if book.readable(identity(p), c)}
        for p in ("apmt", "tti", "abcd", "efgh", "maeu", "cmdu", "dcli", "up")
    }
    assert readers == {
        "apmt": {"MSCU1234566"},  # the gated-out box is no longer on its terminal
        "tti": set(),
        "abcd": {"MSCU1234566"},
        "efgh": {"TGHU7654321"},
        "maeu": {"MSCU1234566", "TGHU7654321"},
        "cmdu": set(),
        "dcli": set(),
        "up": set(),
    }
    assert book.readable(identity("maeu"), "NOPE0000000") is None


def test_a_terminal_of_one_port_does_not_see_a_box_of_the_same_code_in_another() -> None:
    book = ContainerBook()
    book.apply("X", status("X", "ON_TERMINAL", terminal="APMT", port="USLGB", carrier="MAEU"))
    assert book.readable(identity("apmt"), "X") is None  # demo APMT publishes for USLAX only


def test_my_containers_are_on_terminal_longest_dwell_first_then_earliest_last_free_day() -> None:
    book = ContainerBook()
    now = BASE_TIME
    for cid, since, lfd in (
        ("A", now - hours(24), "2024-05-03"),
        ("B", now - hours(72), "2024-05-01"),
        ("C", now - hours(24), "2024-05-02"),
        ("D", now - hours(1), None),
    ):
        book.apply(cid, status(cid, "ON_TERMINAL", terminal="APMT", carrier="MAEU", since=since, last_free_day=lfd))
    book.apply("E", status("E", "GATED_OUT", terminal="APMT", carrier="MAEU", since=now - hours(200)))
    mine = book.mine(identity("maeu"), now + hours(12))
    assert [b.container_id for b in mine] == ["B", "C", "A", "D"]
    assert [b.dwell_days(now + hours(12)) for b in mine] == [3.5, 1.5, 1.5, 0.54]


def test_an_older_status_never_replaces_a_newer_one_and_a_tombstone_removes_the_box() -> None:
    book = ContainerBook()
    new = status("A", "GATED_OUT", carrier="MAEU", trucker="ABCD", as_of=BASE_TIME + hours(2))
    assert book.apply("A", new)
    assert not book.apply("A", status("A", "ON_TERMINAL", terminal="APMT", carrier="MAEU", as_of=BASE_TIME))
    assert book.get("A") is not None and book.get("A").where == "GATED_OUT"  # type: ignore[union-attr]
    assert book.apply("A", None) and book.get("A") is None and len(book) == 0


def test_a_move_before_the_last_dwell_refresh_still_replaces_it() -> None:
    """A refresh says 'on terminal' as of 06:00; the gate-out at 05:00 reaches the topic after it."""
    book = ContainerBook()
    refreshed = status("A", "ON_TERMINAL", terminal="APMT", carrier="MAEU", as_of=BASE_TIME + hours(6))
    refreshed["updated_at"] = BASE_TIME  # the discharge
    gated_out = status("A", "GATED_OUT", carrier="MAEU", trucker="ABCD", as_of=BASE_TIME + hours(5))
    assert book.apply("A", refreshed) and book.apply("A", gated_out)
    assert book.get("A").where == "GATED_OUT"  # type: ignore[union-attr]
    assert not book.apply("A", refreshed)  # and the refresh, read again, does not come back


def test_memory_is_bounded_by_dropping_the_box_updated_longest_ago() -> None:
    book = ContainerBook(capacity=3)
    for i, cid in enumerate("ABCD"):
        book.apply(cid, status(cid, "ON_TERMINAL", terminal="APMT", as_of=BASE_TIME + hours(i)))
    book.apply("B", status("B", "GATED_OUT", as_of=BASE_TIME + hours(9)))  # B is now the freshest
    book.apply("E", status("E", "ON_TERMINAL", terminal="APMT", as_of=BASE_TIME + hours(10)))
    assert {b for b in "ABCDE" if book.get(b)} == {"B", "D", "E"} and book.evicted == 2


def test_visits_have_turn_times_open_ones_first_and_are_each_truckers_and_their_terminals_own() -> None:
    visits = VisitBook(visit_hours=24)
    t = BASE_TIME
    visits.apply(
        [
            gate_move("V1", "IN", "ABCD", "APMT", t),
            gate_move("V1", "OUT", "ABCD", "APMT", t + hours(1.25)),
            gate_move("V2", "IN", "ABCD", "TTI", t + hours(2)),
            gate_move("V3", "IN", "EFGH", "APMT", t + hours(1)),
            gate_move("V3", "OUT", "EFGH", "APMT", t + hours(1.5)),
            gate_move("V4", "OUT", "ABCD", "APMT", t + hours(3)),  # its IN came before the window read
            gate_move("V4", "OUT", "ABCD", "APMT", t + hours(3)),  # a duplicate changes nothing
        ]
    )
    abcd = visits.mine(identity("abcd"))
    assert [(v.visit_id, v.turn_minutes) for v in abcd] == [("V2", None), ("V4", None), ("V1", 75.0)]
    assert abcd[0].public(t + hours(2.5))["minutes_on_terminal"] == 30.0
    assert [v.visit_id for v in visits.mine(identity("apmt"))] == ["V4", "V3", "V1"]
    assert [v.visit_id for v in visits.mine(identity("tti"))] == ["V2"]
    assert visits.mine(identity("maeu")) == [] and visits.mine(identity("up")) == []
    visits.apply([gate_move("V9", "IN", "EFGH", "APMT", t + hours(26))])  # V1 and V3 ended over 24 h before
    assert {v.visit_id for v in visits.mine(identity("apmt"))} == {"V4", "V9"}


# --- hypothesis: random ownership, no leak ------------------------------------------------------------------

boxes = st.lists(
    st.tuples(
        st.sampled_from(WHERE),
        st.sampled_from(TERMINALS),
        st.none() | st.sampled_from(CARRIERS),
        st.none() | st.sampled_from(TRUCKERS),
        st.integers(0, 240),
    ),
    max_size=25,
)


def everyone() -> list[Identity]:
    parties = [Identity(f"c-{c}", Role.CARRIER, c, "0" * 64) for c in CARRIERS]
    parties += [Identity(f"t-{t}", Role.TRUCKER, t, "1" * 64) for t in TRUCKERS]
    parties += [Identity(f"f-{f}", Role.TERMINAL, f, "2" * 64, port) for f, port in TERMINALS]
    parties += [Identity(f"f-{f}-any", Role.TERMINAL, f, "3" * 64) for f, _ in TERMINALS]
    return [*parties, identity("dcli"), identity("up")]


def owners(where: str, terminal: tuple[str, str], carrier: str | None, trucker: str | None) -> set[str]:
    """The spec restated: the call's carrier, the trucker now or last, the terminal while the box is on it."""
    found = {f"c-{carrier}"} if carrier else set()
    found |= {f"t-{trucker}"} if trucker else set()
    if where == "ON_TERMINAL":
        found |= {f"f-{terminal[0]}", f"f-{terminal[0]}-any"}
    return found


@settings(max_examples=300, deadline=None)
@given(boxes)
def test_random_ownership_every_party_reads_exactly_its_own_containers(drawn: list) -> None:
    book = ContainerBook()
    expected: dict[str, set[str]] = {}
    on_terminal: set[str] = set()
    for i, (where, (terminal, port), carrier, trucker, dwell_h) in enumerate(drawn):
        cid = f"BOX{i:07d}"
        since = BASE_TIME - hours(dwell_h)
        book.apply(cid, status(cid, where, terminal=terminal, port=port, carrier=carrier, trucker=trucker, since=since))
        for party in owners(where, (terminal, port), carrier, trucker):
            expected.setdefault(party, set()).add(cid)
        if where == "ON_TERMINAL":
            on_terminal.add(cid)
    now = datetime(2024, 5, 2, tzinfo=UTC)
    all_ids = [f"BOX{i:07d}" for i in range(len(drawn))] + ["BOX9999999"]
    for party in everyone():
        readable = {cid for cid in all_ids if book.readable(party, cid) is not None}
        assert readable == expected.get(party.party, set()), party
        mine = book.mine(party, now)
        assert {b.container_id for b in mine} == expected.get(party.party, set()) & on_terminal, party
        assert all(may_see(party, b) for b in mine)
        dwell = [b.dwell_days(now) or 0.0 for b in mine]
        assert dwell == sorted(dwell, reverse=True)
