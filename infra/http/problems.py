"""Error answers as RFC 9457 problem details: `application/problem+json` with type, title, status, detail.

`type` identifies the kind of problem for programs: a `tag:` URI of ours (an identifier, not a web page;
docs/gateway.md and docs/dashboard.md list them), or `about:blank` when the status code says it all (then
`title` is the status phrase). `detail` says what happened to this request in words; services add their
own members (the gateway's `items`: one entry per refused event). Every error of both services, also
aiohttp's own (unknown route, wrong method) and an unexpected exception (500, logged), has this form.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web

from baystream.infra.http.metrics import Handler

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "tag:baystream,2026:"
BLANK = "about:blank"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: its `type` URI (from a short name) and its `title`, the same for every occurrence."""

    name: str
    title: str

    @property
    def uri(self) -> str:
        return TYPE_PREFIX + self.name


def problem_body(status: int, detail: str, kind: ProblemType | None = None, **extensions: Any) -> dict[str, Any]:
    """The JSON object of a problem: `kind` None is `about:blank`, titled by the status phrase."""
    body: dict[str, Any] = {
        "type": kind.uri if kind else BLANK,
        "title": kind.title if kind else _phrase(status),
        "status": status,
        "detail": detail,
    }
    body.update(extensions)
    return body


def problem(
    status: int,
    detail: str,
    kind: ProblemType | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> web.Response:
    """An error answer in the problem-details form; `extensions` become extra members (e.g. `items`)."""
    return web.json_response(
        problem_body(status, detail, kind, **extensions), status=status, headers=headers, content_type=PROBLEM_JSON
    )


class Problem(Exception):
    """Raise from a handler (or a helper it calls) to answer with a problem; `problem_middleware` answers it."""

    def __init__(self, status: int, detail: str, kind: ProblemType | None = None, **extensions: Any):
        super().__init__(detail)
        self.status, self.detail, self.kind, self.extensions = status, detail, kind, extensions

    def response(self) -> web.Response:
        return problem(self.status, self.detail, self.kind, **self.extensions)


# Headers of aiohttp's own errors that a client needs (405's Allow, 413's none, 429's Retry-After).
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error answer as problem details: raised `Problem`s, aiohttp's HTTP errors, unexpected exceptions."""
    try:
        return await handler(request)
    except Problem as exc:
        return exc.response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {name: exc.headers[name] for name in _KEPT_HEADERS if name in exc.headers}
        return problem(exc.status, _detail(request, exc), headers=headers)
    except Exception:
        log.exception("%s %s: unexpected error, answered 500", request.method, request.path)
        return problem(500, "unexpected error in the server; it is logged there")


def _detail(request: web.Request, exc: web.HTTPException) -> str:
    """What aiohttp's error means for this request (its own text is just "404: Not Found")."""
    if exc.status == 404:
        return f"nothing at {request.path}"
    if exc.status == 405:
        return f"{request.method} is not allowed on {request.path}; allowed: {exc.headers.get('Allow', 'none')}"
    default = f"{exc.status}: {exc.reason}"
    text = exc.text or ""
    return text if text and text != default else exc.reason


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
