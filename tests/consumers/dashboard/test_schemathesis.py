"""Schemathesis, from the dashboard's own OpenAPI document (/api/openapi.json): no server error, and every
answer as the document says (status, content type, body schema, headers), including the stateful runs the
document's links allow: a subscription created, then read, then deleted (/api/webhooks).

The live stream (/api/events) is left out: it never ends, which is what it is for (tests/consumers/dashboard/
test_live.py covers it). The run is short to keep the suite fast: few examples, and no coverage phase (it
alone tries hundreds of cases); bench/fuzz.py and tests/fuzz/ cover the query parameters at length.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from baystream.consumers.dashboard.service import DashboardOptions
from baystream.infra.settings import Settings
from baystream.producers.gateway.identities import hash_key, new_key
from tests.consumers.dashboard.helpers import BASE_TIME, private_topics, served_dashboard
from tests.consumers.dashboard.parties_data import status
from tests.consumers.webhooks.helpers import AlertWriter, private_webhook_topics
from tests.polling import eventually
from tests.producers.gateway.test_schemathesis import CHECKS

KEY = new_key()


@pytest.fixture(scope="module")
def dashboard(broker_settings: Settings) -> Iterator[str]:
    keys = {"maeu": {"key_sha256": hash_key(KEY), "role": "carrier", "scac": "MAEU"}}
    settings = broker_settings.with_overrides(gateway_keys=json.dumps(keys))
    name = f"schemathesis-{new_key()[-8:]}"
    topics = private_webhook_topics(settings, name)
    feed = private_topics(settings, f"{name}-feed")
    statuses = AlertWriter(settings, feed.container_status, key="container_id")  # one box of the key's carrier
    statuses.write([status("MSCU1234566", "ON_TERMINAL", terminal="APMT", carrier="MAEU", since=BASE_TIME)])
    options = DashboardOptions(topics=feed, subscriptions_topic=topics.subscriptions)
    with served_dashboard(settings, options) as served:
        eventually(lambda: _status(served.url + "/api/webhooks") == 200, 30, "subscriptions read")
        eventually(lambda: _status(served.url + "/api/my/containers") == 200, 30, "container statuses read")
        yield served.url


def _status(url: str) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"X-API-Key": KEY})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_schemathesis_finds_no_server_error_and_no_answer_off_the_document(dashboard: str, tmp_path: Path) -> None:
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", f"{dashboard}/api/openapi.json"),
        *("-H", f"X-API-Key: {KEY}", "--checks", CHECKS, "--exclude-operation-id", "streamEvents"),
        *("--max-examples", "10", "--phases", "examples,fuzzing,stateful", "--seed", "20261202"),
        *("--request-timeout", "30", "--no-color"),
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    report = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    assert "passed" in done.stdout and "Failures:" not in done.stdout, report
    links = re.search(r"API Links:\s+(\d+) covered / (\d+) selected", done.stdout)
    assert links is not None, report  # the stateful phase ran: create -> get -> delete, not only single calls
    covered, selected = int(links[1]), int(links[2])
    assert covered == selected >= 3, report  # the document's three links at least, each followed
