"""`AsyncAimsClient`: the one client of aims' HTTP API (the blocking one runs this)."""

from __future__ import annotations

import asyncio
import functools
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

import httpx

from services.sdk._errors import AimsError, ServiceUnreachable, problem_of
from services.sdk._models import Decision
from services.sdk._urls import DEFAULT_URLS

PACK = "/v1/exports/audit-pack"
# A cheap read of each service that honours `min_position` (see `caught_up`).
FRESHNESS = {"registry": "/v1/systems", "risk": "/v1/risks", "evidence": "/v1/evidence"}


class Options(TypedDict, total=False):
    """How a client talks to aims (the keyword arguments of both clients)."""

    retries: int  # attempts after the first, on connection errors and 5xx answers
    backoff: float  # seconds before the first retry; doubled for each next one
    timeout: float  # seconds per attempt
    transport: httpx.AsyncBaseTransport  # e.g. httpx.MockTransport in tests


@dataclass
class _Session:
    """What the clients made by `with_token` share: connections, addresses, retry policy."""

    http: httpx.AsyncClient
    urls: dict[str, str]
    retries: int
    backoff: float
    position: int = 0  # the highest `aims-position` any answer carried


class AsyncAimsClient:
    """Asynchronous client of the three services; every call is retried (see the package)."""

    def __init__(
        self, token: str, urls: dict[str, str] | None = None, *, retries: int = 4,
        backoff: float = 0.2, timeout: float = 30,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:  # fmt: skip
        http = httpx.AsyncClient(timeout=timeout, transport=transport)
        self._session = _Session(http, {**DEFAULT_URLS, **(urls or {})}, retries, backoff)
        self._auth = {"Authorization": f"Bearer {token}"}
        self._owner = True

    def with_token(self, token: str) -> AsyncAimsClient:
        """The same client acting for another token, on the same connections."""
        other = AsyncAimsClient.__new__(AsyncAimsClient)
        other._session, other._owner = self._session, False
        other._auth = {"Authorization": f"Bearer {token}"}
        return other

    async def __aenter__(self) -> AsyncAimsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connections (a `with_token` client leaves them to its original)."""
        if self._owner:
            await self._session.http.aclose()

    @property
    def position(self) -> int:
        """The highest log position any answer reported (pass it as `min_position`)."""
        return self._session.position

    async def request(
        self, /, method: str, service: str, path: str, key: str | None = None, *,
        headers: dict[str, str] | None = None, **kw: Any,
    ) -> httpx.Response:  # fmt: skip
        """Any aims call, with retries (one Idempotency-Key for all attempts of a write)."""
        s, url = self._session, self._url(service, path)
        sent = {**self._headers(method, key), **(headers or {})}
        send = functools.partial(s.http.request, method, url, headers=sent, **kw)
        for attempt in range(s.retries):
            try:
                r = await send()
            except httpx.TransportError:
                pass  # tried again below, after the pause
            else:
                if not _retryable(r):
                    return self._answer(service, r)
            await asyncio.sleep(s.backoff * 2**attempt)
        try:
            r = await send()
        except httpx.TransportError as exc:
            raise ServiceUnreachable(service, s.urls[service], exc) from exc
        return self._answer(service, r)

    async def get(self, /, service: str, path: str, **params: Any) -> dict[str, Any]:
        """A JSON document (unset parameters are left out, times sent as RFC 3339)."""
        return _json(await self.request("GET", service, path, params=_params(**params)))

    async def post(self, /, service: str, path: str, body: Any = None,
                   key: str | None = None) -> dict[str, Any]:  # fmt: skip
        """POST a JSON body (or none); the JSON answer, {} when it has no body."""
        return _json(await self.request("POST", service, path, key, json=body))

    async def put(self, /, service: str, path: str, body: Any,
                  key: str | None = None) -> dict[str, Any]:  # fmt: skip
        """PUT a JSON body; the JSON answer."""
        return _json(await self.request("PUT", service, path, key, json=body))

    async def patch(self, /, service: str, path: str, body: Any, key: str | None = None, *,
                    if_match: int | str | None = None) -> dict[str, Any]:  # fmt: skip
        """PATCH a JSON body, with `If-Match` when a version is given (412 when stale)."""
        headers = {} if if_match is None else {"If-Match": _etag(if_match)}
        return _json(await self.request("PATCH", service, path, key, json=body, headers=headers))

    async def pages(self, /, service: str, path: str, *, page_size: int = 200,
                    **params: Any) -> AsyncIterator[dict[str, Any]]:  # fmt: skip
        """Every item of a cursor-paginated list, across pages."""
        query = _params(limit=page_size, **params)
        while True:
            page = await self.get(service, path, **query)
            for item in page["items"]:
                yield item
            if not page.get("next_cursor"):
                return
            query["cursor"] = page["next_cursor"]

    async def caught_up(self, service: str, position: int | None = None) -> None:
        """Wait until the service's read models include `position` (default: every write this
        client saw), for example a position another client's write reported."""
        at = self.position if position is None else position
        await self.get(service, FRESHNESS[service], limit=1, min_position=at)

    # MLOps path
    async def register_system(self, /, *, key: str | None = None, **fields: Any) -> dict[str, Any]:
        """Register an AI system (name, purpose, owner, eu_ai_act_tier...); returns it."""
        return await self.post("registry", "/v1/systems", fields, key)

    async def get_system(self, system_id: str,
                         as_of: datetime | str | None = None) -> dict[str, Any]:  # fmt: skip
        """One AI system, now or as it was at `as_of`."""
        return await self.get("registry", f"/v1/systems/{system_id}", as_of=as_of)

    async def register_model_version(
        self, system_id: str, *, name: str, version: str, digest: str, source_uri: str,
        key: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Register a model version of a system (the same digest again is a no-op)."""
        body = {"name": name, "version": version, "digest": digest, "source_uri": source_uri}
        return await self.post("registry", f"/v1/systems/{system_id}/model-versions", body, key)

    async def decide(self, system_id: str, model_version: str, environment: str,
                     key: str | None = None) -> Decision:  # fmt: skip
        """Ask the deployment gate; a deny is returned, not raised."""
        body = {"system_id": str(system_id), "model_version": model_version,
                "environment": environment}  # fmt: skip
        return Decision.of(await self.post("registry", "/v1/deployment-decisions", body, key))

    async def record_deployment(self, /, decision_id: str, key: str | None = None,
                                **extra: Any) -> dict[str, Any]:  # fmt: skip
        """Record a deployment that cites an allow decision (409 AimsError otherwise)."""
        body = {"decision_id": str(decision_id), **extra}
        return await self.post("registry", "/v1/deployments", body, key)

    async def upload_evidence(
        self, /, filename: str, content: bytes, media_type: str = "application/octet-stream",
        *, key: str | None = None, **fields: Any,
    ) -> dict[str, Any]:  # fmt: skip
        """Upload a file as evidence (kind, title, system_ids...); the service hashes it."""
        form = {k: _form_value(v) for k, v in fields.items() if v is not None}
        files = {"file": (filename, content, media_type)}
        return _json(await self.request("POST", "evidence", "/v1/evidence", key, data=form,
                                        files=files))  # fmt: skip

    # Reading the inventory, the register and the gate
    def systems(self, page_size: int = 200) -> AsyncIterator[dict[str, Any]]:
        """Every AI system of the inventory."""
        return self.pages("registry", "/v1/systems", page_size=page_size)

    def system_history(self, system_id: str,
                       page_size: int = 200) -> AsyncIterator[dict[str, Any]]:  # fmt: skip
        """The events of one AI system, oldest first."""
        return self.pages("registry", f"/v1/systems/{system_id}/history", page_size=page_size)

    def risks(self, system_id: str | None = None,
              page_size: int = 200) -> AsyncIterator[dict[str, Any]]:  # fmt: skip
        """Every risk of the register (of one system, when given)."""
        return self.pages("risk", "/v1/risks", page_size=page_size, system_id=system_id)

    async def soa(self) -> dict[str, Any]:
        """The Statement of Applicability: every Annex A control with its evidence state."""
        return await self.get("risk", "/v1/soa")

    async def deployment_decision(self, decision_id: str) -> dict[str, Any]:
        """One deployment-gate decision as recorded."""
        return await self.get("registry", f"/v1/deployment-decisions/{decision_id}")

    # Auditor path
    async def audit_trail_page(
        self, *, system_id: str | None = None, actor: str | None = None,
        type: str | list[str] | None = None, frm: datetime | str | None = None,
        to: datetime | str | None = None, cursor: str | None = None, limit: int = 100,
    ) -> dict[str, Any]:  # fmt: skip
        """One page of the audit trail, newest first (`next_cursor` leads on)."""
        trail = _trail_params(system_id, actor, type, frm, to)
        return await self.get("evidence", "/v1/audit-trail", cursor=cursor, limit=limit, **trail)

    def audit_trail(
        self, *, system_id: str | None = None, actor: str | None = None,
        type: str | list[str] | None = None, frm: datetime | str | None = None,
        to: datetime | str | None = None, page_size: int = 200,
    ) -> AsyncIterator[dict[str, Any]]:  # fmt: skip
        """Every audit-trail entry matching the filters, newest first, across pages."""
        trail = _trail_params(system_id, actor, type, frm, to)
        return self.pages("evidence", "/v1/audit-trail", page_size=page_size, **trail)

    async def integrity(self) -> dict[str, Any]:
        """Verify the hash chain now; includes the last signed checkpoint."""
        return await self.get("evidence", "/v1/integrity")

    async def export_audit_pack(self, /, path: str | Path, system_id: str | None = None,
                                **params: Any) -> Path:  # fmt: skip
        """Download an audit pack (zip) to `path`; written only when complete."""
        q = _params(system_id=system_id, **params)
        if "frm" in q:
            q["from"] = q.pop("frm")
        target, partial = Path(path), Path(f"{path}.part")
        url = self._url("evidence", PACK)
        async with self._session.http.stream("GET", url, params=q, headers=self._auth) as r:
            if r.status_code >= 400:
                await r.aread()
                self._answer("evidence", r)
            f = await asyncio.to_thread(partial.open, "wb")
            try:
                async for chunk in r.aiter_bytes():
                    await asyncio.to_thread(f.write, chunk)
            finally:
                await asyncio.to_thread(f.close)
        await asyncio.to_thread(partial.replace, target)
        return target

    def _url(self, service: str, path: str) -> str:
        return self._session.urls[service].rstrip("/") + path

    def _headers(self, method: str, key: str | None) -> dict[str, str]:
        if method == "GET":
            return self._auth
        return {**self._auth, "Idempotency-Key": key or str(uuid.uuid4())}

    def _answer(self, service: str, r: httpx.Response) -> httpx.Response:
        """The response, its position noted; AimsError when it is an error."""
        if r.status_code >= 400:
            raise AimsError(r.status_code, problem_of(r), service=service, request=r.request)
        position = int(r.headers.get("aims-position", 0))
        self._session.position = max(self._session.position, position)
        return r


def _retryable(r: httpx.Response) -> bool:
    """5xx, or the same write still running elsewhere (its key is kept, so retrying is safe)."""
    if r.status_code == 409:
        return problem_of(r).get("code") == "idempotency_in_progress"
    return r.status_code >= 500


def _etag(version: int | str) -> str:
    """An `If-Match` value: a version number quoted as the services' ETags are."""
    text = str(version).strip()
    return text if text.startswith('"') or text == "*" else f'"{text}"'


def _form_value(value: Any) -> str:
    """A multipart form field: lists as JSON, times as RFC 3339, the rest as text."""
    if isinstance(value, list | tuple):
        return json.dumps([str(v) for v in value])
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _json(r: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = r.json() if r.content else {}
    return body


def _params(**values: Any) -> dict[str, Any]:
    """Query parameters without the unset ones; times as RFC 3339."""
    out = {}
    for k, v in values.items():
        if v is not None:
            out[k] = v.isoformat() if isinstance(v, datetime) else v
    return out


def _trail_params(
    system_id: str | None, actor: str | None, type: str | list[str] | None,
    frm: datetime | str | None, to: datetime | str | None,
) -> dict[str, Any]:  # fmt: skip
    types = ",".join(type) if isinstance(type, list) else type
    return {"system_id": system_id, "actor": actor, "type": types, "from": frm, "to": to}
