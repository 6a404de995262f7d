"""`baystream indicators replay FILE [--at TIME]`: the indicator engine over a JSON-lines file, offline.

`baystream indicators config` prints the configuration in effect (defaults + `indicator_config`).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from baystream.infra.progress import add_progress_option
from baystream.infra.settings import Settings

if TYPE_CHECKING:
    from baystream.streams.config import IndicatorConfig

HELP = "congestion indicators offline: replay a JSON-lines file through the engine"


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="indicators_action", required=True, metavar="ACTION")
    replay = actions.add_parser(
        "replay",
        help="run the engine over a JSON-lines file and print the final snapshot as JSON",
        description="Run the indicator engine over a JSON-lines file (the JSON form of the events) and print "
        "the final snapshot: as_of (the watermark), every indicator of every scope, and the alerts raised.",
    )
    replay.add_argument("file", help="JSON-lines file of events, or - for standard input")
    replay.add_argument("--at", metavar="TIME", help="stop before the first event later than TIME (ISO-8601, UTC)")
    replay.add_argument(
        "--check-every",
        metavar="MINUTES",
        type=int,
        default=15,
        help="check congestion levels (alerts) every MINUTES of event time (default 15)",
    )
    replay.add_argument("--indent", type=int, default=None, help="pretty-print the JSON with this indent")
    add_progress_option(replay)
    actions.add_parser(
        "config",
        help="print the effective indicator configuration (defaults + the indicator_config TOML) as JSON",
        description="Print the facilities, congestion-index bounds, levels and engine settings in effect.",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.streams.config import IndicatorConfigError, config_from_settings

    try:
        config = config_from_settings(settings)
    except IndicatorConfigError as exc:
        print(f"baystream indicators: {exc}", file=sys.stderr)
        return 2
    if args.indicators_action == "config":
        json.dump(config.as_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    return _replay(args, config)


def _replay(args: argparse.Namespace, config: IndicatorConfig) -> int:
    from baystream.infra.progress import Progress, file_label, size_of
    from baystream.producers.file_publish import InvalidInput, open_events, validated_events
    from baystream.schemas.timerange import parse_time
    from baystream.streams.replay import replay

    until = None
    if args.at:
        try:
            until = parse_time(args.at)
        except ValueError as exc:
            print(f"baystream indicators: --at {args.at!r}: {exc}", file=sys.stderr)
            return 2
    try:
        with (
            open_events(args.file) as handle,
            Progress(f"replaying {file_label(args.file)}", size_of(handle), enabled=args.progress) as progress,
        ):
            snapshot = replay(validated_events(progress.lines(handle)), config, until, args.check_every)
    except OSError as exc:
        print(f"baystream indicators: {exc}", file=sys.stderr)
        return 1
    except InvalidInput as exc:
        print(f"baystream indicators: {args.file}: invalid input, no snapshot:\n{exc}", file=sys.stderr)
        return 1
    json.dump(snapshot.to_json(), sys.stdout, indent=args.indent)
    sys.stdout.write("\n")
    print(f"replayed {snapshot.applied} event(s), {snapshot.skipped} skipped (duplicate or too late)", file=sys.stderr)
    return 0
