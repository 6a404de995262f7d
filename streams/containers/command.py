"""`baystream containers`: keep the compacted topic `container-status` (docs/containers.md)."""

from __future__ import annotations

import argparse
import sys

from baystream.infra.settings import Settings, given, option_help

HELP = "keep container-status: where each container is, its carrier, dwell and last free day (docs/containers.md)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--group", help=option_help("consumer group whose committed offsets it keeps", "containers_group_id")
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    import logging
    import signal

    from baystream.infra.kafka_config import bootstrap
    from baystream.infra.metrics import serve_metrics
    from baystream.streams.containers.processor import ContainerStatusProcessor, book_for, ensure_topics

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    bootstrap(settings)  # no broker configured: a clear error before anything starts
    settings = settings.with_overrides(containers_group_id=given(args.group, settings.containers.group_id))
    try:
        book_for(settings)
    except ValueError as exc:
        print(f"baystream containers: {exc}", file=sys.stderr)
        return 2
    serve_metrics("containers", settings)
    ensure_topics(settings)
    processor = ContainerStatusProcessor(settings)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: processor.stop())
    print(f"baystream containers: group {settings.containers.group_id}, restoring", flush=True)
    processor.run()
    return 0
