"""Incident handlers: load, decide, save (one commit point each)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from services.evidence.audits.domain.nonconformity import Nonconformity
from services.evidence.audits.handlers import load
from services.evidence.audits.queries import owners_of
from services.evidence.concerns.domain import Concern
from services.evidence.concerns.sealing import Sealer
from services.evidence.incidents import deadlines, queries
from services.evidence.incidents.commands import (
    ChangeIncidentStatus,
    CloseIncident,
    RaiseIncidentNonconformity,
    ReclassifyIncident,
    RecordNotification,
    ReportIncident,
)
from services.evidence.incidents.domain import Incident, Notification
from shared.domain.errors import Invalid
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult
from shared.kernel.requestctx import RequestContext


async def known_systems(pool: asyncpg.Pool, system_ids: list[UUID]) -> None:
    """Refuse (422 `unknown_system`) ids the inventory does not hold."""
    unknown = await queries.unknown_systems(pool, system_ids)
    if unknown:
        raise Invalid(
            "no AI system with these ids is registered", code="unknown_system",
            system_ids=[str(s) for s in unknown],
        )  # fmt: skip


async def report_incident(
    cmd: ReportIncident, repo: Repository, pool: asyncpg.Pool, ctx: RequestContext
) -> tuple[Incident, AppendResult]:
    """Report an AI incident; a serious one gets its Art. 73 notification deadline."""
    await known_systems(pool, cmd.system_ids)
    incident = Incident.report(
        ctx.new_id("incident"), system_ids=cmd.system_ids, title=cmd.title,
        description=cmd.description, occurred_at=cmd.occurred_at, aware_at=cmd.aware_at,
        classification=cmd.classification, reported_by=ctx.actor.sub, rules=deadlines.load(),
        now=datetime.now(UTC),
    )  # fmt: skip
    return incident, await repo.save(incident, ctx, expected_version=0)


async def reclassify_incident(
    cmd: ReclassifyIncident, repo: Repository, ctx: RequestContext
) -> tuple[Incident, AppendResult]:
    """Change how serious an incident is (triage); the deadline is recomputed."""
    incident = await load(repo, Incident, cmd.incident_id, "incident")
    incident.reclassify(cmd.classification, cmd.reason, ctx.actor.sub, deadlines.load())
    return incident, await repo.save(incident, ctx, expected_version=cmd.expected_version)


async def change_status(
    cmd: ChangeIncidentStatus, repo: Repository, ctx: RequestContext
) -> tuple[Incident, AppendResult]:
    """Move an incident along its statuses (not to closed: see close_incident)."""
    incident = await load(repo, Incident, cmd.incident_id, "incident")
    incident.change_status(cmd.to, cmd.comment, ctx.actor.sub)
    return incident, await repo.save(incident, ctx, expected_version=cmd.expected_version)


async def record_notification(
    cmd: RecordNotification, repo: Repository, ctx: RequestContext
) -> tuple[Incident, Notification, AppendResult]:
    """Record a notification sent to an authority (initial, follow-up or final)."""
    incident = await load(repo, Incident, cmd.incident_id, "incident")
    sent = incident.notify(
        ctx.new_id("notification"), cmd.kind, cmd.authority, cmd.sent_at, cmd.reference,
        ctx.actor.sub, datetime.now(UTC),
    )  # fmt: skip
    return incident, sent, await repo.save(incident, ctx, expected_version=cmd.expected_version)


async def raise_nonconformity(
    cmd: RaiseIncidentNonconformity, repo: Repository, pool: asyncpg.Pool, ctx: RequestContext
) -> tuple[Incident, Nonconformity, AppendResult]:
    """Raise a nonconformity from an incident (10.2) and link it; corrective action follows
    on the nonconformity. The nonconformity is written first: should linking fail, it still
    names the incident in its description. The answer carries the nonconformity's ETag and
    the position of the link."""
    incident = await load(repo, Incident, cmd.incident_id, "incident")
    system_id = cmd.system_id or (incident.system_ids[0] if incident.system_ids else None)
    if system_id not in incident.system_ids:
        raise Invalid("system_id is not one of the incident's systems", code="system_mismatch")
    owner = cmd.owner or (await owners_of(pool, [system_id])).get(system_id)
    if not owner:
        raise Invalid("owner is required when the system's owner is unknown",
                      code="nc_owner_required")  # fmt: skip
    nc = Nonconformity.raise_(
        ctx.new_id("incident-nc"), title=cmd.title or f"AI incident: {incident.title}"[:200],
        description=cmd.description or f"{incident.description}\n\n(AI incident {incident.id})",
        owner=owner, system_id=system_id, reference=cmd.reference, raised_by=ctx.actor.sub,
    )  # fmt: skip
    incident.link_nonconformity(nc.id, ctx.actor.sub)
    raised = await repo.save(nc, ctx, expected_version=0)
    linked = await repo.save(incident, ctx)
    return incident, nc, replace(raised, position=linked.position)  # the NC's ETag, both written


async def close_incident(
    cmd: CloseIncident, repo: Repository, sealer: Sealer, ctx: RequestContext, sod: SodPolicy
) -> tuple[Incident, AppendResult]:
    """Close with a resolution; not by its reporter, nor by whoever raised its concern."""
    incident = await load(repo, Incident, cmd.incident_id, "incident")
    relations = incident.relations()
    if incident.concern_id is not None:
        concern = await load(repo, Concern, incident.concern_id, "concern")
        relations["concern_reporter"] = {concern.reporter_for_duties(sealer)}
    incident.close(cmd.resolution, ctx.actor.sub, relations, sod)
    return incident, await repo.save(incident, ctx, expected_version=cmd.expected_version)
