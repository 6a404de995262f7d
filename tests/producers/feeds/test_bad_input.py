"""Bad feeds: each a clear error naming the interchange, message and segment (or the sentence), no events.

EDI is all or nothing, so `read_*` raising means nothing is published (the command's integration test,
test_ingest.py, shows it on a broker). AIS goes on past a bad sentence: it is returned as rejected.
"""

from __future__ import annotations

from functools import reduce
from pathlib import Path

import pytest

from baystream.producers.feeds.ais import Call, read_ais
from baystream.producers.feeds.common import FeedError
from baystream.producers.feeds.edifact import read_edifact
from baystream.producers.feeds.x12 import read_x12

SAMPLES = Path(__file__).parent / "samples"
CODECO = (SAMPLES / "codeco_gate_out_d95b.edi").read_bytes().decode("latin-1")
TWO_CODECOS = (SAMPLES / "codeco_gate_in_d00b.edi").read_text()
COARRI = (SAMPLES / "coarri_discharge_d95b.edi").read_text()
X12 = (SAMPLES / "terminal_322.x12").read_text()


def _edifact_error(text: str) -> str:
    with pytest.raises(FeedError) as caught:
        read_edifact(text)
    return str(caught.value)


def _x12_error(text: str) -> str:
    with pytest.raises(FeedError) as caught:
        read_x12(text)
    return str(caught.value)


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_an_interchange_cut_inside_a_segment_names_the_message(cut: float) -> None:
    message = _edifact_error(COARRI[: int(len(COARRI) * cut)])
    assert message.startswith("interchange YT0501 from YUSEN, message DIS1 (COARRI): cut or malformed after segment")


def test_an_interchange_cut_between_segments_names_what_is_missing() -> None:
    without_trailers = CODECO[: CODECO.index("UNT+")]
    assert _edifact_error(without_trailers) == (
        "interchange 4711 from APMT, message 1 (CODECO): the text ends inside the message (no UNT): "
        "the interchange is cut"
    )
    without_unz = CODECO[: CODECO.index("UNZ+")]
    assert _edifact_error(without_unz) == "interchange 4711: the text ends before its UNZ: the interchange is cut"


def test_a_wrong_unt_segment_count_names_the_message_and_the_unt() -> None:
    assert _edifact_error(TWO_CODECOS.replace("UNT+8+GI0002", "UNT+9+GI0002")) == (
        "interchange LB0502 from LBCT, message GI0002 (CODECO), segment 8 (UNT): "
        "UNT counts 9 segment(s), the message has 8 (UNH to UNT)"
    )


def test_a_wrong_unz_message_count_is_refused() -> None:
    assert "UNZ counts 3 message(s), it holds 2" in _edifact_error(TWO_CODECOS.replace("UNZ+2+", "UNZ+3+"))


@pytest.mark.parametrize(
    ("old", "new", "where", "reason"),
    [
        ("BGM+36", "BGM+35", "segment 2 (BGM)", "unknown CODECO document name code (BGM 1001) '35'"),
        ("EQD+CH", "EQD+TE", "segment 13 (EQD)", "unknown equipment qualifier 'TE'; expected CN or CH"),
        ("45G1:102:5++3+5", "45G1:102:5++3+7", "segment 9 (EQD)", "unknown full/empty indicator (EQD 8169) '7'"),
        ("DTM+7:202405011204:203", "DTM+7:202405011204:303", "segment 11 (DTM)", "unknown DTM format '303'"),
    ],
)
def test_an_unknown_qualifier_names_its_segment(old: str, new: str, where: str, reason: str) -> None:
    message = _edifact_error(CODECO.replace(old, new))
    assert message.startswith(f"interchange 4711 from APMT, message 1 (CODECO), {where}: {reason}")


def test_an_invalid_container_number_names_its_eqd() -> None:
    message = _edifact_error(COARRI.replace("CSQU3054383", "CSQU3054384"))
    assert message == (
        "interchange YT0501 from YUSEN, message DIS1 (COARRI), segment 16 (EQD): container 'CSQU3054384': "
        "ISO 6346 check digit of CSQU305438 is 3, not 4"
    )


def test_a_bad_message_in_the_middle_gives_no_events_at_all() -> None:
    bad_second = TWO_CODECOS.replace("BGM+34+GI-0002", "BGM+99+GI-0002")
    assert "message GI0002 (CODECO), segment 2 (BGM)" in _edifact_error(bad_second)


def test_a_message_type_or_directory_not_read_is_refused() -> None:
    assert "message type 'IFTSTA' is not read" in _edifact_error(CODECO.replace("CODECO:D:95B", "IFTSTA:D:95B"))
    assert "directory D:01B is not read" in _edifact_error(CODECO.replace("CODECO:D:95B", "CODECO:D:01B"))


def test_x12_cut_is_refused() -> None:
    assert _x12_error(X12[: len(X12) // 3]).startswith("interchange: not X12:")


def test_x12_wrong_se_count_names_the_transaction_set() -> None:
    assert _x12_error(X12.replace("SE*10*0002", "SE*9*0002")) == (
        "interchange 000000311 from APMT: transaction set 0002, segment 10 (SE): SE01 counts 9, the set has 10"
    )


def test_x12_unknown_status_code_names_the_q5() -> None:
    assert _x12_error(X12.replace("Q5*UV*", "Q5*XX*")) == (
        "interchange 000000311 from APMT, transaction set 0003, segment 2 (Q5): unknown shipment status code 'XX'"
        " (Q501); expected one of I, OA, UV, AE, RL"
    )


def test_x12_invalid_container_number_names_the_n7() -> None:
    message = _x12_error(X12.replace("N7*TRLU*998877*********CN******4", "N7*TRLU*998877*********CN******5"))
    assert message == (
        "interchange 000000311 from APMT, transaction set 0002, segment 6 (N7): container 'TRLU9988775': "
        "ISO 6346 check digit of TRLU998877 is 4, not 5"
    )


def _sentence(body: str) -> str:
    return f"!{body}*{reduce(lambda acc, ch: acc ^ ord(ch), body, 0):02X}"


def test_ais_goes_on_past_a_bad_checksum_and_an_unknown_type() -> None:
    lines = (SAMPLES / "receiver.nmea").read_text().splitlines()
    unknown = _sentence("AIVDM,1,1,,A,w1234567890,0")  # message type 63: no such AIS message
    garbage = "!AIVDM,1,1,,A,13"
    events, rejected = read_ais([unknown, garbage, *lines], [Call("9454436", "ZIMU", "12E", "SSATA")])
    assert len(events) == 4  # the milestones of the recording, as if the bad sentences were not there
    reasons = [r.reason for r in rejected]
    assert reasons[0].startswith("AIS payload does not decode: ")
    assert reasons[1].startswith("not an NMEA sentence: ")
    assert reasons[2] == "bad checksum: the sentence says 11, its content gives another"
    assert [r.sentence for r in rejected[:2]] == [unknown, garbage]
