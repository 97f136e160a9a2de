"""Sending one webhook: a CloudEvent signed per Standard Webhooks, only where egress allows.

Signature (Standard Webhooks 1.0): `webhook-id` is the event id (the same on every retry,
so a receiver deduplicates), `webhook-timestamp` the attempt's Unix time in seconds, and
`webhook-signature` is `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")) where
the key is the base64 part of the `whsec_` secret, decoded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import certifi
import httpx

from services.evidence.subscriptions.egress import EgressPolicy, EgressRefused, parse_url

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value of a body."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(
    key: bytes, msg_id: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt."""
    ts = int(now if now is not None else time.time())
    return {
        "content-type": CONTENT_TYPE, "user-agent": "aims-relay", "webhook-id": msg_id,
        "webhook-timestamp": str(ts), "webhook-signature": sign(key, msg_id, ts, body),
    }  # fmt: skip


@dataclass(frozen=True)
class Target:
    """Where to connect (a checked address) and what the request names (the URL's host)."""

    url: str
    host_header: str
    sni: str | None


async def target(url: str, egress: EgressPolicy) -> Target:
    """The URL rewritten to an address that passed the egress rule (DNS is asked once)."""
    parts = parse_url(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = await egress.resolve(host, port)
    shown = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    netloc = f"{shown}:{port}"
    rewritten = parts._replace(netloc=netloc).geturl()
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return Target(rewritten, host_header, host if parts.scheme == "https" else None)


class Sender:
    """Posts signed CloudEvents; each call answers an outcome, it never raises for the peer."""

    def __init__(self, egress: EgressPolicy, timeout: float, ca_file: Path | None = None) -> None:
        self.egress, self.timeout = egress, timeout
        # Certificates are checked against the URL's host name (sent as SNI), although the
        # connection goes to the address the egress rule checked.
        self.tls = ssl.create_default_context(cafile=certifi.where())
        if ca_file is not None:
            self.tls.load_verify_locations(cafile=str(ca_file))
        # One client per host: connections are pooled by the address connected to, and a
        # TLS connection made for one host name must not carry another host's request.
        self.clients: dict[str, httpx.AsyncClient] = {}

    def client(self, host: str) -> httpx.AsyncClient:
        if host not in self.clients:
            # Redirects are not followed: a 3xx could point anywhere, past the egress rule;
            # no proxy from the environment either, which would connect on our behalf.
            self.clients[host] = httpx.AsyncClient(
                timeout=self.timeout, follow_redirects=False, trust_env=False, verify=self.tls
            )
        return self.clients[host]

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def send(self, url: str, key: bytes, msg_id: str, body: bytes) -> dict[str, Any]:
        """Deliver one body: `outcome` delivered or failed, `http_status`, `error`, timing."""
        started, at = time.monotonic(), datetime.now(UTC)
        status: int | None = None
        try:
            to = await target(url, self.egress)
            headers = {**signed_headers(key, msg_id, body), "host": to.host_header}
            extensions = {"sni_hostname": to.sni} if to.sni else {}
            # Streamed and closed unread: a receiver's answer body is never loaded.
            async with self.client(to.host_header).stream(
                "POST", to.url, content=body, headers=headers, extensions=extensions
            ) as r:
                status = r.status_code
            error = None if 200 <= status < 300 else f"HTTP {status} from the receiver"
        except EgressRefused as exc:
            error = f"egress refused: {exc}"
        except (httpx.HTTPError, OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        return {
            "outcome": "failed" if error else "delivered", "http_status": status,
            "error": error, "attempted_at": at,
            "duration_ms": int((time.monotonic() - started) * 1000),
        }  # fmt: skip
