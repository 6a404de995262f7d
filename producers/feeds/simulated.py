"""`baystream simulate --format edifact|x12|ais`: the simulator's traffic as the feeds terminals and receivers send.

EDIFACT: one interchange per sender (terminal) of CODECOs and COARRIs; X12: one interchange of 322s per
sender (terminal or railroad); AIS: the tracks of every vessel milestone, and beside the output file the
expected port calls `baystream ingest ais --calls` needs (`<out>.calls.jsonl`). Events a feed does not
carry (chassis checkouts; vessel milestones for EDI) are left out and counted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

FORMATS = ("json", "edifact", "x12", "ais")
CARRIED = {
    "edifact": {"GateMove", "ContainerEvent"},
    "x12": {"GateMove", "ContainerEvent", "RailDeparture"},
    "ais": {"VesselArrival"},
}


def write_feed(feed: str, events: list[dict[str, Any]], prepared: datetime) -> tuple[str, list[dict[str, Any]]]:
    """The feed text of `events` (those the feed carries) and, for AIS, the expected calls."""
    from baystream.producers.feeds.ais import calls_of
    from baystream.producers.feeds.ais_writer import write_ais
    from baystream.producers.feeds.edifact_writer import write_edifact
    from baystream.producers.feeds.x12_writer import write_x12

    if feed == "ais":
        calls = [{"vessel_imo": c.vessel_imo, "carrier": c.carrier, "voyage": c.voyage, "facility": c.facility,
                  "call_id": c.id} for c in calls_of(events)]  # fmt: skip
        return "".join(line + "\n" for line in write_ais(events)), calls
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_source[event["source"]].append(event)
    parts = []
    for number, (source, sent) in enumerate(sorted(by_source.items()), start=1):
        if feed == "edifact":
            parts.append(write_edifact(sent, source, f"{number}", prepared=prepared))
        else:
            parts.append(write_x12(sent, source, number, prepared=prepared))
    return "".join(parts), []


def run_feed(args: argparse.Namespace) -> int:
    """Simulate as `baystream simulate` does (unpaced) and write the run as `args.format` to `args.out`."""
    from baystream.producers.simulator import DEFAULT_START, simulate

    if not args.out or args.speed:
        print(
            f"baystream simulate: --format {args.format} writes a file: give --out FILE (or -), no --speed",
            file=sys.stderr,
        )
        return 2
    start = datetime.fromisoformat(args.start).astimezone(UTC) if args.start else DEFAULT_START
    warmup = args.warmup_days or 0.0
    begin = start - timedelta(days=warmup)
    kept: list[dict[str, Any]] = []
    left_out: Counter[str] = Counter()
    for event in simulate(args.scenario, args.hours + warmup * 24, args.seed, begin):
        if event["type"] in CARRIED[args.format] and (args.format != "ais" or event["classifier"] == "ACTUAL"):
            kept.append(event)
        else:  # AIS tracks show what happened: the simulator's estimates are not written
            left_out[
                event["type"] if event["classifier"] == "ACTUAL" else f"{event['type']} {event['classifier']}"
            ] += 1
    text, calls = write_feed(args.format, kept, begin)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="ascii") as handle:
            handle.write(text)
        if calls:
            with open(args.out + ".calls.jsonl", "w", encoding="utf-8") as handle:
                handle.writelines(json.dumps(c) + "\n" for c in calls)
    skipped = ", ".join(f"{n} {t}" for t, n in sorted(left_out.items())) or "none"
    print(f"wrote {len(kept)} event(s) as {args.format}; not carried by it: {skipped}", file=sys.stderr)
    return 0
