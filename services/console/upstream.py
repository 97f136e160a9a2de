"""Calls to the three services with the signed-in user's token (the console stores nothing)."""

from __future__ import annotations

from typing import Any

import httpx

from shared.config import Settings


class Unauthorized(Exception):
    """The token was refused upstream; the user signs in again."""


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
        """GET a JSON document; None for 404; raises Unauthorized on 401/403."""
        q = {k: v for k, v in params.items() if v not in (None, "")}
        r = await self.http.get(self.urls[service] + path, params=q,
                                headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        if r.status_code in (401, 403):
            raise Unauthorized(r.json().get("detail", "refused"))
        if r.status_code == 404:
            return None
        r.raise_for_status()
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

    async def close(self) -> None:
        await self.http.aclose()
