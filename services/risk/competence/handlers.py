"""Training-record command handlers (one commit point each)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.risk.competence.commands import RecordTraining, WithdrawTraining
from services.risk.competence.domain import TrainingRecord
from services.risk.records.queries import check_evidence
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult
from shared.kernel.requestctx import RequestContext

Saved = tuple[TrainingRecord, AppendResult]


async def record_training(cmd: RecordTraining, repo: Repository, ctx: RequestContext) -> Saved:
    """Record completed training; its evidence, when named, must be recorded evidence."""
    now = datetime.now(UTC)
    record = TrainingRecord.record(ctx.new_id("training"), cmd, ctx.actor.sub, now)
    await check_evidence(repo, cmd.evidence_id)
    return record, await repo.save(record, ctx, expected_version=0)


async def withdraw_training(cmd: WithdrawTraining, repo: Repository, ctx: RequestContext) -> Saved:
    """Withdraw a record made in error."""
    record = await repo.load(TrainingRecord, cmd.record_id)
    record.withdraw(cmd.reason, ctx.actor.sub)
    return record, await repo.save(record, ctx, expected_version=cmd.expected_version)
