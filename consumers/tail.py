"""`baystream tail TOPIC`: decoded records as JSON lines, one per record, for people and scripts."""

from __future__ import annotations

import argparse
import sys

from baystream.infra.settings import Settings

HELP = "print a topic's records as JSON lines"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("topic", help="topic name, e.g. gate-moves or congestion-latest")
    parser.add_argument("--from-beginning", action="store_true", help="start at the oldest record")
    parser.add_argument("--follow", "-f", action="store_true", help="keep waiting for new records")
    parser.add_argument("--max", type=int, default=None, metavar="N", help="stop after N records")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.infra.reader import read_topic
    from baystream.schemas.errors import DecodeError
    from baystream.schemas.json_form import dumps
    from baystream.schemas.wire import codec_for

    codec = codec_for(settings.kafka.schema_registry)
    undecodable = 0
    try:

        def waiting() -> None:
            print(f"baystream tail: at the end of {args.topic}, waiting for new records", file=sys.stderr, flush=True)

        caught_up = waiting if args.follow else None
        for message in read_topic(
            settings, args.topic, args.from_beginning, args.follow, args.max, on_caught_up=caught_up
        ):
            try:
                line = dumps(codec.decode(message.value()))
            except DecodeError as exc:
                undecodable += 1
                print(f"{args.topic}[{message.partition()}]@{message.offset()}: {exc}", file=sys.stderr)
                continue
            print(line, flush=args.follow)
    except KeyError as exc:
        print(f"baystream tail: {exc.args[0]}", file=sys.stderr)
        return 1
    return 1 if undecodable else 0
