"""Calls to the three services with the signed-in user's token (the console stores nothing)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from shared.platform.config import Settings


class Unauthorized(Exception):
    """The token was refused upstream; the user signs in again."""


class UpstreamError(Exception):
    """A service answered with an error (or could not be reached); shown to the user."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class Upstream:
    """One httpx client per console process; each call carries the user's bearer token."""

    def __init__(self, settings: Settings) -> None:
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
        self.urls = {
            "registry": settings.registry_url or f"http://{host}:{settings.registry_port}",
            "risk": settings.risk_url or f"http://{host}:{settings.risk_port}",
            "evidence": settings.evidence_url or f"http://{host}:{settings.evidence_port}",
        }
        self.http = httpx.AsyncClient(timeout=30)

    async def get(self, token: str, service: str, path: str, **params: Any) -> Any:
        """GET a JSON document; None for 404; Unauthorized on 401; UpstreamError otherwise."""
        q = {k: v for k, v in params.items() if v not in (None, "")}
        try:
            r = await self.http.get(self.urls[service].rstrip("/") + path, params=q,
                                    headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        except httpx.HTTPError as exc:
            raise UpstreamError(502, f"the {service} service cannot be reached") from exc
        if r.status_code == 401:
            raise Unauthorized(_detail(r))
        if r.status_code == 404:
            return None
        if r.status_code >= 400:
            raise UpstreamError(r.status_code, f"{service}: {_detail(r)}")
        return r.json()

    async def all_pages(self, token: str, service: str, path: str, cap: int = 5000,
                        **params: Any) -> list[dict[str, Any]]:  # fmt: skip
        """Every item of a cursor-paginated list (up to `cap`)."""
        items: list[dict[str, Any]] = []
        cursor = None
        while len(items) < cap:
            page = await self.get(token, service, path, limit=500, cursor=cursor, **params)
            if not page:
                break
            items += page.get("items", [])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return items

    async def many(self, token: str, service: str, paths: list[str]) -> list[Any]:
        """Several GETs at once (at most 10 in flight); None where one is missing."""
        gate = asyncio.Semaphore(10)

        async def one(path: str) -> Any:
            async with gate:
                return await self.get(token, service, path)

        return list(await asyncio.gather(*(one(p) for p in paths)))

    async def close(self) -> None:
        await self.http.aclose()


def _detail(r: httpx.Response) -> str:
    try:
        body = r.json()
    except ValueError:
        return r.reason_phrase or str(r.status_code)
    detail = str(body.get("detail") or body.get("title") or r.reason_phrase)
    errors = body.get("errors") or []
    fields = [".".join(str(p) for p in e.get("loc", [])[1:]) for e in errors if e.get("loc")]
    return detail + (f" ({', '.join(fields)})" if fields else "")
