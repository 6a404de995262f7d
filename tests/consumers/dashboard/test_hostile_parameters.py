"""Hostile query parameters of the dashboard (issue 18.2): a 400 problem that says why, never a 500.

`hours` beyond any datetime (inf, 1e300, 1e10) and `since` past year 9999 once in UTC went through
timedelta arithmetic that overflowed; they are now refused with the contract's time range (one time
parser: schemas/timerange.py).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from baystream.consumers.dashboard.api import BAD_PARAMETER
from baystream.consumers.dashboard.service import DashboardOptions
from baystream.infra.settings import Settings
from tests.consumers.dashboard.helpers import BASE_TIME, Publisher, indicator, private_topics, served_dashboard

HISTORY = "/api/history?scope=USLAX/APMT&indicator=congestion_index&"
BAD = [
    "hours=inf",
    "hours=-inf",
    "hours=nan",
    "hours=1e300",
    "hours=1e10",
    "hours=8785",
    "hours=" + "9" * 5000,
    "since=" + quote("9999-12-31T23:59:59-01:00"),
    "since=" + quote("0001-01-01T00:00:00+01:00"),
    "since=" + quote("2024-05-01T00:00:00"),  # no timezone
    "since=" + "2" * 1000,
]


@pytest.mark.parametrize("query", [pytest.param(q, id=q[:40]) for q in BAD])
def test_bad_history_parameters_are_400s(broker_settings: Settings, fresh_name: str, query: str) -> None:
    topics = private_topics(broker_settings, fresh_name)
    Publisher(broker_settings, topics).indicators(
        [indicator("USLAX/APMT", "congestion_index", 42.0, "AMBER", BASE_TIME)]
    )
    with served_dashboard(broker_settings, DashboardOptions(topics=topics)) as dash:
        dash.wait_ready()
        status, body = dash.get(HISTORY + query)
        assert status == 400 and body["type"] == BAD_PARAMETER.uri, body
        assert dash.get(HISTORY + "hours=8784")[0] == 200  # a year is still an answer
