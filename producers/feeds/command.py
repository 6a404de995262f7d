"""`baystream ingest edifact|x12|ais FILE|-`: what terminals, carriers and AIS receivers send, onto the backbone.

EDIFACT (CODECO, COARRI) and X12 322 are all or nothing, like `publish`: the whole input is read and checked
first; one bad message means exit status 1, an error naming the interchange, message and segment, and
nothing published. AIS is a stream: a sentence that cannot be used (bad checksum, a payload that does not
decode, a stray fragment) is dead-lettered with its reason and counted (`baystream_dead_letters_total`,
topic vessel-arrivals, stage decode), and the stream goes on. `--dry-run` prints the events as JSON lines
instead of publishing them. docs/feeds.md has the mappings and the arrival rules.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from baystream.infra.settings import Settings

HELP = "publish EDIFACT CODECO/COARRI, X12 322 or AIS sentences from a file (- for stdin) as events"
PRODUCER = "ingest-ais"


FEEDS = {
    "edifact": "EDIFACT CODECO (-> GateMove) and COARRI (-> ContainerEvent), D.95B to D.00B",
    "x12": "ANSI X12 322 (-> GateMove, ContainerEvent, RailDeparture)",
    "ais": "AIS !AIVDM sentences (-> VesselArrival milestones), from a file or a UDP port",
}


def configure(parser: argparse.ArgumentParser) -> None:
    feeds = parser.add_subparsers(dest="feed", required=True, metavar="FEED")
    for name, text in FEEDS.items():
        sub = feeds.add_parser(name, help=text, description=text)
        sub.add_argument("file", nargs="?", default="-", help="the input file, or - for standard input (default)")
        sub.add_argument("--dry-run", action="store_true", help="print the events as JSON lines, publish nothing")
        if name != "ais":
            continue
        sub.add_argument("--udp", type=int, metavar="PORT", help="read sentences from this UDP port instead of a file")
        sub.add_argument("--calls", metavar="FILE", help="expected port calls, JSON lines (docs/feeds.md)")
        sub.add_argument("--dwell-minutes", type=float, default=10.0, help="stopped this long inside = arrived (10)")
        sub.add_argument("--anchorage-knots", type=float, default=1.0, help="at most this fast at anchor (1.0)")
        sub.add_argument("--berth-knots", type=float, default=0.5, help="at most this fast alongside (0.5)")
        sub.add_argument("--no-eta", action="store_true", help="do not publish type 5 ETAs as ESTIMATED arrivals")


def _read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as handle:
        return handle.read()


class _Sink:
    """Where events and dead letters go: the backbone, or standard output for --dry-run."""

    def __init__(self, settings: Settings, dry_run: bool):
        self.dry_run = dry_run
        self.published = 0
        self.dead = 0
        if dry_run:
            return
        from confluent_kafka import Producer

        from baystream.infra.kafka_config import producer_config
        from baystream.producers.publisher import Publisher
        from baystream.schemas.wire import codec_for

        self._codec = codec_for(settings.kafka.schema_registry)
        self.publisher = Publisher(settings, codec=self._codec, validate=False)
        self._dead_letters = Producer(producer_config(settings))

    def events(self, events: Iterable[dict[str, Any]]) -> None:
        from baystream.schemas.json_form import dumps

        for event in events:
            if self.dry_run:
                print(dumps(event), flush=True)
            else:
                self.publisher.publish(event)
            self.published += 1

    def dead_letter(self, sentence: str, reason: str) -> None:
        from baystream.infra.topics import DEAD_LETTER, VESSEL_ARRIVALS
        from baystream.streams.dead_letter import dead_letter

        letter = dead_letter(
            topic=VESSEL_ARRIVALS, reason=reason, stage="decode", producer=PRODUCER, value=sentence.encode()
        )
        self.dead += 1
        if self.dry_run:
            print(f"baystream ingest: dead-lettered: {reason}: {sentence}", file=sys.stderr)
            return
        self._dead_letters.produce(DEAD_LETTER, self._codec.encode(letter, DEAD_LETTER))
        self._dead_letters.poll(0)

    def close(self) -> None:
        if self.dry_run:
            return
        self.publisher.close()
        remaining = self._dead_letters.flush(30)
        self._dead_letters.close()
        if remaining:
            raise RuntimeError(f"{remaining} dead letter(s) not delivered")


def _edi(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.infra.metrics import EVENTS_REJECTED
    from baystream.producers.feeds.common import FeedError
    from baystream.producers.feeds.edi import read_edi

    try:
        events = read_edi(args.feed, _read_bytes(args.file))
    except OSError as exc:
        print(f"baystream ingest: {exc}", file=sys.stderr)
        return 1
    except FeedError as exc:
        EVENTS_REJECTED.labels(f"ingest-{args.feed}", "any").inc()
        print(f"baystream ingest: {args.file}: nothing published: {exc}", file=sys.stderr)
        return 1
    sink = _Sink(settings, args.dry_run)
    sink.events(events)
    sink.close()
    print(f"{'read' if args.dry_run else 'published'} {sink.published} event(s)", file=sys.stderr)
    return 0


def _udp_lines(port: int) -> Iterator[tuple[str, datetime]]:
    """Sentences as AIS receivers forward them: one or more lines per datagram, timed on receipt."""
    # Ctrl-C (SIGINT) ends the listener even when a shell started it in the background, which ignores SIGINT
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("0.0.0.0", port))
        print(f"baystream ingest: listening for AIS on UDP port {port}", file=sys.stderr, flush=True)
        while True:
            datagram = sock.recv(65535)
            received = datetime.now(UTC)
            for line in datagram.decode("ascii", "replace").splitlines():
                yield line, received


def _file_lines(path: str) -> Iterator[tuple[str, datetime | None]]:
    handle = sys.stdin if path == "-" else open(path, encoding="ascii", errors="replace")  # noqa: SIM115
    with handle:
        for line in handle:
            yield line, None


def _ais(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.producers.feeds.ais import AisFeed, ArrivalRules, load_calls

    rules = ArrivalRules(
        anchorage_max_knots=args.anchorage_knots,
        berth_max_knots=args.berth_knots,
        dwell=timedelta(minutes=args.dwell_minutes),
        eta=not args.no_eta,
    )
    try:
        calls = []
        if args.calls:
            with open(args.calls, encoding="utf-8") as handle:
                calls = load_calls(handle)
    except (OSError, ValueError) as exc:
        print(f"baystream ingest: --calls: {exc}", file=sys.stderr)
        return 1
    feed = AisFeed(calls, rules)
    sink = _Sink(settings, args.dry_run)
    lines = _udp_lines(args.udp) if args.udp is not None else _file_lines(args.file)
    try:
        for line, received in lines:
            events, rejected = feed.feed(line, received)
            sink.events(events)
            for bad in rejected:
                sink.dead_letter(bad.sentence, bad.reason)
    except OSError as exc:
        print(f"baystream ingest: {exc}", file=sys.stderr)
        return 1
    finally:
        sink.close()
        c = feed.counts
        print(
            f"{c.sentences} sentence(s), {c.messages} message(s): {sink.published} event(s)"
            f" {'read' if args.dry_run else 'published'}, {sink.dead} dead-lettered, {c.ignored} ignored"
            f" (other types), {c.unscheduled} milestone(s) of ships with no expected call",
            file=sys.stderr,
        )
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    return _ais(args, settings) if args.feed == "ais" else _edi(args, settings)
