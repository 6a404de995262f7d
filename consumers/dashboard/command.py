"""`baystream dashboard`: serve the live congestion dashboard, the REST API and the webhook subscriptions."""

from __future__ import annotations

import argparse
import sys

from baystream.infra.settings import Settings, given, option_help

HELP = "serve the live congestion dashboard, its REST API and the webhook subscriptions"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help=option_help("address to listen on", "dashboard_host"))
    parser.add_argument("--port", type=int, help=option_help("port to listen on", "dashboard_port"))
    parser.add_argument(
        "--history-hours",
        type=float,
        metavar="H",
        help=option_help("hours of history the charts start with", "dashboard_history_hours"),
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio
    import logging

    from baystream.consumers.dashboard.app import serve_forever
    from baystream.consumers.dashboard.service import DashboardOptions
    from baystream.infra.kafka_config import bootstrap
    from baystream.infra.metrics import serve_metrics

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    bootstrap(settings)  # no broker configured: a clear error before anything starts
    if settings.dashboard.webhooks:
        print(
            "baystream dashboard: the `webhooks` setting is gone: subscriptions are made with POST /api/webhooks "
            "and delivered by `baystream webhooks` (docs/webhooks.md)",
            file=sys.stderr,
        )
        return 2
    history_hours = given(args.history_hours, settings.dashboard.history_hours)
    if history_hours <= 0:
        print("baystream dashboard: --history-hours must be positive", file=sys.stderr)
        return 2
    serve_metrics("dashboard", settings)  # /metrics is also served on the dashboard's own port
    asyncio.run(serve_forever(settings, DashboardOptions(history_hours=history_hours), args.host, args.port))
    return 0
