"""`baystream topics create|list`: the catalog topics of docs/architecture.md on the configured cluster.

`create` creates the missing topics and brings the catalog's configs back on the existing ones; it prints
one `name<TAB>outcome` line per topic (created, exists, updated), then, indented, each config it altered
and each difference it did not change (partition count, replication factor) or could not check.
"""

from __future__ import annotations

import argparse

from baystream.infra.settings import Settings

HELP = "create the catalog topics (and restore their configs), or list them"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["create", "list"])


def run(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.infra.topics import describe_topics, reconcile_topics

    if args.action == "create":
        for report in reconcile_topics(settings):
            print(f"{report.name}\t{report.outcome}")
            for key, before, after in report.changed:
                print(f"  {key}: {'(not set)' if before is None else before} -> {after}")
            for note in report.notes:
                print(f"  {note}")
    else:
        for name, partitions, schema, key in describe_topics(settings):
            print(f"{name}\tpartitions={partitions}\tvalue={schema}\tkey={key}")
    return 0
