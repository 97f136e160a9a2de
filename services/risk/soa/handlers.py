"""Statement of Applicability command handlers (one commit point each)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast
from uuid import UUID

from services.risk.soa.commands import SetSoAEntry
from services.risk.soa.domain import SoAEntry
from shared.contract.events.approvals import ApprovalRef
from shared.domain import approvals
from shared.domain.approvals import ApprovalKind, ChangeControlled, ChangeRequest, Requested
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext


async def set_soa_entry(
    cmd: SetSoAEntry, repo: Repository, ctx: RequestContext, sod: SodPolicy
) -> tuple[SoAEntry, AppendResult | None] | Requested:
    """Record whether an Annex A control applies, and why; None when nothing changed.

    Excluding a control (or taking it out of the deployment gate) waits for an approver.
    """
    entry = await _entry(repo, cmd.control_id)  # NotFound for anything but a control
    decision = entry.decision(applicable=cmd.applicable, deployment_gate=cmd.deployment_gate)
    if decision is not None:
        justification, status = entry.checked(cmd.applicable, cmd.justification, cmd.status)
        change = {
            "control_id": cmd.control_id, "applicable": cmd.applicable,
            "justification": justification, "status": status, "owner": cmd.owner,
            "deployment_gate": cmd.deployment_gate,
        }  # fmt: skip
        return await approvals.request(
            repo, ctx, sod, SOA, entry, decision, change, basis=entry.basis(),
            reason=justification, expected_version=cmd.expected_version,
        )  # fmt: skip
    entry.set(
        applicable=cmd.applicable, justification=cmd.justification, status=cmd.status,
        owner=cmd.owner, deployment_gate=cmd.deployment_gate,
    )  # fmt: skip
    if not entry.pending:
        return entry, None
    return entry, await repo.save(entry, ctx, expected_version=cmd.expected_version)


async def _entry(repo: Repository, control_id: str) -> SoAEntry:
    """The control's entry, empty before its first decision."""
    entry = SoAEntry.for_control(control_id)
    try:
        entry = await repo.load(SoAEntry, entry.id)
    except StreamNotFound:
        pass  # the first decision about this control
    entry.control_id = control_id
    return entry


class SoAChanges(ApprovalKind):
    """SoA entries in four-eyes approvals: excluding a control, ungating it."""

    aggregate = SoAEntry
    subject_type = "soa_control"

    def href(self, subject_id: UUID, change: Mapping[str, Any]) -> str:
        return f"/v1/soa?control_id={change.get('control_id', '')}"

    async def relations(
        self, repo: Repository, agg: ChangeControlled, req: ChangeRequest
    ) -> dict[str, set[str]]:
        return {"author": {agg.author} if agg.author else set(), "revisers": set(agg.writers)}

    async def carry_out(
        self, repo: Repository, ctx: RequestContext, agg: ChangeControlled, req: ChangeRequest,
        ref: ApprovalRef,
    ) -> AppendResult:  # fmt: skip
        entry = cast(SoAEntry, agg)
        entry.control_id = entry.control_id or str(req.change["control_id"])
        entry.carry_out(req, ref)
        return await repo.save(entry, ctx)


SOA = SoAChanges()
