"""Who may publish what: API keys (stored as SHA-256 hashes), roles, and the rule each role obeys.

A party publishes only what it is the source of (docs/domain.md, "who shares what"), and where an event names
its publisher, only as itself. `source` is always stamped from the identity, never taken from the body.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from baystream.infra.errors import ConfigurationError
from baystream.schemas import identifiers as ids
from baystream.schemas.errors import FieldError
from baystream.schemas.fields import fields_of


class Role(StrEnum):
    TERMINAL = "terminal"
    TRUCKER = "trucker"
    CARRIER = "carrier"
    CHASSIS_PROVIDER = "chassis_provider"
    RAILROAD = "railroad"


@dataclass(frozen=True)
class Rule:
    """What a role may publish: event types, and the field of each that must name the party itself."""

    identity_field: str
    """The keys-file field holding the party's code (facility, scac, provider, railroad)."""
    own_field: Mapping[str, str | None]
    """Event type -> field that must equal the party's code (None: the event names no publisher)."""


RULES: dict[Role, Rule] = {
    Role.TERMINAL: Rule(
        "facility", {"VesselArrival": "facility", "GateMove": "facility", "ContainerEvent": "facility"}
    ),
    Role.TRUCKER: Rule("scac", {"GateMove": "trucker"}),
    Role.CARRIER: Rule("scac", {"VesselArrival": "carrier"}),
    Role.CHASSIS_PROVIDER: Rule("provider", {"ChassisCheckout": "provider"}),
    Role.RAILROAD: Rule("railroad", {"RailDeparture": "railroad"}),
}


class KeysError(ConfigurationError):
    """An API-keys entry that cannot be used; the message names the entry."""


class KeyRefused(Exception):
    """A request's key identifies no party; the message says why (missing, not text, unknown) for the 401."""


MISSING_KEY = "missing API key (X-API-Key header or Authorization: Bearer)"


def key_text_problem(key: str) -> str | None:
    """Why `key` cannot be an API key at all, or None: it travels in an HTTP header, so printable ASCII. The
    servers get header bytes that are not UTF-8 as lone surrogates: such a key is refused, never hashed."""
    return None if key.isascii() and key.isprintable() else "not printable ASCII text"


@dataclass(frozen=True)
class Identity:
    """One party holding one API key."""

    party: str
    role: Role
    code: str
    """SCAC, facility code, chassis provider or railroad: stamped as the events' `source`."""
    key_sha256: str
    port: str | None = None
    """When set, the party publishes only for this port (UN/LOCODE)."""


def hash_key(key: str) -> str:
    """Hex SHA-256 of an API key: what the keys file stores (keys are random, so no salt is needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh random API key (256 bits)."""
    return "bsk_" + secrets.token_urlsafe(32)


def parse_role(text: str) -> Role:
    normal = text.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return Role(normal)
    except ValueError:
        raise ValueError(f"role {text!r} is not one of {', '.join(r.value for r in Role)}") from None


def identity_from_entry(party: str, entry: Any) -> Identity:
    """One keys-file entry (`{key_sha256, role, scac|facility|provider|railroad, port?}`) to an Identity."""
    if not isinstance(entry, Mapping):
        raise KeysError(f"API key entry {party!r}: expected a table/object, got {type(entry).__name__}")
    try:
        role = parse_role(str(entry.get("role", "")))
    except ValueError as exc:
        raise KeysError(f"API key entry {party!r}: {exc}") from None
    digest = str(entry.get("key_sha256", "")).lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise KeysError(f"API key entry {party!r}: key_sha256 must be 64 hex digits (baystream gateway hash-key)")
    rule = RULES[role]
    code = entry.get(rule.identity_field)
    if not isinstance(code, str) or not code:
        raise KeysError(f"API key entry {party!r}: a {role.value} needs {rule.identity_field!r}")
    problem = _code_problem(role, code)
    if problem:
        raise KeysError(f"API key entry {party!r}: {rule.identity_field} {code!r}: {problem}")
    unknown = set(entry) - {"key_sha256", "role", "port", rule.identity_field}
    if unknown:
        raise KeysError(f"API key entry {party!r}: unknown field(s) {', '.join(sorted(unknown))}")
    port = entry.get("port")
    if port is not None and (not isinstance(port, str) or ids.unlocode_problem(port)):
        raise KeysError(f"API key entry {party!r}: port must be a UN/LOCODE like USLAX, got {port!r}")
    return Identity(party, role, code, digest, port)


def _code_problem(role: Role, code: str) -> str | None:
    """A party code no event could ever match is a configuration error, caught at start-up."""
    if role is Role.TERMINAL:
        return ids.facility_problem(code)
    if role in (Role.TRUCKER, Role.CARRIER):
        return ids.scac_problem(code)
    type_name, field_name = (
        ("ChassisCheckout", "provider") if role is Role.CHASSIS_PROVIDER else ("RailDeparture", "railroad")
    )
    symbols = next(f.symbols for f in fields_of(type_name) if f.name == field_name)
    return None if code in symbols else "expected one of " + ", ".join(symbols)


def permission_problem(identity: Identity, record: Mapping[str, Any]) -> FieldError | None:
    """Why `identity` may not publish this (valid) event, or None when it may."""
    rule = RULES[identity.role]
    type_name = record["type"]
    if type_name not in rule.own_field:
        allowed = ", ".join(rule.own_field)
        return FieldError("type", f"a {identity.role.value} may publish {allowed} only", type_name)
    own = rule.own_field[type_name]
    if own is not None and record.get(own) != identity.code:
        return FieldError(own, f"{identity.party} publishes only as itself ({own} {identity.code})", record.get(own))
    if identity.port is not None and record.get("port") != identity.port:
        return FieldError("port", f"{identity.party} publishes only for port {identity.port}", record.get("port"))
    return None


class KeyRing:
    """The known identities; finds the one holding a key without timing leaks on the comparison."""

    def __init__(self, identities: Iterable[Identity]):
        self.identities = tuple(identities)
        seen: dict[str, str] = {}
        for identity in self.identities:
            other = seen.setdefault(identity.key_sha256, identity.party)
            if other != identity.party:
                raise KeysError(f"API key entries {other!r} and {identity.party!r} share one key")
        parties = [i.party for i in self.identities]
        if len(set(parties)) != len(parties):
            raise KeysError("API key entries: a party is listed twice")

    def authenticate(self, key: str | None) -> Identity | None:
        """The identity holding `key`, or None; every entry is compared (constant work per request)."""
        if not key:
            return None
        digest = hash_key(key)
        found = None
        for identity in self.identities:
            if hmac.compare_digest(digest, identity.key_sha256):
                found = identity
        return found

    def identify(self, key: str | None) -> Identity:
        """The party holding `key`, for every server that takes the keys (the gateway publishing, the dashboard
        reading and managing webhooks); KeyRefused says why not."""
        if not key:
            raise KeyRefused(MISSING_KEY)
        unusable = key_text_problem(key)
        if unusable:
            raise KeyRefused(f"API key is {unusable}")
        identity = self.authenticate(key)
        if identity is None:
            raise KeyRefused("unknown API key")
        return identity

    def __len__(self) -> int:
        return len(self.identities)
