"""Python SDK for aims (httpx; sync `AimsClient` and async `AsyncAimsClient`).

Writes are retried on connection errors, 503 and 5xx with the same Idempotency-Key, so a
retry never records anything twice. A gate deny is an answer, not an error: `decide()`
returns a `Decision` whose `allowed` is False and whose `reasons` say why.

    with AimsClient(token=TOKEN) as aims:
        system = aims.register_system(name="Credit scoring", purpose="...", owner="alice")
        aims.register_model_version(system["id"], name="credit", version="7", digest=SHA256)
        decision = aims.decide(system["id"], "7", "production")
        if not decision.allowed:
            for reason in decision.reasons:
                print(reason["code"], reason["message"])
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

DEFAULT_URLS = {
    "registry": "http://127.0.0.1:8001",
    "risk": "http://127.0.0.1:8002",
    "evidence": "http://127.0.0.1:8003",
}
RETRY_STATUSES = {502, 503, 504}


class AimsError(Exception):
    """An error answer from aims, with its problem document."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status}: {problem.get('detail', problem)}")
        self.status, self.problem = status, problem


@dataclass(frozen=True)
class Decision:
    """A deployment-gate answer."""

    decision_id: str
    allowed: bool
    reasons: list[dict[str, str]]
    policy_version: str
    raw: dict[str, Any] = field(repr=False)


def _decision(body: dict[str, Any]) -> Decision:
    return Decision(
        body["decision_id"], body["decision"] == "allow", body.get("reasons", []),
        body.get("policy_version", ""), body,
    )  # fmt: skip


def _raise_for(r: httpx.Response) -> None:
    if r.status_code >= 400:
        try:
            problem = r.json()
        except ValueError:
            problem = {"detail": r.text}
        raise AimsError(r.status_code, problem)


class _Base:
    def __init__(
        self, token: str, urls: dict[str, str] | None = None, retries: int = 4,
        backoff: float = 0.2,
    ) -> None:  # fmt: skip
        self.urls = {**DEFAULT_URLS, **(urls or {})}
        self.headers = {"Authorization": f"Bearer {token}"}
        self.retries, self.backoff = retries, backoff

    def _url(self, service: str, path: str) -> str:
        return self.urls[service].rstrip("/") + path

    def _write_headers(self, key: str | None) -> dict[str, str]:
        return {**self.headers, "Idempotency-Key": key or str(uuid.uuid4())}


class AimsClient(_Base):
    """Blocking client."""

    def __init__(self, token: str, urls: dict[str, str] | None = None, **kw: Any) -> None:
        super().__init__(token, urls, **kw)
        self.http = httpx.Client(timeout=30)

    def __enter__(self) -> AimsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def _send(self, method: str, service: str, path: str, key: str | None = None,
              **kw: Any) -> httpx.Response:  # fmt: skip
        headers = self._write_headers(key) if method != "GET" else self.headers
        for attempt in range(self.retries + 1):
            try:
                r = self.http.request(method, self._url(service, path), headers=headers, **kw)
                if r.status_code not in RETRY_STATUSES or attempt == self.retries:
                    _raise_for(r)
                    return r
            except httpx.TransportError:
                if attempt == self.retries:
                    raise
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    # MLOps path
    def register_system(self, *, key: str | None = None, **fields: Any) -> dict[str, Any]:
        """Register an AI system; returns it."""
        return self._send("POST", "registry", "/v1/systems", key, json=fields).json()  # type: ignore[no-any-return]

    def register_model_version(
        self, system_id: str, *, name: str, version: str, digest: str, source_uri: str = "",
        key: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Register a model version of a system (the same digest again is a no-op)."""
        body = {"name": name, "version": version, "digest": digest, "source_uri": source_uri}
        path = f"/v1/systems/{system_id}/model-versions"
        return self._send("POST", "registry", path, key, json=body).json()  # type: ignore[no-any-return]

    def decide(self, system_id: str, model_version: str, environment: str,
               key: str | None = None) -> Decision:  # fmt: skip
        """Ask the deployment gate; a deny is returned, not raised."""
        body = {"system_id": system_id, "model_version": model_version, "environment": environment}
        return _decision(self._send("POST", "registry", "/v1/deployment-decisions", key,
                                    json=body).json())  # fmt: skip

    def record_deployment(
        self, decision_id: str, key: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """Record a deployment that cites an allow decision."""
        body = {"decision_id": decision_id, **extra}
        return self._send("POST", "registry", "/v1/deployments", key, json=body).json()  # type: ignore[no-any-return]

    # Auditor path
    def audit_trail(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every audit-trail entry matching the filters, newest first, across pages."""
        params = {k: v for k, v in filters.items() if v is not None}
        while True:
            page = self._send("GET", "evidence", "/v1/audit-trail", params=params).json()
            yield from page["items"]
            if not page.get("next_cursor"):
                return
            params["cursor"] = page["next_cursor"]

    def integrity(self) -> dict[str, Any]:
        """Verify the hash chain now."""
        return self._send("GET", "evidence", "/v1/integrity").json()  # type: ignore[no-any-return]

    def export_audit_pack(self, path: str, system_id: str | None = None, **params: Any) -> str:
        """Download an audit pack (zip) to `path`."""
        q = {k: v for k, v in {"system_id": system_id, **params}.items() if v is not None}
        url = self._url("evidence", "/v1/exports/audit-pack")
        with self.http.stream("GET", url, params=q, headers=self.headers) as r:
            if r.status_code >= 400:
                r.read()
                _raise_for(r)
            with open(path, "wb") as f:
                for chunk in r.iter_bytes():
                    f.write(chunk)
        return path


class AsyncAimsClient(_Base):
    """Asynchronous client with the same methods as `AimsClient`."""

    def __init__(self, token: str, urls: dict[str, str] | None = None, **kw: Any) -> None:
        super().__init__(token, urls, **kw)
        self.http = httpx.AsyncClient(timeout=30)

    async def __aenter__(self) -> AsyncAimsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def _send(self, method: str, service: str, path: str, key: str | None = None,
                    **kw: Any) -> httpx.Response:  # fmt: skip
        import asyncio

        headers = self._write_headers(key) if method != "GET" else self.headers
        for attempt in range(self.retries + 1):
            try:
                r = await self.http.request(method, self._url(service, path), headers=headers, **kw)
                if r.status_code not in RETRY_STATUSES or attempt == self.retries:
                    _raise_for(r)
                    return r
            except httpx.TransportError:
                if attempt == self.retries:
                    raise
            await asyncio.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    async def register_system(self, *, key: str | None = None, **fields: Any) -> dict[str, Any]:
        return (await self._send("POST", "registry", "/v1/systems", key, json=fields)).json()  # type: ignore[no-any-return]

    async def register_model_version(
        self, system_id: str, *, name: str, version: str, digest: str, source_uri: str = "",
        key: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        body = {"name": name, "version": version, "digest": digest, "source_uri": source_uri}
        path = f"/v1/systems/{system_id}/model-versions"
        return (await self._send("POST", "registry", path, key, json=body)).json()  # type: ignore[no-any-return]

    async def decide(self, system_id: str, model_version: str, environment: str,
                     key: str | None = None) -> Decision:  # fmt: skip
        body = {"system_id": system_id, "model_version": model_version, "environment": environment}
        r = await self._send("POST", "registry", "/v1/deployment-decisions", key, json=body)
        return _decision(r.json())

    async def record_deployment(self, decision_id: str, key: str | None = None,
                                **extra: Any) -> dict[str, Any]:  # fmt: skip
        body = {"decision_id": decision_id, **extra}
        return (await self._send("POST", "registry", "/v1/deployments", key, json=body)).json()  # type: ignore[no-any-return]

    async def integrity(self) -> dict[str, Any]:
        return (await self._send("GET", "evidence", "/v1/integrity")).json()  # type: ignore[no-any-return]
