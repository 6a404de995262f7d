"""The air strip of the complex, port and terminal cards (with each terminal's 72-hour look-ahead) and the trade
lanes, in headless Chromium and `GET /api/trade-lanes`, against a dashboard fed by the real broker."""

from __future__ import annotations

import asyncio
import json

import pytest

from baystream.consumers.dashboard.service import DashboardOptions
from baystream.infra.settings import Settings
from tests.consumers.dashboard.cdp import Chromium, chromium_binary
from tests.consumers.dashboard.helpers import (
    BASE_TIME,
    Publisher,
    indicator,
    minutes,
    private_topics,
    served_dashboard,
    wait_for,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(chromium_binary() is None, reason="chromium not installed (make test installs it)"),
]

# indicator: (value, how the strip shows it)
AIR = {
    "anchor_co2_kg_per_hour": (3615.6, "3.6 t/h"),
    "berth_co2_kg_per_hour": (828.0, "828 kg/h"),
    "shore_power_share": (0.882, "88%"),
    "zero_emission_truck_share": (0.022, "2%"),
    "ship_co2_kg_per_teu": (2.968, "3.0 kg"),
    "arrivals_expected_72h": (25.0, "25"),
}


NO_VALUE = "\u2013"
"""What app.js shows for a value it does not have (an en dash)."""


LANES = {"CN": 60.0, "VN": 25.0, "KR": 15.0, "JP": 0.0}
"""Laden imports of the last 7 days by country of the last port (a country whose boxes left the window is 0)."""


def chips(scope: str) -> str:
    """JS: {indicator: text} of the air strip of one scope's card or tile."""
    return (
        f"Object.fromEntries([...document.querySelectorAll('.air[data-air={json.dumps(scope)}] .chip')]"
        ".map(c => [c.dataset.airIndicator, c.querySelector('b').textContent]))"
    )


def test_every_card_shows_its_air_strip_and_look_ahead(broker_settings: Settings, fresh_name: str) -> None:
    topics = private_topics(broker_settings, fresh_name)
    publish = Publisher(broker_settings, topics)
    at = BASE_TIME + minutes(1)
    terminal, other = "USLGB/TTI", "USLAX/APMT"
    with served_dashboard(broker_settings, DashboardOptions(topics=topics)) as dash:
        dash.wait_ready()
        publish.indicators(
            [indicator(s, name, v, None, at) for s in ("SPB", "USLGB", terminal) for name, (v, _) in AIR.items()]
            + [indicator(other, "arrivals_expected_72h", 3.0, None, at)]
            + [indicator("USLGB/ICTF", "rail_backlog", 1200.0, None, at)]  # a rail yard: no ships, no strip
            + [indicator("SPB", f"laden_imports_7d_from_{c}", n, None, at) for c, n in LANES.items()]
            + [indicator(scope, "congestion_index", 20.0, "GREEN", at) for scope in ("SPB", "USLGB", terminal, other)]
        )

        wait_for(lambda: dash.get("/api/trade-lanes?scope=SPB")[0] == 200)
        status, body = dash.get("/api/trade-lanes?scope=SPB")
        assert (status, body["total"], body["days"]) == (200, 100, 7)
        assert body["lanes"] == [
            {"country": "CN", "imports": 60, "share": 0.6},
            {"country": "VN", "imports": 25, "share": 0.25},
            {"country": "KR", "imports": 15, "share": 0.15},
        ]
        assert dash.get("/api/trade-lanes")[0] == 400
        assert dash.get("/api/trade-lanes?scope=USLAX")[0] == 404

        async def drive() -> None:
            async with Chromium(width=1440, height=1000) as page:
                await page.open(dash.url)
                await page.wait_for(f"{chips(terminal)}.arrivals_expected_72h === '25'")
                shown = {name: text for name, (_, text) in AIR.items()}
                for scope in ("SPB", "USLGB", terminal):
                    assert await page.evaluate(chips(scope)) == shown, scope
                apmt = await page.evaluate(chips(other))
                assert apmt["arrivals_expected_72h"] == "3" and apmt["shore_power_share"] == NO_VALUE
                yard = "document.querySelector('#tiles [data-scope=\"USLGB/ICTF\"]')"
                await page.wait_for(f"{yard} !== null")
                assert await page.evaluate(f"{yard}.querySelectorAll('.air').length") == 0

                lanes = await page.evaluate(
                    "[...document.querySelectorAll('#complex .lanes .lane')]"
                    ".map(l => [l.dataset.country, l.querySelector('b').textContent])"
                )
                assert lanes == [["CN", "60%"], ["VN", "25%"], ["KR", "15%"]]
                charts = "document.querySelectorAll('#charts .chart').length"
                await page.evaluate("location.hash = '#/scope/SPB'")
                await page.wait_for(f"{charts} > 0")
                assert (
                    await page.evaluate(
                        "[...document.querySelectorAll('#charts .chart')].filter(c => c.dataset.indicator.startsWith("
                        "'laden_imports_7d_from_')).length"
                    )
                    == 0
                )  # the lanes are the bar chart, not one chart per country
                await page.evaluate("location.hash = '#/'")

                # live: a new value replaces the old one without a reload
                publish.indicators([indicator(terminal, "shore_power_share", 0.95, None, at + minutes(1))])
                await page.wait_for(f"{chips(terminal)}.shore_power_share === '95%'", timeout=15)
                assert not [line for line in page.console if line.startswith("exception")], page.console

        asyncio.run(drive())
