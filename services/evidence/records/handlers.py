"""Evidence record handlers: load, decide, save (one commit point each)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.evidence.records.commands import RecordEvidence
from services.evidence.records.domain import Evidence
from shared.domain.errors import NotFound
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext


async def record_evidence(
    cmd: RecordEvidence, repo: Repository, ctx: RequestContext
) -> tuple[Evidence, AppendResult]:
    """Record evidence; with `supersedes`, the older record is marked superseded first."""
    evidence = Evidence.record(
        ctx.new_id("evidence"), kind=cmd.kind, title=cmd.title, sha256=cmd.sha256, uri=cmd.uri,
        system_ids=cmd.system_ids, control_ids=cmd.control_ids, risk_ids=cmd.risk_ids,
        collected_at=cmd.collected_at or datetime.now(UTC), valid_until=cmd.valid_until,
        source=cmd.source, supersedes=cmd.supersedes, stored=cmd.stored, size=cmd.size,
        media_type=cmd.media_type, filename=cmd.filename,
    )  # fmt: skip
    if cmd.supersedes is not None:
        # Two streams, two appends: the old record first (its version guards against two
        # replacements racing); a retry with the same Idempotency-Key repeats both safely.
        try:
            old = await repo.load(Evidence, cmd.supersedes)
        except StreamNotFound as exc:
            raise NotFound(f"no evidence {cmd.supersedes}", code="evidence_not_found") from exc
        old.supersede(evidence.id)
        await repo.save(old, ctx)
    return evidence, await repo.save(evidence, ctx, expected_version=0)
