"""The Annex IV technical documentation of a system (thin route)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from services.registry.dossier import queries
from services.registry.dossier.domain import build
from services.registry.dossier.render import PdfUnavailable, html, pdf
from services.registry.systems.domain import AISystem
from services.registry.systems.schemas import SystemOut
from shared.domain.aggregate import stream_id
from shared.http.deps import Fresh, ReadPool, Repo
from shared.http.problems import Problem
from shared.http.state import settings
from shared.kernel.eventstore import StreamNotFound

router = APIRouter(tags=["dossier"])
OWN_STREAMS = ("system", "responsibilities", "oversight", "monitoring")


@router.get(
    "/v1/systems/{system_id}/dossier", response_class=HTMLResponse, dependencies=[Fresh],
    responses={
        200: {"content": {"text/html": {}, "application/pdf": {}},
              "description": "the dossier as an HTML page, or as PDF (`format=pdf`, or"
                             " `Accept: application/pdf`)"},
        400: {"description": "`min_position` beyond the log"},
        404: {"description": "no such AI system"},
        406: {"description": "PDF asked for and this server cannot render it"},
    },
)  # fmt: skip
async def get_dossier(
    system_id: UUID, request: Request, repo: Repo, pool: ReadPool,
    format: Literal["html", "pdf"] | None = None,
) -> Response:  # fmt: skip
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
    page = html(dossier, settings(request.app).evidence_url)
    if not _wants_pdf(format, request.headers.get("accept", "")):
        return HTMLResponse(page)
    try:
        document = await asyncio.to_thread(pdf, page)  # CPU-bound: off the event loop
    except PdfUnavailable as exc:
        raise Problem(406, f"this server cannot render PDF ({exc}); ask for the HTML page",
                      code="pdf_unavailable") from exc  # fmt: skip
    name = f"dossier-{system_id}.pdf"
    return Response(document, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})  # fmt: skip


def _wants_pdf(format: str | None, accept: str) -> bool:
    """`format` decides; without it, an Accept header that names PDF before HTML."""
    if format is not None:
        return format == "pdf"
    kinds = [part.split(";")[0].strip() for part in accept.split(",")]
    return "application/pdf" in kinds and (
        "text/html" not in kinds or kinds.index("application/pdf") < kinds.index("text/html")
    )
