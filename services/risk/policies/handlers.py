"""AI policy command handlers (one commit point each)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.risk.policies.commands import (
    AcknowledgePolicy,
    ApprovePolicy,
    DraftPolicy,
    PolicyText,
    RevisePolicy,
)
from services.risk.policies.domain import Policy
from services.risk.records.queries import check_evidence
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult
from shared.kernel.requestctx import RequestContext

Saved = tuple[Policy, AppendResult]
Maybe = tuple[Policy, AppendResult | None]


async def _content(repo: Repository, text: PolicyText, owner: str) -> dict[str, Any]:
    """A version's content as its event records it (`owner` when it names none); the
    evidence must exist."""
    await check_evidence(repo, text.evidence_id)
    return {
        "title": text.title, "body": text.body, "evidence_id": text.evidence_id,
        "scope": text.scope, "control_ids": list(text.control_ids),
        "review_every_days": text.review_every_days, "owner": text.owner or owner,
    }  # fmt: skip


async def draft_policy(cmd: DraftPolicy, repo: Repository, ctx: RequestContext) -> Saved:
    """Write the first version of an AI policy; it waits for approval."""
    content = await _content(repo, cmd.text, ctx.actor.sub)
    policy = Policy.draft(ctx.new_id("policy"), content, ctx.actor.sub)
    return policy, await repo.save(policy, ctx, expected_version=0)


async def revise_policy(cmd: RevisePolicy, repo: Repository, ctx: RequestContext) -> Maybe:
    """Write a new version of a policy; None when it says what the latest one says."""
    policy = await repo.load(Policy, cmd.policy_id)
    content = await _content(repo, cmd.text, policy.latest.content["owner"])
    policy.revise(content, ctx.actor.sub, cmd.change_note)
    if not policy.pending:
        return policy, None
    return policy, await repo.save(policy, ctx, expected_version=cmd.expected_version)


async def approve_policy(
    cmd: ApprovePolicy, repo: Repository, ctx: RequestContext, sod: SodPolicy
) -> Saved:
    """Approve the latest version (or confirm it at review): not by its author or revisers."""
    policy = await repo.load(Policy, cmd.policy_id)
    policy.approve(ctx.actor, datetime.now(UTC), cmd.comment, sod)
    return policy, await repo.save(policy, ctx, expected_version=cmd.expected_version)


async def acknowledge_policy(
    cmd: AcknowledgePolicy, repo: Repository, ctx: RequestContext
) -> Maybe:
    """The caller acknowledges the version in force; None when they already had."""
    policy = await repo.load(Policy, cmd.policy_id)
    policy.acknowledge(ctx.actor.sub, cmd.policy_version)
    if not policy.pending:
        return policy, None
    return policy, await repo.save(policy, ctx)
