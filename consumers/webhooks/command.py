"""`baystream webhooks`: deliver alerts to the subscriptions made through the dashboard's /api/webhooks."""

from __future__ import annotations

import argparse
import sys

from baystream.infra.settings import Settings, given, option_help

HELP = "deliver congestion alerts to webhook subscriptions, signed, retried, dead-lettered (docs/webhooks.md)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--group", help=option_help("consumer group of the delivering processes", "webhooks_group_id"))


def run(args: argparse.Namespace, settings: Settings) -> int:
    import logging
    import signal

    from baystream.consumers.webhooks.delivery import RetryPolicy, WebhookDeliverer
    from baystream.infra.kafka_config import bootstrap
    from baystream.infra.metrics import serve_metrics

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    bootstrap(settings)  # no broker configured: a clear error before anything starts
    settings = settings.with_overrides(webhooks_group_id=given(args.group, settings.webhooks.group_id))
    try:
        RetryPolicy.from_settings(settings)
    except ValueError as exc:
        print(f"baystream webhooks: {exc}", file=sys.stderr)
        return 2
    serve_metrics("webhooks", settings)
    deliverer = WebhookDeliverer(settings)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: deliverer.stop())
    print(
        f"baystream webhooks: group {settings.webhooks.group_id} on {deliverer.topics.alerts}, "
        f"subscriptions from {deliverer.topics.subscriptions}",
        flush=True,
    )
    deliverer.run()
    return 0
