"""Helpers for tests against a running gateway: parties with fresh keys, a plain HTTP client, topic reads."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from infra.reader import read_topic
from infra.settings import Settings
from producers.gateway.identities import Identity, KeyRing, Role, hash_key, new_key
from schemas.wire import codec_for

PARTIES: dict[str, tuple[Role, str]] = {
    "abcd-trucking": (Role.TRUCKER, "ABCD"),
    "efgh-trucking": (Role.TRUCKER, "EFGH"),
    "apm-terminals": (Role.TERMINAL, "APMT"),
    "maersk": (Role.CARRIER, "MAEU"),
    "dcli": (Role.CHASSIS_PROVIDER, "DCLI"),
    "union-pacific": (Role.RAILROAD, "UP"),
}


def keyring_with_fresh_keys() -> tuple[KeyRing, dict[str, str]]:
    """A keyring of the PARTIES, each with a new random key; also party -> key for the client side."""
    keys = {party: new_key() for party in PARTIES}
    ring = KeyRing(Identity(p, role, code, hash_key(keys[p])) for p, (role, code) in PARTIES.items())
    return ring, keys


def post(
    url: str, body: Any, key: str | None = None, content_type: str = "application/json"
) -> tuple[int, dict[str, str], Any]:
    """POST `body` (bytes as they are, anything else as JSON); (status, headers, decoded JSON answer)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type}
    if key is not None:
        headers["X-API-Key"] = key
    request = urllib.request.Request(f"{url}/v1/events", data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def get(url: str) -> tuple[int, Any]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, json.loads(response.read())


def on_topic(settings: Settings, topic: str, event_ids: Iterable[str]) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """event_id -> every (key, record) on `topic` carrying it, for the given ids only (topics are shared)."""
    wanted = set(event_ids)
    codec = codec_for(settings.schema_registry)
    found: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for message in read_topic(settings, topic):
        record = codec.decode(message.value())
        if record["event_id"] in wanted:
            found[record["event_id"]].append(((message.key() or b"").decode(), record))
    return dict(found)
