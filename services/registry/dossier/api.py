"""The Annex IV technical documentation of a system (thin route)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.registry.dossier import queries
from services.registry.dossier.domain import build
from services.registry.dossier.render import html
from services.registry.systems.domain import AISystem
from services.registry.systems.schemas import SystemOut
from shared.domain.aggregate import stream_id
from shared.http.deps import Fresh, ReadPool, Repo
from shared.http.state import settings
from shared.kernel.eventstore import StreamNotFound

router = APIRouter(tags=["dossier"])
OWN_STREAMS = ("system", "responsibilities", "oversight", "monitoring")


@router.get(
    "/v1/systems/{system_id}/dossier", response_class=HTMLResponse, dependencies=[Fresh],
    responses={
        200: {"content": {"text/html": {}}, "description": "the dossier as an HTML page"},
        400: {"description": "`min_position` beyond the log"},
        404: {"description": "no such AI system"},
    },
)  # fmt: skip
async def get_dossier(
    system_id: UUID, request: Request, repo: Repo, pool: ReadPool
) -> HTMLResponse:
    """The system's technical documentation (EU AI Act Annex IV), assembled from the log:
    each section cites its events and evidence and says what is missing."""
    own = [await repo.store.read_stream(stream_id(c, system_id), must_exist=False)
           for c in OWN_STREAMS]  # fmt: skip
    if not own[0]:
        raise StreamNotFound(stream_id("system", system_id))
    system = AISystem.replay(system_id, own[0])
    # The system's own streams are read from the log (always current); other streams
    # through the index (`?min_position=` waits for it).
    indexed = await queries.system_events(pool, system_id)
    events = list({e.position: e for e in [*indexed, *(e for s in own for e in s)]}.values())
    dossier = build(SystemOut.of(system).model_dump(), events, await queries.soa_entries(pool),
                    datetime.now(UTC))  # fmt: skip
    evidence_url = settings(request.app).evidence_url
    return HTMLResponse(html(dossier, evidence_url))
