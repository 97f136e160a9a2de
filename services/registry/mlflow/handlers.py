"""The MLflow delivery handler: apply one delivery to the system claiming its model."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.registry.mlflow.commands import (
    AliasModelVersion,
    AttachModelVersion,
    MlflowCommand,
    TagModelVersion,
)
from services.registry.mlflow.domain import Outcome
from services.registry.systems.domain import AISystem
from shared.domain.errors import Conflict, NotFound
from shared.domain.repository import Repository
from shared.kernel.requestctx import RequestContext

_NS = uuid.UUID("4b0f8a52-8c1e-4f35-9a3d-6f1c0e2d7b91")


@dataclass(frozen=True)
class DeliveryContext(RequestContext):
    """Context of one webhook delivery: its event ids derive from the delivery id alone.

    A redelivery therefore produces the same event id whatever happened in between, and
    the event store answers it as a duplicate instead of writing a second event.
    """

    def event_id(self, stream_id: str, version: int) -> uuid.UUID | None:
        return uuid.uuid5(_NS, f"{self.idempotency_key}\n{stream_id}")


@dataclass(frozen=True)
class Receipt:
    """What became of a delivery: recorded, duplicate (a redelivery), unchanged or ignored."""

    status: Outcome
    reason: str | None = None
    model_version_id: uuid.UUID | None = None
    position: int | None = None


async def receive_delivery(cmd: MlflowCommand, ctx: RequestContext, repo: Repository) -> Receipt:
    """Apply one MLflow delivery to the system claiming its model; redeliveries are no-ops."""
    system = await repo.load(AISystem, cmd.system_id)
    mv_id = None
    try:
        match cmd:
            case AttachModelVersion():
                mv, _ = system.add_model_version(
                    ctx.new_id("model-version"), name=cmd.name, version=cmd.version,
                    digest=cmd.digest, source_uri=cmd.source_uri, source="mlflow",
                    run_id=cmd.run_id, tags=dict(cmd.tags),
                )  # fmt: skip
                mv_id = mv.id
            case TagModelVersion():
                system.tag_model_version(cmd.name, cmd.version, cmd.key, cmd.value)
            case AliasModelVersion():
                system.alias_model_version(cmd.name, cmd.version, cmd.alias)
    except (NotFound, Conflict) as exc:
        return Receipt("ignored", reason=exc.detail)
    if not system.pending:
        return Receipt("unchanged", model_version_id=mv_id)
    result = await repo.save(system, ctx)
    status: Outcome = "duplicate" if result.duplicate else "recorded"
    return Receipt(status, model_version_id=mv_id, position=result.position)
