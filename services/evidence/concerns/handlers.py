"""Concern handlers: raise (perhaps anonymously) and triage into an incident or dismissal."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import asyncpg

from services.evidence.audits.handlers import load
from services.evidence.concerns.commands import RaiseConcern, TriageConcern
from services.evidence.concerns.domain import ANONYMOUS, Concern
from services.evidence.concerns.sealing import Sealer
from services.evidence.incidents import deadlines
from services.evidence.incidents.domain import Incident
from services.evidence.incidents.handlers import known_systems
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult
from shared.kernel.requestctx import RequestContext

TITLE_FROM_DESCRIPTION = 120


@dataclass(frozen=True)
class AnonymousContext(RequestContext):
    """A request whose events name no actor: an anonymous concern's.

    Event ids and new ids still derive from the real caller (with an Idempotency-Key), so
    two people's retries never collide; those derivations are one-way.
    """

    def metadata(self) -> dict[str, Any]:
        return {**super().metadata(), "actor": {"sub": ANONYMOUS, "roles": []}}

    @classmethod
    def of(cls, ctx: RequestContext) -> AnonymousContext:
        return cls(**{f.name: getattr(ctx, f.name) for f in fields(ctx)})


async def raise_concern(
    cmd: RaiseConcern, repo: Repository, pool: asyncpg.Pool, sealer: Sealer, ctx: RequestContext
) -> tuple[Concern, AppendResult]:
    """Raise a concern; an anonymous one's events name no actor and keep the reporter sealed."""
    await known_systems(pool, cmd.system_ids)
    concern = Concern.raise_(
        ctx.new_id("concern"), description=cmd.description, system_ids=cmd.system_ids,
        reporter=ctx.actor.sub, anonymous=cmd.anonymous, sealer=sealer,
    )  # fmt: skip
    writer = AnonymousContext.of(ctx) if cmd.anonymous else ctx
    return concern, await repo.save(concern, writer, expected_version=0)


def incident_of(concern_id: UUID) -> UUID:
    """The one incident a concern can become (a second triage conflicts on its stream)."""
    return uuid5(NAMESPACE_URL, f"aims:concern-incident:{concern_id}")


async def triage_concern(
    cmd: TriageConcern, repo: Repository, pool: asyncpg.Pool, sealer: Sealer,
    ctx: RequestContext, sod: SodPolicy,
) -> tuple[Concern, Incident | None, AppendResult]:  # fmt: skip
    """Dismiss a concern, or make it an incident reported by the triager (not the reporter).

    The incident is written first, under an id derived from the concern, so two triages
    racing each other cannot both create one; then the concern records its outcome.
    """
    concern = await load(repo, Concern, cmd.concern_id, "concern")
    if cmd.incident.system_ids is not None:
        await known_systems(pool, cmd.incident.system_ids)
    incident = _incident(concern, cmd, ctx) if cmd.outcome == "incident" else None
    concern.triage(cmd.outcome, cmd.reason, ctx.actor.sub, sealer,
                   incident.id if incident else None, sod)  # fmt: skip
    if incident is not None:
        await repo.save(incident, ctx, expected_version=0)
    return concern, incident, await repo.save(concern, ctx, expected_version=cmd.expected_version)


def _incident(concern: Concern, cmd: TriageConcern, ctx: RequestContext) -> Incident:
    """The incident a concern becomes: aware since the concern was raised, unless told."""
    raised = concern.created_at or datetime.now(UTC)
    spec = cmd.incident
    aware_at = spec.aware_at or raised
    text = " ".join(concern.description.split())
    title = spec.title or "Concern: " + (
        text if len(text) <= TITLE_FROM_DESCRIPTION else text[: TITLE_FROM_DESCRIPTION - 1] + "…"
    )
    return Incident.report(
        incident_of(concern.id), system_ids=spec.system_ids or concern.system_ids, title=title,
        description=concern.description, occurred_at=spec.occurred_at or aware_at,
        aware_at=aware_at, classification=spec.classification, reported_by=ctx.actor.sub,
        rules=deadlines.load(), now=datetime.now(UTC), concern_id=concern.id,
    )  # fmt: skip
