"""The map of the bay and the uPlot detail charts, in headless Chromium against a dashboard fed by the real broker."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from baystream.consumers.dashboard.service import DashboardOptions
from baystream.infra.settings import Settings
from tests.consumers.dashboard.cdp import Chromium, chromium_binary
from tests.consumers.dashboard.helpers import BASE_TIME, Publisher, indicator, minutes, private_topics, served_dashboard

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(chromium_binary() is None, reason="chromium not installed (make test installs it)"),
]

# The level palette of app.css / app.js, and the grey of a terminal without an index.
FILL = {"GREEN": "#23965a", "AMBER": "#dc9a00", "RED": "#d23f3f", "": "#a3acbb"}
LEVELS = ("GREEN", "AMBER", "RED")
INDEX_OF = {"GREEN": 20.0, "AMBER": 55.0, "RED": 85.0}


def on_map(scope: str, what: str) -> str:
    """JS: a property of the map's mark of one terminal (None when it has none)."""
    return f"document.querySelector('#map .terminal[data-scope={json.dumps(scope)}]')?.{what}"


def test_the_map_colours_every_terminal_by_its_level_and_shows_the_ships_at_anchor(
    broker_settings: Settings, fresh_name: str
) -> None:
    topics = private_topics(broker_settings, fresh_name)
    publish = Publisher(broker_settings, topics)
    with served_dashboard(broker_settings, DashboardOptions(topics=topics)) as dash:
        dash.wait_ready()
        status, body = dash.get("/api/scopes")
        assert status == 200
        terminals = [s for s in body["scopes"] if s["kind"] == "facility"]
        ports = [s["scope"] for s in body["scopes"] if s["kind"] == "port"]
        assert len(terminals) >= 12 and len(ports) == 2
        # every terminal but the last gets a level, in turn GREEN, AMBER, RED; the last stays without data
        levels = {t["scope"]: LEVELS[n % 3] for n, t in enumerate(terminals[:-1])}
        silent = terminals[-1]["scope"]
        waiting = {port: 3 + 4 * n for n, port in enumerate(ports)}  # 3 and 7 ships
        at = BASE_TIME + minutes(1)
        publish.indicators(
            [indicator(scope, "congestion_index", INDEX_OF[lv], lv, at) for scope, lv in levels.items()]
            + [indicator(scope, "vessels_waiting", float(n % 4), None, at) for n, scope in enumerate(levels)]
            + [indicator(port, "vessels_waiting", float(n), None, at) for port, n in waiting.items()]
            + [indicator("SPB", "vessels_waiting", float(sum(waiting.values())), None, at)]
        )

        async def drive() -> None:
            async with Chromium(width=1440, height=1000) as page:
                await page.open(dash.url)
                last = next(reversed(levels))
                await page.wait_for(f"{on_map(last, 'dataset.level')} === {json.dumps(levels[last])}")
                shown = await page.evaluate(
                    "[...document.querySelectorAll('#map .terminal')].map(t => t.dataset.scope)"
                )
                assert sorted(shown) == sorted(t["scope"] for t in terminals)  # the API's list, each once
                for scope, lv in {**levels, silent: ""}.items():
                    assert await page.evaluate(on_map(scope, "dataset.level")) == lv, scope
                    assert await page.evaluate(on_map(scope, "querySelector('rect').getAttribute('fill')")) == FILL[lv]
                code = silent.split("/")[1]
                assert await page.evaluate(on_map(silent, "querySelector('.code').textContent")) == code
                for port, n in waiting.items():
                    ships = f"document.querySelectorAll('#map .anchorage[data-port={port}] .ship').length"
                    assert await page.evaluate(ships) == n, port
                    caption = await page.evaluate(
                        f"document.querySelector('#map .anchorage[data-port={port}]').textContent"
                    )
                    assert f"{n} waiting" in caption

                # the queue: one group per port, and a group holds only its own port's terminals
                groups = await page.evaluate(
                    "[...document.querySelectorAll('#queue .queue-port')].map(g => [g.dataset.port,"
                    " [...g.querySelectorAll('.queue-row')].map(r => r.dataset.scope)])"
                )
                assert [port for port, _ in groups] == ports
                for port, rows in groups:
                    assert rows and all(row.startswith(port + "/") for row in rows), (port, rows)
                assert sorted(row for _, rows in groups for row in rows) == sorted(levels)

                # live: a terminal turning RED turns red on the map, without a reload
                await page.evaluate("window.notReloaded = true")
                turning = next(scope for scope, lv in levels.items() if lv == "GREEN")
                publish.indicators([indicator(turning, "congestion_index", 91.0, "RED", at + minutes(1))])
                await page.wait_for(f"{on_map(turning, 'dataset.level')} === 'RED'", timeout=15)
                assert await page.evaluate(on_map(turning, "querySelector('rect').getAttribute('fill')")) == FILL["RED"]
                assert await page.evaluate("window.notReloaded") is True

                # a terminal on the map is a way in: a click opens its charts
                await page.click(f"#map .terminal[data-scope={json.dumps(turning)}] rect")
                await page.wait_for(f"document.getElementById('detail-head').dataset.scope === {json.dumps(turning)}")
                assert not [line for line in page.console if line.startswith("exception")], page.console

        asyncio.run(drive())


CHART = "#charts [data-indicator=vessels_waiting]"
LEGEND = f"document.querySelector('{CHART} .u-legend .u-series:nth-child(2) .u-value').textContent"
LEGEND_TIME = f"document.querySelector('{CHART} .u-legend .u-series:nth-child(1) .u-value').textContent"
X_SCALE = (
    f"(() => {{ const s = document.querySelector('{CHART} .plot').chart.plot.scales.x; return [s.min, s.max]; }})()"
)


def test_a_detail_chart_shows_values_on_hover_integer_ticks_for_counts_and_zooms(
    broker_settings: Settings, fresh_name: str
) -> None:
    topics = private_topics(broker_settings, fresh_name)
    publish = Publisher(broker_settings, topics)
    # the queue of the issue: 1, 1, 0 ships, one a minute (the dashboard keeps a point a minute)
    queue = [1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0]
    publish.indicators(
        [indicator("USLAX/APMT", "vessels_waiting", v, None, BASE_TIME + minutes(n)) for n, v in enumerate(queue)]
        + [indicator("USLAX/APMT", "berth_utilization", 0.5 + n / 100, None, BASE_TIME + minutes(n)) for n in range(7)]
    )
    with served_dashboard(broker_settings, DashboardOptions(topics=topics)) as dash:
        dash.wait_ready()

        async def drive() -> None:
            async with Chromium(width=1280, height=900) as page:
                await page.open(dash.url + "/#/scope/USLAX/APMT")
                await page.wait_for(f"document.querySelector('{CHART} .uplot canvas') !== null")
                await page.wait_for(f"document.querySelector('{CHART} .plot').chart.data[0].length === {len(queue)}")
                y_ticks = (await page.wait_for(f"document.querySelector('{CHART} .plot').dataset.yTicks")).split("|")
                assert all(re.fullmatch(r"\d+", t) for t in y_ticks), y_ticks  # counts: whole ships only
                assert len(set(y_ticks)) == len(y_ticks) and {"0", "1"} <= set(y_ticks), y_ticks
                ratio_ticks = await page.evaluate(
                    "document.querySelector('#charts [data-indicator=berth_utilization] .plot').dataset.yTicks"
                )
                assert all(t.endswith("%") for t in ratio_ticks.split("|")), ratio_ticks
                x_ticks = (await page.evaluate(f"document.querySelector('{CHART} .plot').dataset.xTicks")).split("|")
                assert len(x_ticks) >= 2 and all(re.fullmatch(r"(\d\d-\d\d\n)?\d\d:\d\d(:\d\d)?", t) for t in x_ticks)
                assert x_ticks[0].startswith("05-01\n"), x_ticks  # the date once, then times (UTC)

                # hover: the value and time under the cursor (the plot spans the first to the last point)
                await page.hover(f"{CHART} .u-over", 0.999)
                await page.wait_for(f"{LEGEND} === '0'")
                assert await page.evaluate(LEGEND_TIME) == "05-01 12:06"
                await page.hover(f"{CHART} .u-over", 0.001)
                await page.wait_for(f"{LEGEND} === '1'")
                assert await page.evaluate(LEGEND_TIME) == "05-01 12:00"

                # zoom: drag across the middle; a live value keeps the zoom; a double click shows everything again
                full = await page.evaluate(X_SCALE)
                await page.drag(f"{CHART} .u-over", 0.3, 0.7)
                zoomed = await page.wait_for(f"(s => s[0] > {full[0]} && s[1] < {full[1]} && s)({X_SCALE})")
                publish.indicators([indicator("USLAX/APMT", "vessels_waiting", 4.0, None, BASE_TIME + minutes(7))])
                await page.wait_for(f"document.querySelector('{CHART} h4 b').textContent === '4'", timeout=15)
                await page.wait_for(
                    f"document.querySelector('{CHART} .plot').chart.data[0].length === {len(queue) + 1}"
                )
                assert await page.evaluate(X_SCALE) == zoomed
                await page.click(f"{CHART} .u-over", 0.5, 0.5, clicks=2)
                await page.wait_for(f"(s => s[0] === {full[0]} && s[1] === {full[1]} + 60)({X_SCALE})")
                assert not [line for line in page.console if line.startswith("exception")], page.console

        asyncio.run(drive())
