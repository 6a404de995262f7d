"""Who is asking: the dashboard's readers are the gateway's parties, found by the same key store and lookup
(`KeyRing.identify`, producers/gateway/identities.py), so one key publishes, reads and manages webhooks.

Aggregates are public unless `dashboard.require_key` is set; details (a container, a party's own lists,
webhook subscriptions) always need a key. docs/dashboard.md, "Parties".
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Middleware

from baystream.infra.http.metrics import Handler
from baystream.infra.http.problems import Problem, problem
from baystream.infra.settings import Settings
from baystream.producers.gateway.app import CHALLENGE, UNAUTHENTICATED, api_key
from baystream.producers.gateway.identities import Identity, KeyRefused, KeyRing
from baystream.producers.gateway.keys import load_keyring

OPEN_PATHS = frozenset({"/", "/healthz"})
OPEN_PREFIX = "/static/"
"""Paths still open when every endpoint needs a key: the page's shell (it holds no data,
and asks for the key) and the readiness probe (status and counts only)."""


class Unauthenticated(Problem):
    """A 401 with the challenge a client needs (`Problem` answers without headers)."""

    def __init__(self, detail: str):
        super().__init__(401, detail, UNAUTHENTICATED)

    def response(self) -> web.Response:
        return problem(401, self.detail, UNAUTHENTICATED, CHALLENGE)


class Parties:
    """The keys the dashboard knows (the gateway's setting; the demo parties on the embedded broker)."""

    def __init__(self, settings: Settings):
        self.keyring: KeyRing
        self.keyring, self.demo_keys = load_keyring(settings)
        self.require_key = settings.dashboard.require_key

    def of(self, request: web.Request) -> Identity:
        """The party whose key the request carries; a 401 problem without a known one."""
        try:
            return self.keyring.identify(api_key(request))
        except KeyRefused as exc:
            raise Unauthenticated(str(exc)) from None

    def guard(self) -> Middleware:
        """With `require_key`, every request but the page shell and /healthz needs a known key."""

        @web.middleware
        async def require(request: web.Request, handler: Handler) -> web.StreamResponse:
            if self.require_key and request.path not in OPEN_PATHS and not request.path.startswith(OPEN_PREFIX):
                self.of(request)
            return await handler(request)

        return require
