"""`baystream worker`: run the indicator worker (the Faust app of streams/app.py) until SIGINT or SIGTERM.

Start several with the same app id to share the input partitions; each needs its own `state_dir` when
they share a machine and the RocksDB store. How it runs and what it guarantees: docs/worker.md.
"""

from __future__ import annotations

import argparse

from baystream.infra.settings import Settings, given, option_help

HELP = "run the indicator worker (Faust): input topics in, congestion indicators and alerts out"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-size", type=int, help=option_help("most events per batch", "worker_batch_size"))
    parser.add_argument(
        "--batch-within", type=float, help=option_help("longest wait to fill a batch, seconds", "worker_batch_within_s")
    )
    parser.add_argument(
        "--partial-interval",
        type=float,
        help=option_help(
            "shortest time between two reports of a partition to the combiner, seconds", "worker_partial_interval_s"
        ),
    )
    parser.add_argument(
        "--checkpoint-interval",
        type=float,
        help=option_help(
            "shortest time between two checkpoints (and commits), seconds", "worker_checkpoint_interval_s"
        ),
    )
    parser.add_argument(
        "--no-fast-path",
        dest="fast_path",
        action="store_false",
        help="read the input topics through Faust's per-event streams (slower; for comparison)",
    )
    parser.add_argument(
        "--stop-timeout",
        type=float,
        help=option_help(
            "longest stop after Ctrl-C or SIGTERM, seconds; past it the worker exits with status 3",
            "worker_stop_timeout_s",
        ),
    )
    parser.add_argument("--loglevel", default="warning", help="Faust log level (default warning)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.infra.kafka_config import bootstrap
    from baystream.infra.metrics import serve_metrics
    from baystream.streams.app import Tuning, create_app, ensure_topics
    from baystream.streams.faust_internals import DeadlineWorker

    bootstrap(settings)
    ensure_topics(settings)
    serve_metrics("worker", settings)
    tuning = Tuning(
        batch_size=given(args.batch_size, settings.worker.batch_size),
        batch_within_s=given(args.batch_within, settings.worker.batch_within_s),
        partial_interval_s=given(args.partial_interval, settings.worker.partial_interval_s),
        checkpoint_interval_s=given(args.checkpoint_interval, settings.worker.checkpoint_interval_s),
        fast_path=args.fast_path,
    )
    built = create_app(settings, tuning=tuning)
    print(
        f"worker {settings.worker.app_id} on {settings.kafka.bootstrap}: {settings.kafka.partitions} partitions, "
        f"store {settings.worker.table_store}, publishing every {settings.worker.publish_interval_s:g}s",
        flush=True,
    )
    worker = DeadlineWorker(
        built.app,
        stop_timeout_s=given(args.stop_timeout, settings.worker.stop_timeout_s),
        before_exit=lambda: built.output.flush(2.0),
        loglevel=args.loglevel,
        quiet=True,
        redirect_stdouts=False,
    )
    try:
        worker.execute_from_commandline()
    except SystemExit as stop:
        return int(stop.code or 0)
    finally:
        built.output.close(10.0)
    return 0
