"""`baystream broker`: the embedded Tansu broker in the foreground, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType

from infra.settings import Settings

HELP = "run the embedded Kafka-compatible broker (Tansu, memory only) on 127.0.0.1"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: a free one)")
    parser.add_argument("--no-topics", action="store_true", help="do not create the catalog topics")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from infra.broker import EmbeddedBroker
    from infra.topics import create_topics

    broker = EmbeddedBroker(args.port).start()

    def stop(signum: int, frame: FrameType | None) -> None:
        broker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if not args.no_topics:
        create_topics(settings.with_overrides(bootstrap=broker.bootstrap, embedded=True))
    print(broker.bootstrap, flush=True)
    print(
        f"embedded broker (memory only: data is lost when it stops) on {broker.bootstrap}\n"
        f"  export BAYSTREAM_BOOTSTRAP={broker.bootstrap} BAYSTREAM_EMBEDDED=1\n"
        "Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    try:
        while broker.running():
            time.sleep(0.2)
    finally:
        broker.stop()
    return 0
