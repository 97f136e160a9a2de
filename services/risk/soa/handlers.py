"""Statement of Applicability command handlers (one commit point each)."""

from __future__ import annotations

from services.risk.soa.commands import SetSoAEntry
from services.risk.soa.domain import SoAEntry
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext


async def set_soa_entry(
    cmd: SetSoAEntry, repo: Repository, ctx: RequestContext
) -> tuple[SoAEntry, AppendResult | None]:
    """Record whether an Annex A control applies, and why; None when nothing changed."""
    entry = SoAEntry.for_control(cmd.control_id)  # NotFound for anything but a control
    try:
        entry = await repo.load(SoAEntry, entry.id)
    except StreamNotFound:
        pass  # the first decision about this control
    entry.control_id = cmd.control_id
    entry.set(
        applicable=cmd.applicable, justification=cmd.justification, status=cmd.status,
        owner=cmd.owner, deployment_gate=cmd.deployment_gate,
    )  # fmt: skip
    if not entry.pending:
        return entry, None
    return entry, await repo.save(entry, ctx, expected_version=cmd.expected_version)
