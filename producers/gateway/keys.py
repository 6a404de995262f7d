"""Where the gateway's identities come from: a TOML or JSON keys file, and/or JSON in the environment.

Both hold one entry per party: `{"abcd-trucking": {"key_sha256": "...", "role": "trucker", "scac": "ABCD"}}`.
Without any keys, on the embedded demo broker only, a fixed set of demo parties is used (printed at start).
"""

from __future__ import annotations

import json
import math
import tomllib
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from baystream.infra.settings import Settings
from baystream.producers.gateway.identities import (
    Identity,
    KeyRing,
    KeysError,
    hash_key,
    identity_from_entry,
    key_text_problem,
)

DEMO_KEYS: dict[str, tuple[str, dict[str, str]]] = {
    "demo-apmt": ("demo-terminal-apmt", {"role": "terminal", "facility": "APMT", "port": "USLAX"}),
    "demo-abcd": ("demo-trucker-abcd", {"role": "trucker", "scac": "ABCD"}),
    "demo-maeu": ("demo-carrier-maeu", {"role": "carrier", "scac": "MAEU"}),
    "demo-dcli": ("demo-chassis-dcli", {"role": "chassis_provider", "provider": "DCLI"}),
    "demo-up": ("demo-railroad-up", {"role": "railroad", "railroad": "UP"}),
}
"""party -> (well-known API key, entry): only ever used with the memory-only embedded broker."""


MIN_KEY_CHARS = 20
MIN_KEY_BITS = 96
"""A key to hash must be at least this long and spread over enough distinct characters (an estimate:
length x the Shannon entropy of its characters); `gateway new-key` makes 47 characters, about 250 bits."""


def key_problem(key: str) -> str | None:
    """Why `key` is too weak (or not text a header can carry) to be an API key, or None.

    A key is only as strong as its guessing is hard: `a`, `password` or `aaaa...aaaa` would let anyone in.
    The estimate is crude (a repeated random chunk passes) but stops the keys people type by hand."""
    unusable = key_text_problem(key)
    if unusable is not None:
        return unusable
    if len(key) < MIN_KEY_CHARS:
        return f"too short: {len(key)} characters, at least {MIN_KEY_CHARS}"
    counts = Counter(key).values()
    bits = -sum(n * math.log2(n / len(key)) for n in counts)
    if bits < MIN_KEY_BITS:
        return f"too predictable: about {max(0.0, bits):.0f} bits of randomness, at least {MIN_KEY_BITS}"
    return None


def parse_entries(data: Any, origin: str) -> list[Identity]:
    """A decoded keys document (party -> entry) to identities; errors name the origin and the entry."""
    if not isinstance(data, Mapping):
        raise KeysError(f"{origin}: expected a table of parties, got {type(data).__name__}")
    try:
        return [identity_from_entry(str(party), entry) for party, entry in data.items()]
    except KeysError as exc:
        raise KeysError(f"{origin}: {exc}") from None


def read_keys_file(path: str | Path) -> list[Identity]:
    """A `.toml` or `.json` keys file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KeysError(f"keys file {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeysError(f"keys file {path}: not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {exc}") from None
    return parse_entries(data, f"keys file {path}")


def demo_identities() -> list[Identity]:
    return [identity_from_entry(p, {**e, "key_sha256": hash_key(k)}) for p, (k, e) in DEMO_KEYS.items()]


def load_keyring(settings: Settings) -> tuple[KeyRing, bool]:
    """The identities configured in the settings; (keyring, True) when they are the demo parties."""
    identities: list[Identity] = []
    if settings.gateway.keys_file:
        identities += read_keys_file(settings.gateway.keys_file)
    if settings.gateway.keys:
        try:
            data = json.loads(settings.gateway.keys)
        except ValueError as exc:
            raise KeysError(f"BAYSTREAM_GATEWAY_KEYS: not valid JSON: {exc}") from None
        identities += parse_entries(data, "BAYSTREAM_GATEWAY_KEYS")
    if not identities and settings.kafka.embedded:
        return KeyRing(demo_identities()), True
    return KeyRing(identities), False
