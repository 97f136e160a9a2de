"""Proposing a gate policy, carrying out its approval, and every process following it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast
from uuid import UUID

from starlette.applications import Starlette

from services.registry.gate.domain import GateConfig, GatePolicy
from services.registry.policy.domain import POLICY_ID, GatePolicyRecord, parsed
from shared.contract.events.approvals import ApprovalRef
from shared.domain import approvals
from shared.domain.aggregate import stream_id
from shared.domain.approvals import ApprovalKind, ChangeControlled, ChangeRequest, Requested
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext

STREAM = stream_id(GatePolicyRecord.category, POLICY_ID)


async def record(repo: Repository) -> GatePolicyRecord:
    """The adopted policies and the requests (empty before the first proposal)."""
    try:
        return await repo.load(GatePolicyRecord, POLICY_ID)
    except StreamNotFound:
        return GatePolicyRecord(POLICY_ID)


async def propose(
    document: str, repo: Repository, ctx: RequestContext, sod: SodPolicy, from_file: GatePolicy,
    expected_version: int | None = None,
) -> tuple[GatePolicyRecord, Requested | None]:  # fmt: skip
    """Ask for another gate policy (it waits for an approver); None when it is in force."""
    proposed, current = parsed(document), await record(repo)
    decision = current.decision(proposed, from_file)
    if decision is None:
        return current, None
    change = {"document": document, "version": proposed.version, "sha256": proposed.sha256}
    return current, await approvals.request(
        repo, ctx, sod, GATE_POLICY, current, decision, change,
        basis=current.basis(), reason=f"gate policy {proposed.version}",
        expected_version=expected_version,
    )  # fmt: skip


async def follow(app: Starlette, repo: Repository, gate: GateConfig) -> GateConfig:
    """The gate with the policy in force now (one indexed read; reparsed only on change).

    Each registry process asks before it uses the gate, so an approval carried out by one
    process is in force in all of them from their next request.
    """
    version = await repo.store.pool.fetchval(
        "SELECT max(version) FROM events WHERE stream_id = $1", STREAM
    )
    return await follow_version(app, repo, gate, version)


async def follow_version(
    app: Starlette, repo: Repository, gate: GateConfig, version: int | None
) -> GateConfig:
    """The gate with the policy in force at `version` of its stream, which the caller read
    (the deployment gate reads it in the same statement as its facts)."""
    seen: tuple[int | None, GateConfig] | None = getattr(app.state, "gate_policy_seen", None)
    if seen is not None and seen[0] == version:
        return seen[1]
    from_file: GatePolicy = app.state.gate_policy_file
    policy = from_file if version is None else (await record(repo)).in_force(from_file)
    followed = replace(gate, policy=policy)
    app.state.gate_policy_seen = (version, followed)
    return followed


def last_followed(app: Starlette, gate: GateConfig) -> GateConfig:
    """The gate as this process followed it last (`gate`, from the file, before that)."""
    seen: tuple[int | None, GateConfig] | None = getattr(app.state, "gate_policy_seen", None)
    return gate if seen is None else seen[1]


class GatePolicyChanges(ApprovalKind):
    """The gate policy in four-eyes approvals: every policy put in force."""

    aggregate = GatePolicyRecord
    subject_type = "gate_policy"

    def href(self, subject_id: UUID, change: Mapping[str, Any]) -> str:
        return "/v1/gate-policy"

    async def relations(
        self, repo: Repository, agg: ChangeControlled, req: ChangeRequest
    ) -> dict[str, set[str]]:
        return {"author": {agg.author} if agg.author else set(), "revisers": set(agg.writers)}

    async def carry_out(
        self, repo: Repository, ctx: RequestContext, agg: ChangeControlled, req: ChangeRequest,
        ref: ApprovalRef,
    ) -> AppendResult:  # fmt: skip
        cast(GatePolicyRecord, agg).carry_out(req, ref)
        return await repo.save(agg, ctx)


GATE_POLICY = GatePolicyChanges()
