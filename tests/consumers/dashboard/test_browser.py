"""The dashboard in headless Chromium: tiles show what was published, and new values appear without a reload.

The map of the bay and the detail charts have their own tests: test_browser_charts.py.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from baystream.consumers.dashboard.service import DashboardOptions
from baystream.infra.broker import free_port
from baystream.infra.settings import Settings
from tests.consumers.dashboard.cdp import Chromium, chromium_binary
from tests.consumers.dashboard.helpers import (
    BASE_TIME,
    Publisher,
    alert,
    indicator,
    minutes,
    private_topics,
    served_dashboard,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(chromium_binary() is None, reason="chromium not installed (make test installs it)"),
]


def tile(scope: str, name: str) -> str:
    """JS: the text a terminal tile shows for one indicator."""
    return f"document.querySelector('.tile[data-scope={json.dumps(scope)}] [data-indicator={name}]')?.textContent"


def test_tiles_show_published_values_and_update_live(broker_settings: Settings, fresh_name: str) -> None:
    topics = private_topics(broker_settings, fresh_name)
    publish = Publisher(broker_settings, topics)
    at = BASE_TIME + minutes(1)
    publish.indicators(
        [
            indicator("USLAX/APMT", "congestion_index", 42.4, "AMBER", at),
            indicator("USLAX/APMT", "truck_turn_minutes", 63.2, None, at),
            indicator("USLAX/APMT", "import_dwell_days", 3.46, None, at),
            indicator("USLGB/TTI", "congestion_index", 81.0, "RED", at),
            indicator("USLGB/TTI", "berth_utilization", 0.875, None, at),
            indicator("SPB", "congestion_index", 38.0, "GREEN", at),
            indicator("SPB", "vessels_waiting", 12.0, None, at),
        ]
    )

    async def drive(url: str) -> None:
        async with Chromium(width=1280, height=900) as page:
            await page.open(url)
            await page.wait_for(f"{tile('USLAX/APMT', 'congestion_index')} === '42'")
            assert await page.evaluate(tile("USLAX/APMT", "truck_turn_minutes")) == "63 min"
            assert await page.evaluate(tile("USLAX/APMT", "import_dwell_days")) == "3.5 d"
            assert await page.evaluate(tile("USLGB/TTI", "congestion_index")) == "81"
            assert await page.evaluate(tile("USLGB/TTI", "berth_utilization")) == "88%"
            assert (
                await page.evaluate("document.querySelector('.tile[data-scope=\"USLGB/TTI\"]').dataset.level") == "RED"
            )
            assert (
                await page.evaluate("document.querySelector('#complex [data-indicator=congestion_index]').textContent")
                == "38"
            )
            assert (
                await page.evaluate("document.querySelector('#queue [data-indicator=vessels_waiting]').textContent")
                == "12"
            )
            assert (
                await page.evaluate("document.querySelectorAll('.tile').length") == 12
            )  # every terminal (docs/domain.md)
            await page.wait_for("document.getElementById('live').dataset.state === 'live'")

            await page.evaluate("window.notReloaded = true")
            publish.indicators([indicator("USLAX/APMT", "congestion_index", 71.6, "RED", at + minutes(1))])
            publish.alerts([alert("USLAX/APMT", "RED", "AMBER", 71.6, at + minutes(1))])
            await page.wait_for(f"{tile('USLAX/APMT', 'congestion_index')} === '72'", timeout=15)
            await page.wait_for("document.querySelector('.tile[data-scope=\"USLAX/APMT\"]').dataset.level === 'RED'")
            await page.wait_for("document.querySelector('#alerts li[data-alert]')?.textContent.includes('AMBER → RED')")
            assert await page.evaluate("window.notReloaded") is True

            await page.evaluate("location.hash = '#/scope/USLAX/APMT'")
            await page.wait_for("document.querySelectorAll('#charts .chart .uplot canvas').length >= 3")
            charts = await page.evaluate(
                "[...document.querySelectorAll('#charts .chart')].map(c => c.dataset.indicator)"
            )
            assert charts == ["congestion_index", "truck_turn_minutes", "import_dwell_days"]
            publish.indicators([indicator("USLAX/APMT", "truck_turn_minutes", 88.0, None, at + minutes(2))])
            await page.wait_for(
                "document.querySelector('#charts [data-indicator=truck_turn_minutes] h4 b').textContent === '88 min'"
            )
            assert await page.evaluate("window.notReloaded") is True
            assert not [line for line in page.console if line.startswith("exception")], page.console

    with served_dashboard(broker_settings, DashboardOptions(topics=topics)) as dash:
        dash.wait_ready()
        asyncio.run(drive(dash.url))


def test_the_page_reconnects_to_a_restarted_dashboard(broker_settings: Settings, fresh_name: str) -> None:
    topics = private_topics(broker_settings, fresh_name)
    publish = Publisher(broker_settings, topics)
    publish.indicators([indicator("USLGB/ITS", "congestion_index", 12.0, "GREEN", BASE_TIME)])
    port = free_port()

    async def open_page(page: Chromium, url: str) -> None:
        await page.open(url)
        await page.wait_for(f"{tile('USLGB/ITS', 'congestion_index')} === '12'")
        await page.evaluate("window.notReloaded = true")

    async def scenario() -> None:
        async with Chromium(width=1280, height=900) as page:
            with served_dashboard(broker_settings, DashboardOptions(topics=topics), port) as dash:
                dash.wait_ready()
                await open_page(page, dash.url)
            # stopped: the page says so, and a value published meanwhile arrives once it is back
            await page.wait_for("document.getElementById('live').dataset.state === 'reconnecting'")
            publish.indicators([indicator("USLGB/ITS", "congestion_index", 45.0, "AMBER", BASE_TIME + minutes(1))])
            with served_dashboard(broker_settings, DashboardOptions(topics=topics), port) as dash:
                dash.wait_ready()
                await page.wait_for(f"{tile('USLGB/ITS', 'congestion_index')} === '45'", timeout=20)
                await page.wait_for("document.getElementById('live').dataset.state === 'live'")
                assert await page.evaluate("window.notReloaded") is True

    asyncio.run(scenario())
