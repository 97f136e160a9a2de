"""Integrity routes: chain verification, signed checkpoints, the audit-pack export."""

from __future__ import annotations

from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from services.evidence.fields import QueryTime
from services.evidence.integrity import pack
from services.evidence.integrity.checkpoints import IntegrityMonitor
from services.evidence.log import keys, signer
from services.evidence.log import queries as log_queries
from services.evidence.log.keys import LogKeys
from shared.http.deps import Ctx, Pool, Store
from shared.http.jsonresp import ORJSONResponse
from shared.http.problems import Problem

router = APIRouter(tags=["integrity"])


def monitor_of(request: Request) -> IntegrityMonitor:
    return cast(IntegrityMonitor, request.app.state.integrity)


Monitor = Annotated[IntegrityMonitor, Depends(monitor_of)]
Keys = Annotated[LogKeys, Depends(keys.of)]


@router.get("/v1/integrity")
async def integrity(pool: Pool, monitor: Monitor) -> dict[str, Any]:
    """Verify the log (chain, tree, every checkpoint) since the last verified checkpoint."""
    return await monitor.report(pool)


@router.post("/v1/checkpoints", status_code=201, responses={
    409: {"description": "the log does not verify, or an integrity alarm is open"}})  # fmt: skip
async def sign_checkpoint(ctx: Ctx, pool: Pool, store: Store, log: Keys) -> Response:
    """Verify the whole log and sign a C2SP checkpoint of its head now."""
    cp, new = await signer.sign_checkpoint(pool, store, log, ctx)
    if cp is None:
        return ORJSONResponse({"detail": "the log is empty"}, status_code=200)
    headers = {"AIMS-Position": str(cp["event_position"])}
    return ORJSONResponse(cp, status_code=201 if new else 200, headers=headers)


@router.get("/v1/checkpoints/latest", responses={404: {"description": "none signed yet"}})
async def latest_checkpoint(pool: Pool) -> Response:
    """The newest signed checkpoint (JSON; the note itself is at /v1/log/checkpoint)."""
    cp = await log_queries.latest_checkpoint(pool)
    if cp is None:
        raise Problem(404, "no checkpoint has been signed yet", code="no_checkpoint")
    return ORJSONResponse(signer.public(cp.data, cp.event_position))


@router.get("/v1/checkpoints/public-key", response_class=Response,
            responses={200: {"content": {"application/x-pem-file": {}}}})  # fmt: skip
async def public_key(log: Keys) -> Response:
    """The log's Ed25519 public key as PEM (the verifier key line: /v1/log/public-key)."""
    pem = log.public_pem()
    return Response(pem, media_type="application/x-pem-file",
                    headers={"AIMS-Key-Id": f"{log.signer.key_hash:08x}"})  # fmt: skip


@router.get("/v1/exports/audit-pack", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}}}})  # fmt: skip
async def audit_pack(
    ctx: Ctx, pool: Pool, store: Store, log: Keys, system_id: UUID | None = None,
    frm: Annotated[QueryTime | None, Query(alias="from")] = None, to: QueryTime | None = None,
) -> StreamingResponse:  # fmt: skip
    """A zip of the events with inclusion proofs, the signed checkpoint, SoA and report."""
    plan = await pack.plan_pack(pool, store, log, ctx, system_id=system_id, frm=frm, to=to)
    name = f"aims-audit-pack-{system_id or 'all'}.zip"
    return StreamingResponse(
        pack.pack_chunks(pool, log, plan), media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "AIMS-Checkpoint-Position": str(plan.tree_size)},
    )  # fmt: skip
