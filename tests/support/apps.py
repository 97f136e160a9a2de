"""Service apps in-process over ASGI, with their lifespan (pools, projections) running."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import jwt
from fastapi import FastAPI

from shared.http.auth import AUDIENCE, issue_token
from shared.platform.config import Settings

SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
MIN_POSITION_WAIT = 30.0


def settings_for(url: str, data_dir: Path, **overrides: Any) -> Settings:
    """Settings of a test app: its database, a temp data dir, a known JWT secret."""
    values: dict[str, Any] = {
        "database_url": url, "data_dir": data_dir, "jwt_secret": SECRET,
        "poll_interval": 0.2, "log_json": True, "log_level": "WARNING",
        # A read with `min_position` waits this long for the read models before its 503: on a
        # loaded machine they may lag by more than the default few seconds.
        "min_position_wait": MIN_POSITION_WAIT,
    }  # fmt: skip
    values.update(overrides)
    return Settings(**values)


def token(sub: str, *roles: str, ttl: timedelta = timedelta(hours=1)) -> str:
    if ttl > timedelta(0):
        return issue_token(SECRET, sub, list(roles), ttl)
    # issue_token refuses a lifetime that is already over; tests still need expired tokens.
    claims = {"sub": sub.strip().casefold(), "roles": sorted(roles), "aud": AUDIENCE,
              "exp": datetime.now(UTC) + ttl}  # fmt: skip
    return jwt.encode(claims, SECRET, algorithm="HS256")


def auth(sub: str, *roles: str) -> dict[str, str]:
    """Authorization header for a subject with roles."""
    return {"Authorization": f"Bearer {token(sub, *roles)}"}


def app_of(client: httpx.AsyncClient) -> FastAPI:
    """The app behind a client from `running`."""
    return cast(FastAPI, vars(client)["app"])


@asynccontextmanager
async def running(service: str, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client talking to the service app in this process, lifespan started."""
    app = importlib.import_module(f"services.{service}.main").create(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{service}") as c:
            c.app = app  # type: ignore[attr-defined]
            yield c
