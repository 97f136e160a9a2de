"""Dependencies of the evidence routes: blob store, signer, read-your-decisions freshness."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request

from services.evidence.blobs import BlobStore
from services.evidence.signing import Signer, load_signer
from shared.http.problems import Problem


async def start(app: FastAPI) -> None:
    """Open the blob store and the signing key (created on first use)."""
    settings = app.state.settings
    app.state.blobs = BlobStore(settings.blob_dir, settings.upload_max_bytes)
    app.state.signer = load_signer(settings.checkpoint_key_path)


def get_blobs(request: Request) -> BlobStore:
    return request.app.state.blobs  # type: ignore[no-any-return]


def get_signer(request: Request) -> Signer:
    return request.app.state.signer  # type: ignore[no-any-return]


async def current(request: Request) -> None:
    """Wait until the read models include every committed event.

    Decisions that consult a projection (who owns a system, which audit a finding
    belongs to) must not miss a change the caller has just made in another service.
    """
    head = await request.app.state.store.head_position()
    runner, wait = request.app.state.runner, request.app.state.settings.min_position_wait
    if not await runner.wait_for(head, wait):
        raise Problem(503, "read models are catching up; retry shortly", code="not_fresh")


Blobs = Annotated[BlobStore, Depends(get_blobs)]
SignerDep = Annotated[Signer, Depends(get_signer)]
Current = Depends(current)
