"""Routes of the Annex A catalogue and the Statement of Applicability."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Response

from services.risk.fields import CONTROL_ID
from services.risk.responses import BAD_LIST, INVALID, NOT_FOUND, PENDING, WRITE, documented
from services.risk.soa import handlers, queries
from services.risk.soa.schemas import SoAIn, soa_csv, soa_entry_out
from shared.contract import annex_a
from shared.domain.approvals import Requested
from shared.http.approvals import Sod, accepted
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, saved
from shared.http.jsonresp import ORJSONResponse

router = APIRouter(tags=["statement of applicability"])
ControlPath = Annotated[str, Path(max_length=16, pattern=CONTROL_ID)]
CSV_NAME = 'attachment; filename="statement-of-applicability.csv"'
_SOA_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}},
    **documented(BAD_LIST, INVALID),
}


@router.get("/v1/controls")
async def list_controls() -> dict[str, Any]:
    """The 38 Annex A controls of ISO/IEC 42001."""
    return {"items": [c.__dict__ for c in annex_a.controls().values()]}


@router.put("/v1/soa/controls/{control_id}", responses=documented(PENDING, NOT_FOUND, WRITE))
async def set_soa_entry(
    control_id: ControlPath, body: SoAIn, ctx: Ctx, repo: Repo, expected: IfMatch, sod: Sod
) -> Response:
    """Decide whether a control applies, with a justification either way.

    Excluding a control, or taking it out of the deployment gate, answers 202: the change
    waits for an approver."""
    out = await handlers.set_soa_entry(body.to_command(control_id, expected), repo, ctx, sod)
    if isinstance(out, Requested):
        return accepted(out)
    entry, result = out
    return saved(result, soa_entry_out(entry), entry.version)


async def _soa(pool: ReadPool, fmt: str, system_id: UUID | None) -> Response:
    rows = await queries.soa(pool, datetime.now(UTC), system_id)
    if fmt == "csv":
        return Response(
            soa_csv(rows), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": CSV_NAME},
        )  # fmt: skip
    return ORJSONResponse({"items": rows})


@router.get("/v1/soa", response_model=None, dependencies=[Fresh], responses=_SOA_RESPONSES)
async def get_soa(
    pool: ReadPool, format: Literal["json", "csv"] = "json", system_id: UUID | None = None
) -> Response:
    """Every control with its SoA entry, the risks that chose it and its evidence."""
    return await _soa(pool, format, system_id)


@router.get("/v1/soa.csv", response_model=None, dependencies=[Fresh], responses=_SOA_RESPONSES)
async def get_soa_csv(pool: ReadPool, system_id: UUID | None = None) -> Response:
    """The Statement of Applicability as CSV."""
    return await _soa(pool, "csv", system_id)
