"""Dataset handlers: load, decide, save (one commit point each)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from uuid import UUID

from services.registry.datasets.commands import RegisterDataset, ReviseDataset
from services.registry.datasets.domain import Dataset, Record, check_links
from services.registry.systems.domain import AISystem
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext


async def _systems(repo: Repository, ids: Iterable[UUID]) -> dict[UUID, AISystem | None]:
    """The systems named, None for those that do not exist."""
    found: dict[UUID, AISystem | None] = {}
    for system_id in dict.fromkeys(ids):
        try:
            found[system_id] = await repo.load(AISystem, system_id)
        except StreamNotFound:
            found[system_id] = None
    return found


async def register_dataset(
    cmd: RegisterDataset, ctx: RequestContext, repo: Repository
) -> tuple[Dataset, AppendResult]:
    """Register a dataset; every system and model version it names must exist."""
    record = cmd.record
    check_links(record, await _systems(repo, record.system_ids), ctx.actor)
    dataset = Dataset.register(ctx.new_id("dataset"), record)
    return dataset, await repo.save(dataset, ctx, expected_version=0)


async def revise_dataset(
    cmd: ReviseDataset, ctx: RequestContext, repo: Repository
) -> tuple[Dataset, AppendResult | None]:
    """Change a dataset (its owner or an admin; If-Match); no change, no result."""
    dataset = await repo.load(Dataset, cmd.dataset_id)
    dataset.check_changer(ctx.actor)
    record: Record = dataclasses.replace(dataset.record, **cmd.changes)
    systems = await _systems(repo, record.system_ids)
    check_links(record, systems, ctx.actor, already=dataset.record.system_ids)
    dataset.revise(record)
    if not dataset.pending:
        return dataset, None
    return dataset, await repo.save(dataset, ctx, expected_version=cmd.expected_version)
