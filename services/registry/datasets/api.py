"""Dataset routes (thin): JSON to commands, aggregates to JSON."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.registry.datasets import handlers, queries
from services.registry.datasets.domain import Dataset
from services.registry.datasets.schemas import DatasetIn, DatasetOut, DatasetPage, DatasetPatch
from shared.contract.events.registry import DataUse
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, written
from shared.http.fields import Instant
from shared.http.pagination import Cursor, Page

router = APIRouter(tags=["datasets"])
Responses = dict[int | str, dict[str, Any]]
NO_DATASET: Responses = {404: {"description": "no such dataset"}}
LINKS: Responses = {
    403: {"description": "a linked system is not the caller's (owner, admin or mlops)"},
    409: {"description": "a newly linked system is retired"},
    422: {"description": "bad input, or a system or model version that does not exist"},
}


@router.post("/v1/datasets", status_code=201, response_model=DatasetOut, responses=LINKS)
async def register_dataset(body: DatasetIn, ctx: Ctx, repo: Repo) -> Response:
    """Enter a data resource with its provenance, linked to systems and model versions."""
    dataset, result = await handlers.register_dataset(body.to_command(ctx.actor.sub), ctx, repo)
    return written(result, DatasetOut.of(dataset), status=201,
                   location=f"/v1/datasets/{dataset.id}")  # fmt: skip


@router.get(
    "/v1/datasets", response_model=DatasetPage, dependencies=[Fresh],
    responses={400: {"description": "a cursor this API did not return"}},
)  # fmt: skip
async def list_datasets(
    pool: ReadPool, cursor: Cursor = None, limit: Annotated[int, Query(ge=1, le=200)] = 50,
    system_id: UUID | None = None, model_version_id: UUID | None = None,
    use: DataUse | None = None,
) -> Page:  # fmt: skip
    """Datasets, newest first; filter by linked system, model version or use."""
    return await queries.datasets(pool, system_id=system_id, model_version_id=model_version_id,
                                  use=use, cursor=cursor, limit=limit)  # fmt: skip


@router.get("/v1/datasets/{dataset_id}", response_model=DatasetOut, responses=NO_DATASET)
async def get_dataset(
    dataset_id: UUID, repo: Repo,
    as_of: Annotated[Instant | None, Query(description="RFC 3339 date-time")] = None,
) -> Response:  # fmt: skip
    """One dataset with every data version it has had (current, or as it was at `as_of`)."""
    dataset = await repo.load(Dataset, dataset_id, as_of=as_of)
    return resource(DatasetOut.of(dataset), dataset.version)


@router.patch(
    "/v1/datasets/{dataset_id}", response_model=DatasetOut,
    responses=NO_DATASET | LINKS | {
        403: {"description": "not the dataset's owner nor an admin, or a linked system not"
              " the caller's"},
        412: {"description": "If-Match names another version than the current one"},
    },
)  # fmt: skip
async def patch_dataset(
    dataset_id: UUID, body: DatasetPatch, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Change a dataset: a new data version with its digest, provenance, checks, links."""
    dataset, result = await handlers.revise_dataset(body.to_command(dataset_id, expected), ctx,
                                                    repo)  # fmt: skip
    if result is None:
        return resource(DatasetOut.of(dataset), dataset.version)
    return written(result, DatasetOut.of(dataset))
