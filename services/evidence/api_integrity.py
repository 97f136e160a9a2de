"""Audit trail, integrity, signed checkpoints and audit packs."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from services.evidence import checkpoints, pack
from services.evidence.deps import SignerDep
from services.evidence.pack_verify import checkpoint_message
from services.evidence.schemas import utc
from shared.http.deps import Ctx, Fresh, Pool, ReadPool, Store
from shared.http.jsonresp import ORJSONResponse
from shared.http.pagination import Page, decode_cursor, encode_cursor
from shared.http.problems import Problem
from shared.kernel.eventstore.verify import verify_pool

router = APIRouter(tags=["integrity"])
_TRAIL_COLUMNS = (
    "t.position, t.event_id, t.type, t.stream_id, t.actor, t.source, t.recorded_at, t.summary,"
    " t.system_ids, t.basis, t.links"
)


async def _time_bounds(
    pool: asyncpg.Pool, frm: datetime | None, to: datetime | None
) -> tuple[int | None, int | None]:
    """A time range as a position range (recorded_at never decreases along the log)."""
    lo = hi = None
    if frm is not None:
        lo = await pool.fetchval(
            "SELECT position FROM evidence_trail WHERE recorded_at >= $1"
            " ORDER BY recorded_at, position LIMIT 1", frm,
        ) or -1  # fmt: skip
    if to is not None:
        hi = await pool.fetchval(
            "SELECT position FROM evidence_trail WHERE recorded_at <= $1"
            " ORDER BY recorded_at DESC, position DESC LIMIT 1", to,
        ) or 0  # fmt: skip
    if lo == -1:  # nothing at or after `from`
        lo, hi = 1, 0
    return lo, hi


@router.get("/v1/audit-trail", response_model=Page, dependencies=[Fresh])
async def audit_trail(
    pool: ReadPool,
    system_id: UUID | None = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    type: Annotated[list[str] | None, Query(max_length=50)] = None,
    frm: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page:
    """Decision history of all three services, newest first, with actor, basis and links."""
    lo, hi = await _time_bounds(pool, utc(frm), utc(to))
    types = sorted({t.strip() for raw in type or [] for t in raw.split(",") if t.strip()}) or None
    where: list[str] = []
    args: list[Any] = []
    for sql, value in (("t.actor = {}", actor), ("t.type = ANY({})", types),
                       ("t.position >= {}", lo), ("t.position <= {}", hi),
                       ("t.position < {}", decode_cursor(cursor) if cursor else None)):  # fmt: skip
        if value is not None:
            args.append(value)
            where.append(sql.format(f"${len(args)}"))
    source = "evidence_trail t"
    if system_id is not None:
        args.append(system_id)
        source = "evidence_trail_system s JOIN evidence_trail t ON t.position = s.position"
        where.append(f"s.system_id = ${len(args)}")
    args.append(limit + 1)
    order = "s.position" if system_id is not None else "t.position"
    rows = await pool.fetch(
        f"SELECT {_TRAIL_COLUMNS} FROM {source}"
        f"{' WHERE ' + ' AND '.join(where) if where else ''}"
        f" ORDER BY {order} DESC LIMIT ${len(args)}",
        *args,
    )
    items = [dict(r) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor(items[-1]["position"]) if more else None)


@router.get("/v1/integrity")
async def integrity(pool: Pool, signer: SignerDep) -> dict[str, Any]:
    """Verify the whole hash chain, and the newest signed checkpoint against it."""
    report = (await verify_pool(pool)).as_dict()
    cp = await checkpoints.latest(pool)
    if cp is None:
        return {**report, "checkpoint": None}
    public = checkpoints.as_public(cp)
    stored = await pool.fetchval("SELECT hash FROM events WHERE position = $1", cp["position"])
    matches = stored is not None and bytes(stored).hex() == cp["head_hash"]
    signature_ok = _signature_ok(public)
    public.update(matches_log=matches, signature_valid=signature_ok)
    if report["ok"] and not (matches and signature_ok):
        report["ok"] = False
        report["first_mismatch"] = {
            "position": cp["position"], "reason": "checkpoint",
            "detail": "the log's hash at this position differs from the signed checkpoint"
            if not matches else "the checkpoint's signature does not verify",
        }  # fmt: skip
    return {**report, "checkpoint": public}


def _signature_ok(cp: dict[str, Any]) -> bool:
    try:
        key = load_pem_public_key(cp["public_key"].encode())
        message = checkpoint_message(cp["position"], cp["head_hash"], cp["signed_at"])
        key.verify(base64.b64decode(cp["signature"]), message)  # type: ignore[union-attr, call-arg]
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


@router.post("/v1/checkpoints", status_code=201)
async def sign_checkpoint(ctx: Ctx, pool: Pool, store: Store, signer: SignerDep) -> Response:
    """Verify the log since the last checkpoint and sign its head now."""
    cp, new = await checkpoints.sign_checkpoint(pool, store, signer, ctx)
    if cp is None:
        return ORJSONResponse({"detail": "the log is empty"}, status_code=200)
    headers = {"AIMS-Position": str(cp["event_position"])}
    return ORJSONResponse(cp, status_code=201 if new else 200, headers=headers)


@router.get("/v1/checkpoints/latest")
async def latest_checkpoint(pool: Pool) -> Response:
    """The newest signed checkpoint."""
    cp = await checkpoints.latest(pool)
    if cp is None:
        raise Problem(404, "no checkpoint has been signed yet", code="no_checkpoint")
    return ORJSONResponse(checkpoints.as_public(cp))


@router.get("/v1/checkpoints/public-key", response_class=Response,
            responses={200: {"content": {"application/x-pem-file": {}}}})  # fmt: skip
async def public_key(signer: SignerDep) -> Response:
    """The Ed25519 public key that signs checkpoints and audit packs (PEM)."""
    return Response(signer.public_pem, media_type="application/x-pem-file",
                    headers={"AIMS-Key-Id": signer.key_id})  # fmt: skip


@router.get("/v1/exports/audit-pack", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}}}})  # fmt: skip
async def audit_pack(
    ctx: Ctx, pool: Pool, store: Store, signer: SignerDep, system_id: UUID | None = None,
    frm: Annotated[datetime | None, Query(alias="from")] = None, to: datetime | None = None,
) -> StreamingResponse:  # fmt: skip
    """A zip of the system's events, hash links, signed checkpoint, SoA and report, streamed."""
    plan = await pack.plan_pack(
        pool, store, signer, ctx, system_id=system_id, frm=utc(frm), to=utc(to)
    )
    name = f"aims-audit-pack-{system_id or 'all'}.zip"
    return StreamingResponse(
        pack.pack_chunks(pool, signer, plan), media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "AIMS-Checkpoint-Position": str(plan.checkpoint["position"])},
    )  # fmt: skip
