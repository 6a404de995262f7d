"""`baystream publish FILE|-`: JSON lines to the backbone, all or nothing.

The whole input is validated first; one bad line means exit status 1, a message naming the line and the
field, and nothing published.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from baystream.infra.settings import Settings
from baystream.schemas.errors import InvalidEvent

HELP = "publish JSON-lines events from a file (or - for stdin); validates everything first"


class InvalidInput(ValueError):
    """Lines of an input that break the contract: [(line number, error), ...]."""

    def __init__(self, problems: list[tuple[int, InvalidEvent]]):
        self.problems = problems
        super().__init__("\n".join(f"line {n}: {err}" for n, err in problems))


def parse_lines(lines: Iterable[str], max_problems: int = 20) -> list[dict[str, Any]]:
    """Every non-blank line to a validated event; InvalidInput lists the bad ones (line numbers from 1)."""
    from baystream.schemas.json_form import parse_line

    records: list[dict[str, Any]] = []
    problems: list[tuple[int, InvalidEvent]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(parse_line(line))
        except InvalidEvent as exc:
            problems.append((number, exc))
            if len(problems) >= max_problems:
                break
    if problems:
        raise InvalidInput(problems)
    return records


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="JSON-lines file, or - for standard input")


def _open(path: str) -> TextIO:
    return sys.stdin if path == "-" else open(path, encoding="utf-8")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.infra.metrics import EVENTS_REJECTED
    from baystream.producers.publisher import Publisher, PublishError

    try:
        with _open(args.file) as handle:
            records = parse_lines(handle)
    except OSError as exc:
        print(f"baystream publish: {exc}", file=sys.stderr)
        return 1
    except InvalidInput as exc:
        EVENTS_REJECTED.labels("file", "any").inc(len(exc.problems))
        print(f"baystream publish: {args.file}: nothing published:\n{exc}", file=sys.stderr)
        return 1
    try:
        with Publisher(settings, validate=False) as publisher:
            delivered = publisher.publish_all(records)
    except PublishError as exc:
        print(f"baystream publish: {exc}", file=sys.stderr)
        return 1
    print(f"published {delivered} event(s)", file=sys.stderr)
    return 0
