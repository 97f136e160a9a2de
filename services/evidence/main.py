"""Evidence service app (:8003)."""

import asyncio

from fastapi import FastAPI

from services.evidence import api, api_audits, api_integrity, checkpoints, deps
from services.evidence.access import ACCESS
from services.evidence.projections import PROJECTIONS
from shared.contract.events import CATEGORIES
from shared.http.app import create_app
from shared.platform.config import Settings, get_settings

# Room for the multipart envelope and form fields around a file of the maximum size.
UPLOAD_OVERHEAD = 256 * 1024


async def _start_checkpointer(app: FastAPI) -> None:
    every = app.state.settings.checkpoint_interval_seconds
    app.state.checkpointer = (
        asyncio.create_task(checkpoints.run_periodically(
            app.state.pool, app.state.store, app.state.signer, every))
        if every > 0 else None
    )  # fmt: skip


async def _stop_checkpointer(app: FastAPI) -> None:
    task = getattr(app.state, "checkpointer", None)
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def create(settings: Settings | None = None) -> FastAPI:
    """The app (uvicorn runs it with --factory)."""
    settings = settings or get_settings()
    return create_app(
        "evidence",
        routers=[api.router, api_audits.router, api_integrity.router],
        access=ACCESS,
        categories=CATEGORIES["evidence"],
        projections=PROJECTIONS,
        body_limits={"/v1/evidence": settings.upload_max_bytes + UPLOAD_OVERHEAD},
        on_start=[deps.start, _start_checkpointer],
        on_stop=[_stop_checkpointer],
        description="Evidence, audits, nonconformities, management reviews, audit trail, "
        "integrity and audit packs.",
        settings=settings,
    )
