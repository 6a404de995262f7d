"""The REST API against a dashboard fed from the real embedded broker (private topics per test)."""

from __future__ import annotations

from prometheus_client import REGISTRY

from baystream.consumers.dashboard.api import BAD_PARAMETER, NO_DATA
from baystream.consumers.dashboard.feed import FeedTopics
from baystream.consumers.dashboard.service import DashboardOptions
from baystream.infra.settings import Settings
from tests.brokers import Broker
from tests.consumers.dashboard.helpers import (
    BASE_TIME,
    Publisher,
    alert,
    indicator,
    minutes,
    private_topics,
    served_dashboard,
    wait_for,
)


def _values(body: dict) -> dict[tuple[str, str], float | None]:
    return {(r["scope"], r["indicator"]): r["value"] for r in body["indicators"]}


def test_api_serves_what_the_broker_holds_and_follows_it(broker_settings: Settings, fresh_name: str) -> None:
    topics = private_topics(broker_settings, fresh_name)
    publish = Publisher(broker_settings, topics)
    publish.indicators(
        [
            indicator("USLAX/APMT", "congestion_index", 42.0, "AMBER", BASE_TIME),
            indicator("USLAX/APMT", "congestion_index", 55.0, "AMBER", BASE_TIME + minutes(1)),
            indicator("USLAX/APMT", "truck_turn_minutes", 63.5, None, BASE_TIME + minutes(1)),
            indicator("USLAX", "vessels_waiting", 7.0, None, BASE_TIME + minutes(1)),
            indicator("SPB", "congestion_index", 30.0, "GREEN", BASE_TIME + minutes(1)),
        ]
    )
    publish.raw(topics.latest, b"not avro at all")
    earlier = alert("USLAX/APMT", "AMBER", "GREEN", 42.0, BASE_TIME)
    publish.alerts([earlier])
    decode_errors = REGISTRY.get_sample_value(
        "baystream_consumer_decode_errors_total", {"consumer": "dashboard", "topic": topics.latest}
    )

    with served_dashboard(broker_settings, DashboardOptions(topics=topics)) as dash:
        health = dash.wait_ready()
        assert health["status"] == "ok" and health["indicators"] == 4 and health["scopes"] == 3

        status, body = dash.get("/api/indicators")
        assert status == 200
        assert _values(body) == {
            ("SPB", "congestion_index"): 30.0,
            ("USLAX", "vessels_waiting"): 7.0,
            ("USLAX/APMT", "congestion_index"): 55.0,
            ("USLAX/APMT", "truck_turn_minutes"): 63.5,
        }
        apmt_index = next(r for r in body["indicators"] if r["scope"] == "USLAX/APMT" and r["level"])
        assert apmt_index["as_of"] == "2024-05-01T12:01:00Z" and apmt_index["level"] == "AMBER"

        assert set(_values(dash.get("/api/indicators?scope=USLAX/APMT")[1])) == {
            ("USLAX/APMT", "congestion_index"),
            ("USLAX/APMT", "truck_turn_minutes"),
        }
        assert set(_values(dash.get("/api/indicators?indicator=congestion_index&scope=SPB,USLAX")[1])) == {
            ("SPB", "congestion_index")
        }
        assert set(_values(dash.get("/api/indicators?indicator=congestion_index&indicator=vessels_waiting")[1])) == {
            ("SPB", "congestion_index"),
            ("USLAX", "vessels_waiting"),
            ("USLAX/APMT", "congestion_index"),
        }

        status, history = dash.get("/api/history?scope=USLAX/APMT&indicator=congestion_index")
        assert status == 200
        assert [(p["as_of"], p["value"]) for p in history["points"]] == [
            ("2024-05-01T12:00:00Z", 42.0),
            ("2024-05-01T12:01:00Z", 55.0),
        ]
        since = dash.get("/api/history?scope=USLAX/APMT&indicator=congestion_index&since=2024-05-01T12:00:30Z")[1]
        assert [p["value"] for p in since["points"]] == [55.0]
        last_36s = dash.get("/api/history?scope=USLAX/APMT&indicator=congestion_index&hours=0.01")[1]
        assert [p["value"] for p in last_36s["points"]] == [55.0]  # 36 s before the newest value, 12:01
        assert dash.get("/api/history?scope=USLAX/APMT&indicator=congestion_index&hours=-1")[0] == 400
        assert dash.get("/api/history?scope=USLAX/APMT")[0] == 400
        assert dash.get("/api/history?scope=USLAX/APMT&indicator=congestion_index&since=yesterday")[0] == 400
        status, missing = dash.get("/api/history?scope=USLAX/NOPE&indicator=congestion_index")
        assert status == 404 and "USLAX/NOPE" in missing["detail"]
        assert (missing["type"], missing["title"], missing["status"]) == (NO_DATA.uri, NO_DATA.title, 404)
        status, bad = dash.get("/api/alerts?limit=many")
        assert (status, bad["type"], bad["status"]) == (400, BAD_PARAMETER.uri, 400) and "limit" in bad["detail"]

        assert [a["alert_id"] for a in dash.get("/api/alerts")[1]["alerts"]] == [earlier["alert_id"]]
        assert dash.get("/api/alerts?limit=0")[0] == 400

        # Values published while it runs show up without a restart.
        publish.indicators([indicator("USLAX/APMT", "congestion_index", 71.0, "RED", BASE_TIME + minutes(2))])
        later = alert("USLAX/APMT", "RED", "AMBER", 71.0, BASE_TIME + minutes(2))
        publish.alerts([later])
        wait_for(
            lambda: _values(dash.get("/api/indicators?scope=USLAX/APMT")[1])[("USLAX/APMT", "congestion_index")] == 71.0
        )
        alerts = wait_for(lambda: (lambda a: a if len(a) == 2 else None)(dash.get("/api/alerts")[1]["alerts"]))
        gauge = {"scope": "USLAX/APMT", "indicator": "congestion_index"}
        assert REGISTRY.get_sample_value("baystream_indicator_value", gauge) == 71.0
        assert REGISTRY.get_sample_value("baystream_congestion_level", {"scope": "USLAX/APMT"}) == 2
        assert [a["alert_id"] for a in alerts] == [later["alert_id"], earlier["alert_id"]]
        assert [a["alert_id"] for a in dash.get("/api/alerts?limit=1&scope=USLAX/APMT")[1]["alerts"]] == [
            later["alert_id"]
        ]
        # An older value arriving late (a replay) never replaces a newer one.
        publish.indicators([indicator("USLAX/APMT", "congestion_index", 10.0, "GREEN", BASE_TIME)])
        wait_for(lambda: dash.call(lambda: dash.running.service.store.counts()["history_points"]) >= 4)
        assert _values(dash.get("/api/indicators?scope=USLAX/APMT")[1])[("USLAX/APMT", "congestion_index")] == 71.0

        status, _, metrics = dash.get_text("/metrics")
        assert (
            'baystream_http_requests_total{method="GET",route="/api/indicators",service="dashboard",status="200"}'
            in metrics
        )
        assert 'route="/api/history",service="dashboard",status="400"' in metrics

    after = REGISTRY.get_sample_value(
        "baystream_consumer_decode_errors_total", {"consumer": "dashboard", "topic": topics.latest}
    )
    assert (after or 0) - (decode_errors or 0) == 1

    # A restarted dashboard is current as soon as it says it is ready.
    with served_dashboard(broker_settings, DashboardOptions(topics=topics)) as dash:
        dash.wait_ready()
        values = _values(dash.get("/api/indicators")[1])
        assert values[("USLAX/APMT", "congestion_index")] == 71.0
        assert len(values) == 4
        assert len(dash.get("/api/alerts")[1]["alerts"]) == 2


def test_page_and_static_files_are_served_by_the_package(broker_settings: Settings, fresh_name: str) -> None:
    topics = private_topics(broker_settings, fresh_name)
    with served_dashboard(broker_settings, DashboardOptions(topics=topics)) as dash:
        status, kind, page = dash.get_text("/")
        assert status == 200 and kind.startswith("text/html")
        assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
        for asset in ("/static/app.js", "/static/chart.js", "/static/app.css"):
            status, _, text = dash.get_text(asset)
            assert status == 200 and asset in page
            assert "https://" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
        health = dash.wait_ready()
        assert health["indicators"] == 0
        status, document = dash.get("/api/openapi.json")
        assert status == 200 and "/api/history" in document["paths"]
        status, scopes = dash.get("/api/scopes")
        listed = [s["scope"] for s in scopes["scopes"]]
        assert listed[:3] == ["SPB", "USLAX", "USLGB"] and len(listed) == 15
        assert all(not s["has_data"] for s in scopes["scopes"])


def test_health_reports_a_lost_broker_and_the_last_state_stays_served(
    stoppable_broker: tuple[Broker, Settings],
) -> None:
    own, settings = stoppable_broker
    topics = private_topics(settings, "lost-broker")
    Publisher(settings, topics).indicators([indicator("SPB", "vessels_waiting", 9.0)])
    with served_dashboard(settings, DashboardOptions(topics=topics)) as dash:
        assert dash.wait_ready()["broker_trouble"] is None
        own.stop()
        status, health = wait_for(lambda: (lambda r: r if r[1]["broker_trouble"] else None)(dash.get("/healthz")))
        assert status == 200 and health["status"] == "ok"
        assert _values(dash.get("/api/indicators")[1]) == {("SPB", "vessels_waiting"): 9.0}


def test_waits_for_topics_that_do_not_exist_yet(broker_settings: Settings, fresh_name: str) -> None:
    names = ("latest", "indicators", "alerts", "status", "gate")
    later = FeedTopics(*(f"{fresh_name}-{name}" for name in names))
    with served_dashboard(broker_settings, DashboardOptions(topics=later)) as dash:
        status, health = wait_for(lambda: (lambda r: r if "waiting" in r[1]["reader"] else None)(dash.get("/healthz")))
        assert status == 503 and health["status"] == "warming up"
        assert all(name in health["reader"] for name in (later.latest, later.indicators, later.alerts))
        health = wait_for(
            lambda: (lambda h: h if "waiting" in h["containers_reader"] else None)(dash.get("/healthz")[1])
        )
        assert later.container_status in health["containers_reader"] and later.gate_moves in health["containers_reader"]
        assert dash.get("/api/containers/MSCU1234566")[0] == 503  # nothing is known before the statuses are read
        assert private_topics(broker_settings, fresh_name) == later  # now they exist
        assert dash.wait_ready()["reader"] == "live"
        wait_for(lambda: dash.get("/healthz")[1]["containers_reader"] == "live")
