"""Screenshots of the dashboard for the README: a plausible congested afternoon, served for real.

Starts an embedded broker, publishes six hours of indicators and alerts for all 12 terminals, both ports
and the complex, and a few container statuses (tests/consumers/dashboard/scenario.py), serves the dashboard
and photographs it with headless Chromium: the overview with the map of the bay, a terminal's charts with
the cursor on one, and the party panel of the demo carrier signed in with its key.
Usage: .venv/bin/python bench/dashboard_screenshot.py [--out docs/img]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from baystream.consumers.dashboard.feed import FeedTopics
from baystream.consumers.dashboard.service import DashboardOptions
from baystream.infra.broker import EmbeddedBroker
from baystream.infra.settings import Settings
from baystream.infra.topics import CONTAINER_STATUS, create_topics
from tests.consumers.dashboard.cdp import Chromium
from tests.consumers.dashboard.helpers import Publisher, served_dashboard
from tests.consumers.dashboard.scenario import party_scenario, scenario
from tests.consumers.dashboard.test_browser_party import CARRIER_KEY, sign_in


async def photograph(url: str, out: Path) -> list[Path]:
    """The overview (map, queue, tiles), whole; a terminal's detail view, a screen of it, the cursor on a chart."""
    overview, detail = out / "dashboard.png", out / "dashboard-terminal.png"
    async with Chromium(width=1440, height=1000) as page:
        await page.open(url)
        await page.wait_for("document.querySelectorAll('.tile:not(.empty)').length === 12")
        await page.wait_for("document.querySelectorAll('.tile svg path').length >= 24")
        await page.wait_for(
            "document.querySelectorAll('#map .terminal[data-level]:not([data-level=\"\"])').length >= 12"
        )
        await page.wait_for("document.querySelectorAll('#map .ship').length > 0")
        await asyncio.sleep(1.0)
        await page.screenshot(overview)
        await page.evaluate("location.hash = '#/scope/USLGB/SSAPCT'")
        await page.wait_for("document.querySelectorAll('#charts .chart .uplot').length >= 15")
        await asyncio.sleep(1.0)
        await page.send(  # the overview's full-page shot grew the viewport: back to a screen's height
            "Emulation.setDeviceMetricsOverride",
            {"width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        )
        await asyncio.sleep(0.5)
        chart = "#charts [data-indicator=vessels_waiting]"
        await page.hover(f"{chart} .u-over", 0.62)
        await page.wait_for(
            f"/\\d/.test(document.querySelector('{chart} .u-legend .u-series:nth-child(2) .u-value').textContent)"
        )
        await asyncio.sleep(0.3)
        await page.screenshot(detail, full_page=False)
        party = out / "dashboard-party.png"
        await page.evaluate("location.hash = '#/'")
        await sign_in(page, CARRIER_KEY)
        await page.wait_for("document.querySelectorAll('#party [data-container]').length >= 6")
        await asyncio.sleep(0.5)
        await page.screenshot(party, full_page=False)
    return [overview, detail, party]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", default="docs/img", help="directory for dashboard.png, dashboard-terminal.png and dashboard-party.png"
    )
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with EmbeddedBroker() as broker:
        settings = Settings().with_overrides(bootstrap=broker.bootstrap, embedded=True, metrics_port=0)
        create_topics(settings)
        records, alerts = scenario(datetime(2024, 5, 1, 18, 0, tzinfo=UTC))
        started = time.perf_counter()
        publisher = Publisher(settings, FeedTopics())
        publisher.indicators(records)
        publisher.alerts(alerts)
        codec = publisher.codec
        for status in party_scenario(datetime(2024, 5, 1, 18, 0, tzinfo=UTC)):
            publisher.producer.produce(CONTAINER_STATUS, codec.encode(status), key=status["container_id"])
        assert publisher.producer.flush(15) == 0
        print(f"published {len(records)} indicators and {len(alerts)} alerts in {time.perf_counter() - started:.1f} s")
        with served_dashboard(settings, DashboardOptions(resolution_s=300)) as dash:
            started = time.perf_counter()
            health = dash.wait_ready(60)
            print(f"dashboard ready in {time.perf_counter() - started:.2f} s: {health}")
            written = asyncio.run(photograph(dash.url, out))
    print("wrote " + " and ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
