"""Interested-party and scope command handlers (one commit point each)."""

from __future__ import annotations

from services.risk.scope.commands import (
    ApproveScope,
    RecordParty,
    RetireParty,
    ReviseParty,
    SetScope,
)
from services.risk.scope.domain import SCOPE_ID, AIMSScope, InterestedParty
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext


async def record_party(
    cmd: RecordParty, repo: Repository, ctx: RequestContext
) -> tuple[InterestedParty, AppendResult]:
    """Record an interested party and its requirements."""
    content = cmd.content.document(ctx.actor.sub)
    party = InterestedParty.record(ctx.new_id("party"), content, ctx.actor.sub)
    return party, await repo.save(party, ctx, expected_version=0)


async def revise_party(
    cmd: ReviseParty, repo: Repository, ctx: RequestContext
) -> tuple[InterestedParty, AppendResult | None]:
    """Change an interested party; None when nothing changed."""
    party = await repo.load(InterestedParty, cmd.party_id)
    party.revise(cmd.content.document(party.content["owner"]), ctx.actor.sub)
    if not party.pending:
        return party, None
    return party, await repo.save(party, ctx, expected_version=cmd.expected_version)


async def retire_party(
    cmd: RetireParty, repo: Repository, ctx: RequestContext
) -> tuple[InterestedParty, AppendResult]:
    """Mark an interested party no longer relevant."""
    party = await repo.load(InterestedParty, cmd.party_id)
    party.retire(cmd.reason, ctx.actor.sub)
    return party, await repo.save(party, ctx, expected_version=cmd.expected_version)


async def current_scope(repo: Repository) -> AIMSScope:
    """The scope as it stands (no versions before the first is written)."""
    try:
        return await repo.load(AIMSScope, SCOPE_ID)
    except StreamNotFound:
        return AIMSScope(SCOPE_ID)


async def set_scope(
    cmd: SetScope, repo: Repository, ctx: RequestContext
) -> tuple[AIMSScope, AppendResult | None]:
    """Write a new version of the scope; None when it says what the latest one says."""
    scope = await current_scope(repo)
    owner = scope.versions[-1].content["owner"] if scope.versions else ctx.actor.sub
    scope.set(cmd.content.document(owner), ctx.actor.sub)
    if not scope.pending:
        return scope, None
    return scope, await repo.save(scope, ctx, expected_version=cmd.expected_version)


async def approve_scope(
    cmd: ApproveScope, repo: Repository, ctx: RequestContext, sod: SodPolicy
) -> tuple[AIMSScope, AppendResult]:
    """Approve the latest version of the scope (not by anyone who wrote a version)."""
    scope = await repo.load(AIMSScope, SCOPE_ID)
    scope.approve(ctx.actor, cmd.comment, sod)
    return scope, await repo.save(scope, ctx, expected_version=cmd.expected_version)
