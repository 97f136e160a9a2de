"""Evidence service app (:8003)."""

import asyncio

from fastapi import FastAPI

from services.evidence.access import ACCESS
from services.evidence.audits import api as audits
from services.evidence.concerns import api as concerns
from services.evidence.concerns.sealing import load_sealer
from services.evidence.coverage import api as coverage
from services.evidence.incidents import api as incidents
from services.evidence.integrity import api as integrity
from services.evidence.integrity.checkpoints import IntegrityMonitor
from services.evidence.integrity.signing import load_signer
from services.evidence.log import api as log_api
from services.evidence.log import keys, signer
from services.evidence.oscal import api as oscal
from services.evidence.projections import PROJECTIONS
from services.evidence.records import api as records
from services.evidence.records.blobs import BlobStore
from services.evidence.subscriptions import api as subscriptions
from services.evidence.trail import api as trail
from shared.contract.events import CATEGORIES
from shared.http.app import create_app
from shared.http.state import core
from shared.http.state import settings as settings_of
from shared.platform.config import Settings, get_settings

# Room for the multipart envelope and form fields around a file of the maximum size.
UPLOAD_OVERHEAD = 256 * 1024


async def _start(app: FastAPI) -> None:
    """Open the blob store, the signing key and the concern key (created on first use)."""
    settings = settings_of(app)
    app.state.blobs = BlobStore(settings.blob_dir, settings.upload_max_bytes)
    app.state.concern_sealer = load_sealer(settings.concern_key_path)
    log = keys.build(load_signer(settings.checkpoint_key_path).key, settings)
    keys.install(app, log)
    app.state.integrity = IntegrityMonitor(log)


async def _start_checkpointer(app: FastAPI) -> None:
    every, c = settings_of(app).checkpoint_interval_seconds, core(app)
    app.state.checkpointer = (
        asyncio.create_task(signer.run_periodically(c.pool, c.store, app.state.log_keys, every))
        if every > 0 else None
    )  # fmt: skip


async def _stop_checkpointer(app: FastAPI) -> None:
    task: asyncio.Task[None] | None = getattr(app.state, "checkpointer", None)
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def create(settings: Settings | None = None) -> FastAPI:
    """The app (uvicorn runs it with --factory)."""
    settings = settings or get_settings()
    return create_app(
        "evidence",
        routers=[
            records.router,
            audits.router,
            incidents.router,
            concerns.router,
            trail.router,
            integrity.router,
            log_api.router,
            coverage.router,
            oscal.router,
            subscriptions.router,
        ],
        public_routers=[log_api.public],
        access=ACCESS,
        categories=CATEGORIES["evidence"],
        projections=PROJECTIONS,
        body_limits={"/v1/evidence": settings.upload_max_bytes + UPLOAD_OVERHEAD},
        on_start=[_start, _start_checkpointer],
        on_stop=[_stop_checkpointer],
        description="Evidence, audits, nonconformities, management reviews, AI incidents and "
        "concerns, audit trail, integrity, audit packs, framework coverage and OSCAL exports.",
        settings=settings,
    )
