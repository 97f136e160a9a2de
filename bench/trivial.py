"""The yardstick for the gate: an aims app whose one authenticated GET does `SELECT 1`.

Built with the same app factory as the services (auth, request ids, idempotency, problem
responses, pools, projection runner), so the difference to the gate is the gate's logic.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from shared.http.app import create_app
from shared.http.auth import roles
from shared.http.deps import Pool

router = APIRouter()


@router.get("/v1/trivial")
async def trivial(pool: Pool) -> dict[str, int]:
    """One round trip to PostgreSQL and nothing else."""
    return {"one": int(await pool.fetchval("SELECT 1"))}


def create() -> FastAPI:
    """The app (uvicorn runs it with --factory)."""
    return create_app(
        "trivial",
        routers=[router],
        access={("GET", "/v1/trivial"): roles("admin", "mlops")},
        categories=frozenset(),
    )
