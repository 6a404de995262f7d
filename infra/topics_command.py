"""`baystream topics create|list`: the catalog topics of DESIGN.md on the configured cluster."""

from __future__ import annotations

import argparse

from infra.settings import Settings

HELP = "create or list the catalog topics"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["create", "list"])


def run(args: argparse.Namespace, settings: Settings) -> int:
    from infra.topics import create_topics, describe_topics

    if args.action == "create":
        for name, outcome in create_topics(settings).items():
            print(f"{name}\t{outcome}")
    else:
        for name, partitions, schema, key in describe_topics(settings):
            print(f"{name}\tpartitions={partitions}\tvalue={schema}\tkey={key}")
    return 0
