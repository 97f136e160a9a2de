"""Python SDK for aims (httpx; sync `AimsClient` and async `AsyncAimsClient`).

Every request is retried on connection errors and 5xx answers; a write keeps the same
Idempotency-Key across its retries, so a retry never records anything twice. Pass your
own `key` to make a write idempotent across runs of your pipeline too. A gate deny is an
answer, not an error: `decide()` returns a `Decision` whose `allowed` is False and whose
`reasons` say why. Any other 4xx raises `AimsError` with the problem document.

    with AimsClient(token=TOKEN) as aims:
        system = aims.register_system(name="Credit scoring", purpose="...", owner="alice")
        aims.register_model_version(system["id"], name="credit", version="7", digest=SHA256,
                                    source_uri="s3://models/credit/7")
        decision = aims.decide(system["id"], "7", "production")
        if not decision.allowed:
            for reason in decision.reasons:
                print(reason["code"], reason["message"])
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

DEFAULT_URLS = {
    "registry": "http://127.0.0.1:8001",
    "risk": "http://127.0.0.1:8002",
    "evidence": "http://127.0.0.1:8003",
}
PACK = "/v1/exports/audit-pack"


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
        str(body["decision_id"]), body["decision"] == "allow", body.get("reasons", []),
        body.get("policy_version", ""), body,
    )  # fmt: skip


def _raise_for(r: httpx.Response) -> None:
    if r.status_code >= 400:
        try:
            problem = r.json()
        except ValueError:
            problem = {"detail": r.text}
        raise AimsError(r.status_code, problem)


def _retryable(r: httpx.Response) -> bool:
    return r.status_code >= 500


def _params(**values: Any) -> dict[str, Any]:
    """Query parameters without the unset ones; times as RFC 3339."""
    out = {}
    for k, v in values.items():
        if v is not None:
            out[k] = v.isoformat() if isinstance(v, datetime) else v
    return out


def _trail_params(system_id: str | None, actor: str | None, type: str | list[str] | None,
                  frm: datetime | str | None, to: datetime | str | None,
                  limit: int) -> dict[str, Any]:  # fmt: skip
    types = ",".join(type) if isinstance(type, list) else type
    return _params(system_id=system_id, actor=actor, type=types, to=to, limit=limit) | _params(
        **{"from": frm}
    )


def _pack_params(system_id: str | None, params: dict[str, Any]) -> dict[str, Any]:
    q = _params(system_id=system_id, **params)
    if "frm" in q:
        q["from"] = q.pop("frm")
    return q


def _model_version(name: str, version: str, digest: str, source_uri: str) -> dict[str, str]:
    return {"name": name, "version": version, "digest": digest, "source_uri": source_uri}


def _decision_body(system_id: str, model_version: str, environment: str) -> dict[str, str]:
    return {"system_id": str(system_id), "model_version": model_version,
            "environment": environment}  # fmt: skip


class _Base:
    def __init__(
        self, token: str, urls: dict[str, str] | None = None, retries: int = 4,
        backoff: float = 0.2, timeout: float = 30,
    ) -> None:  # fmt: skip
        self.urls = {**DEFAULT_URLS, **(urls or {})}
        self.headers = {"Authorization": f"Bearer {token}"}
        self.retries, self.backoff, self.timeout = retries, backoff, timeout

    def _url(self, service: str, path: str) -> str:
        return self.urls[service].rstrip("/") + path

    def _headers(self, method: str, key: str | None) -> dict[str, str]:
        if method == "GET":
            return self.headers
        return {**self.headers, "Idempotency-Key": key or str(uuid.uuid4())}


class AimsClient(_Base):
    """Blocking client."""

    def __init__(self, token: str, urls: dict[str, str] | None = None, **kw: Any) -> None:
        super().__init__(token, urls, **kw)
        self.http = httpx.Client(timeout=self.timeout)

    def __enter__(self) -> AimsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, service: str, path: str, key: str | None = None,
                **kw: Any) -> httpx.Response:  # fmt: skip
        """Any aims call, with retries (one Idempotency-Key for all attempts of a write)."""
        headers = self._headers(method, key)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                r = self.http.request(method, self._url(service, path), headers=headers, **kw)
            except httpx.TransportError:
                if last:
                    raise
            else:
                if last or not _retryable(r):
                    _raise_for(r)
                    return r
            time.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    # MLOps path
    def register_system(self, *, key: str | None = None, **fields: Any) -> dict[str, Any]:
        """Register an AI system (name, purpose, owner, eu_ai_act_tier...); returns it."""
        return self.request("POST", "registry", "/v1/systems", key, json=fields).json()  # type: ignore[no-any-return]

    def get_system(self, system_id: str, as_of: datetime | str | None = None) -> dict[str, Any]:
        """One AI system, now or as it was at `as_of`."""
        return self.request(
            "GET", "registry", f"/v1/systems/{system_id}", params=_params(as_of=as_of)
        ).json()  # type: ignore[no-any-return]

    def register_model_version(
        self, system_id: str, *, name: str, version: str, digest: str, source_uri: str,
        key: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Register a model version of a system (the same digest again is a no-op)."""
        path = f"/v1/systems/{system_id}/model-versions"
        body = _model_version(name, version, digest, source_uri)
        return self.request("POST", "registry", path, key, json=body).json()  # type: ignore[no-any-return]

    def decide(self, system_id: str, model_version: str, environment: str,
               key: str | None = None) -> Decision:  # fmt: skip
        """Ask the deployment gate; a deny is returned, not raised."""
        body = _decision_body(system_id, model_version, environment)
        r = self.request("POST", "registry", "/v1/deployment-decisions", key, json=body)
        return _decision(r.json())

    def record_deployment(
        self, decision_id: str, key: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """Record a deployment that cites an allow decision (409 AimsError otherwise)."""
        body = {"decision_id": str(decision_id), **extra}
        return self.request("POST", "registry", "/v1/deployments", key, json=body).json()  # type: ignore[no-any-return]

    # Auditor path
    def audit_trail(
        self, *, system_id: str | None = None, actor: str | None = None,
        type: str | list[str] | None = None, frm: datetime | str | None = None,
        to: datetime | str | None = None, page_size: int = 200,
    ) -> Iterator[dict[str, Any]]:  # fmt: skip
        """Every audit-trail entry matching the filters, newest first, across pages."""
        params = _trail_params(system_id, actor, type, frm, to, page_size)
        while True:
            page = self.request("GET", "evidence", "/v1/audit-trail", params=params).json()
            yield from page["items"]
            if not page.get("next_cursor"):
                return
            params["cursor"] = page["next_cursor"]

    def integrity(self) -> dict[str, Any]:
        """Verify the hash chain now; includes the last signed checkpoint."""
        return self.request("GET", "evidence", "/v1/integrity").json()  # type: ignore[no-any-return]

    def export_audit_pack(self, path: str | Path, system_id: str | None = None,
                          **params: Any) -> Path:  # fmt: skip
        """Download an audit pack (zip) to `path`; written only when complete."""
        q = _pack_params(system_id, params)
        target, partial = Path(path), Path(f"{path}.part")
        with self.http.stream("GET", self._url("evidence", PACK), params=q,
                              headers=self.headers) as r:  # fmt: skip
            if r.status_code >= 400:
                r.read()
                _raise_for(r)
            with partial.open("wb") as f:
                for chunk in r.iter_bytes():
                    f.write(chunk)
        partial.replace(target)
        return target


class AsyncAimsClient(_Base):
    """Asynchronous client with the same methods as `AimsClient`."""

    def __init__(self, token: str, urls: dict[str, str] | None = None, **kw: Any) -> None:
        super().__init__(token, urls, **kw)
        self.http = httpx.AsyncClient(timeout=self.timeout)

    async def __aenter__(self) -> AsyncAimsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.http.aclose()

    async def request(self, method: str, service: str, path: str, key: str | None = None,
                      **kw: Any) -> httpx.Response:  # fmt: skip
        """Any aims call, with retries (one Idempotency-Key for all attempts of a write)."""
        headers = self._headers(method, key)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                r = await self.http.request(method, self._url(service, path), headers=headers,
                                            **kw)  # fmt: skip
            except httpx.TransportError:
                if last:
                    raise
            else:
                if last or not _retryable(r):
                    _raise_for(r)
                    return r
            await asyncio.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")

    async def register_system(self, *, key: str | None = None, **fields: Any) -> dict[str, Any]:
        """Register an AI system; returns it."""
        return (await self.request("POST", "registry", "/v1/systems", key, json=fields)).json()  # type: ignore[no-any-return]

    async def get_system(self, system_id: str,
                         as_of: datetime | str | None = None) -> dict[str, Any]:  # fmt: skip
        """One AI system, now or as it was at `as_of`."""
        r = await self.request("GET", "registry", f"/v1/systems/{system_id}",
                               params=_params(as_of=as_of))  # fmt: skip
        return r.json()  # type: ignore[no-any-return]

    async def register_model_version(
        self, system_id: str, *, name: str, version: str, digest: str, source_uri: str,
        key: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Register a model version of a system (the same digest again is a no-op)."""
        path = f"/v1/systems/{system_id}/model-versions"
        body = _model_version(name, version, digest, source_uri)
        return (await self.request("POST", "registry", path, key, json=body)).json()  # type: ignore[no-any-return]

    async def decide(self, system_id: str, model_version: str, environment: str,
                     key: str | None = None) -> Decision:  # fmt: skip
        """Ask the deployment gate; a deny is returned, not raised."""
        body = _decision_body(system_id, model_version, environment)
        r = await self.request("POST", "registry", "/v1/deployment-decisions", key, json=body)
        return _decision(r.json())

    async def record_deployment(self, decision_id: str, key: str | None = None,
                                **extra: Any) -> dict[str, Any]:  # fmt: skip
        """Record a deployment that cites an allow decision (409 AimsError otherwise)."""
        body = {"decision_id": str(decision_id), **extra}
        return (await self.request("POST", "registry", "/v1/deployments", key, json=body)).json()  # type: ignore[no-any-return]

    async def audit_trail(
        self, *, system_id: str | None = None, actor: str | None = None,
        type: str | list[str] | None = None, frm: datetime | str | None = None,
        to: datetime | str | None = None, page_size: int = 200,
    ) -> AsyncIterator[dict[str, Any]]:  # fmt: skip
        """Every audit-trail entry matching the filters, newest first, across pages."""
        params = _trail_params(system_id, actor, type, frm, to, page_size)
        while True:
            page = (await self.request("GET", "evidence", "/v1/audit-trail", params=params)).json()
            for item in page["items"]:
                yield item
            if not page.get("next_cursor"):
                return
            params["cursor"] = page["next_cursor"]

    async def integrity(self) -> dict[str, Any]:
        """Verify the hash chain now; includes the last signed checkpoint."""
        return (await self.request("GET", "evidence", "/v1/integrity")).json()  # type: ignore[no-any-return]

    async def export_audit_pack(self, path: str | Path, system_id: str | None = None,
                                **params: Any) -> Path:  # fmt: skip
        """Download an audit pack (zip) to `path`; written only when complete."""
        q = _pack_params(system_id, params)
        target, partial = Path(path), Path(f"{path}.part")
        async with self.http.stream("GET", self._url("evidence", PACK), params=q,
                                    headers=self.headers) as r:  # fmt: skip
            if r.status_code >= 400:
                await r.aread()
                _raise_for(r)
            f = await asyncio.to_thread(partial.open, "wb")
            try:
                async for chunk in r.aiter_bytes():
                    await asyncio.to_thread(f.write, chunk)
            finally:
                await asyncio.to_thread(f.close)
        await asyncio.to_thread(partial.replace, target)
        return target
