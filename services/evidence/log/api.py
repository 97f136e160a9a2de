"""Transparency-log routes. Checkpoints, the key, consistency proofs and cosignatures are
public (a witness on another machine has no token); entries and inclusion proofs are for
auditors and admins."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from services.evidence.log import handlers, keys, queries
from services.evidence.log.schemas import (
    ConsistencyProof,
    CosignaturesAccepted,
    Entries,
    Entry,
    InclusionProof,
)
from shared.domain.errors import Invalid
from shared.http.deps import Pool
from shared.http.problems import Problem
from shared.kernel.tlog.store import TreeTooSmall

public = APIRouter(tags=["transparency log"])
router = APIRouter(tags=["transparency log"])
Keys = Annotated[keys.LogKeys, Depends(keys.of)]
Size = Annotated[int, Query(ge=0, le=2**63 - 1)]
Position = Annotated[int, Query(ge=1, le=2**63 - 1)]
TEXT: dict[int | str, dict[str, Any]] = {200: {"content": {"text/plain": {}}}}
MAX_NOTE = 64 * 1024
NOTE_BODY = {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


@public.get("/v1/log/checkpoint", response_class=Response, responses={
    **TEXT, 404: {"description": "no checkpoint signed yet"}})  # fmt: skip
async def checkpoint(pool: Pool) -> Response:
    """The latest signed checkpoint (C2SP signed note) with the witnesses' cosignatures."""
    cp = await queries.latest_checkpoint(pool)
    if cp is None:
        raise Problem(404, "no checkpoint has been signed yet", code="no_checkpoint")
    lines = [x for x in await queries.cosignature_lines(pool, cp.tree_size) if x not in cp.note]
    return Response(cp.note + "".join(lines), media_type="text/plain; charset=utf-8")


@public.get("/v1/log/public-key", response_class=Response, responses=TEXT)
async def public_key(log: Keys) -> Response:
    """The log's verifier key in signed-note form: `<name>+<key hash>+<base64 key>`."""
    return Response(log.verifier.line() + "\n", media_type="text/plain; charset=utf-8")


@public.get("/v1/log/proofs/consistency", response_model=ConsistencyProof,
            responses={400: {"description": "sizes out of order or past the log"}})  # fmt: skip
async def consistency(pool: Pool, first: Size, second: Size) -> ConsistencyProof:
    """RFC 9162 consistency proof between the trees of `first` and `second` events."""
    if first > second:
        raise Problem(400, "first must not exceed second", code="bad_range")
    try:
        hashes = await queries.consistency(pool, first, second)
    except TreeTooSmall as exc:
        raise Problem(400, str(exc), code="tree_size_ahead_of_log") from exc
    return ConsistencyProof(first=first, second=second, hashes=_b64(hashes))


@router.get("/v1/log/proofs/inclusion", response_model=InclusionProof,
            responses={400: {"description": "position outside the tree"}})  # fmt: skip
async def inclusion(pool: Pool, position: Position, tree_size: Size) -> InclusionProof:
    """RFC 9162 inclusion proof of the event at `position` in the tree of `tree_size`."""
    if position > tree_size:
        raise Problem(400, "position must be within the tree", code="bad_range")
    try:
        hashes = await queries.inclusion(pool, position, tree_size)
    except TreeTooSmall as exc:
        raise Problem(400, str(exc), code="tree_size_ahead_of_log") from exc
    return InclusionProof(leaf_index=position - 1, tree_size=tree_size, hashes=_b64(hashes))


@router.get("/v1/log/entries", response_model=Entries,
            responses={400: {"description": "start after end"}})  # fmt: skip
async def entries(pool: Pool, start: Position, end: Position) -> Entries:
    """Entries start..end (inclusive, at most 1,000 a page) as base64 canonical bytes."""
    if start > end:
        raise Problem(400, "start must not exceed end", code="bad_range")
    found, nxt = await queries.entries(pool, start, end)
    items = [Entry(position=p, leaf=base64.b64encode(b).decode()) for p, b in found]
    return Entries(entries=items, next=nxt)


@public.post("/v1/log/cosignatures", response_model=CosignaturesAccepted, responses={
    400: {"description": "not a checkpoint of this log"},
    403: {"description": "no cosignature from a configured witness"},
    409: {"description": "this log signed no such checkpoint"}},
    openapi_extra={"requestBody": NOTE_BODY})  # fmt: skip
async def cosignatures(request: Request, pool: Pool, log: Keys) -> CosignaturesAccepted:
    """A witness posts its cosigned checkpoint (a signed note with its cosignature line)."""
    body = await request.body()
    if len(body) > MAX_NOTE:
        raise Problem(413, "a checkpoint note is at most 64 KiB", code="too_large")
    try:
        note = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, "the note is not UTF-8", code="invalid") from exc
    cmd = handlers.AddCosignatures(note, log.verifier, log.witnesses)
    try:
        size, names = await handlers.add_cosignatures(cmd, pool)
    except handlers.UnknownWitness as exc:
        raise Problem(403, exc.detail, code=exc.code) from exc
    except Invalid as exc:
        raise Problem(400, exc.detail, code="invalid_checkpoint") from exc
    return CosignaturesAccepted(tree_size=size, witnesses=names)
