"""ASGI middleware: request ids, access logs, metrics and request-body limits."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.http.problems import problem_response, unavailable_response
from shared.platform.db import is_unavailable

log = structlog.get_logger()

REQUESTS = Counter(
    "aims_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "aims_http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)  # fmt: skip


QUIET = {"/healthz", "/readyz", "/metrics"}  # probes: measured, not logged


class BodyTooLarge(Exception):
    pass


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k == name:
            return str(v.decode("latin-1"))
    return None


def _has_nul(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query


class RequestMiddleware:
    """Assigns request/correlation ids, limits body size, logs and measures each request."""

    def __init__(
        self, app: ASGIApp, *, service: str, max_body: int, body_limits: Mapping[str, int]
    ) -> None:
        self.app, self.service = app, service
        self.max_body, self.body_limits = max_body, dict(body_limits)

    def _limit(self, path: str) -> int:
        for prefix, limit in self.body_limits.items():
            if path.startswith(prefix):
                return limit
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request_id = _header(scope, b"x-request-id") or str(uuid.uuid4())
        request_id = request_id[:128]
        correlation = (_header(scope, b"x-correlation-id") or request_id)[:128]
        state = scope.setdefault("state", {})
        state["request_id"], state["correlation_id"] = request_id, correlation
        structlog.contextvars.bind_contextvars(request_id=request_id, correlation_id=correlation)
        limit, started, status = self._limit(scope["path"]), time.perf_counter(), 500
        declared = _header(scope, b"content-length")
        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started, status = True, message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode())]  # fmt: skip
            await send(message)

        received = 0

        async def receive_wrapper() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        if _has_nul(scope):  # PostgreSQL text cannot hold NUL: refuse before any query runs
            resp = problem_response(422, "NUL characters are not allowed in paths or query"
                                    " parameters", code="invalid_content")  # fmt: skip
            await resp(scope, receive, send_wrapper)
            self._observe(scope, 422, time.perf_counter() - started)
            structlog.contextvars.clear_contextvars()
            return None
        try:
            if declared and declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge
            await self.app(scope, receive_wrapper, send_wrapper)
        except BodyTooLarge:
            if response_started:
                raise
            resp = problem_response(413, f"request body exceeds {limit} bytes", code="too_large")
            await resp(scope, receive, send_wrapper)
        except Exception as exc:
            if response_started:
                raise
            if is_unavailable(exc):  # raised outside the routes' handlers (e.g. a middleware)
                resp = unavailable_response(exc)
            else:
                log.exception("unhandled_error", path=scope["path"])
                resp = problem_response(500, "internal error; the request id identifies it in logs")
            await resp(scope, receive, send_wrapper)
        finally:
            self._observe(scope, status, time.perf_counter() - started)
            structlog.contextvars.clear_contextvars()

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", "unmatched")
        REQUESTS.labels(self.service, scope["method"], route, str(status)).inc()
        LATENCY.labels(self.service, scope["method"], route).observe(seconds)
        if route in QUIET and status < 500:
            return
        fields: dict[str, Any] = {"method": scope["method"], "route": route, "status": status}
        log.info("request", ms=round(seconds * 1000, 2), **fields)
