"""`baystream`: one console command; each subcommand lives beside the concern it drives.

A command module exposes `HELP`, `configure(parser)` and `run(args, settings) -> int`, and keeps heavy
imports inside `run` so `baystream --help` stays quick.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from baystream import __version__
from baystream.infra.errors import BaystreamError
from baystream.infra.settings import load_settings

COMMANDS: dict[str, str] = {
    "broker": "baystream.infra.broker_command",
    "topics": "baystream.infra.topics_command",
    "publish": "baystream.producers.file_publish",
    "ingest": "baystream.producers.feeds.command",
    "tail": "baystream.consumers.tail",
    "simulate": "baystream.producers.simulator.command",
    "indicators": "baystream.streams.command",
    "worker": "baystream.streams.worker",
    "dashboard": "baystream.consumers.dashboard.command",
    "gateway": "baystream.producers.gateway.command",
    "webhooks": "baystream.consumers.webhooks.command",
    "containers": "baystream.streams.containers.command",
    "demo": "baystream.infra.demo",
}


def _available() -> dict[str, ModuleType]:
    modules = {}
    for name, path in COMMANDS.items():
        try:
            modules[name] = importlib.import_module(path)
        except ModuleNotFoundError as exc:
            if not (exc.name and path.startswith(exc.name)):
                raise
    return modules


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = argparse.ArgumentParser(
        prog="baystream", description="Event-streaming backbone of the San Pedro Bay port complex."
    )
    parser.add_argument("--version", action="version", version=f"baystream {__version__}")
    parser.add_argument("--config", help="TOML settings file (also BAYSTREAM_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = _available()
    for name, module in modules.items():
        module.configure(sub.add_parser(name, help=module.HELP, description=module.HELP))
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(config_file=args.config)
        return int(modules[args.command].run(args, settings) or 0)
    except KeyboardInterrupt:
        return 130
    except BaystreamError as exc:
        # What a user can act on (a setting, the data, the broker) is one message and an exit status, not a
        # traceback, whichever command met it: 2 for configuration, 1 for the rest (infra/errors.py).
        print(f"baystream {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
