"""What the records check in the log before they link to it: evidence and risks that exist."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from shared.domain.aggregate import stream_id
from shared.domain.errors import Invalid
from shared.domain.repository import Repository

# First events of streams, by the unique (stream_id, version) index: current, no projection lag.
_FIRST = "SELECT stream_id FROM events WHERE stream_id = ANY($1) AND version = 1 AND type = $2"


async def _existing(repo: Repository, category: str, ids: Sequence[UUID], type_: str) -> set[str]:
    streams = [stream_id(category, i) for i in ids]
    rows = await repo.store.pool.fetch(_FIRST, streams, type_)
    return {r["stream_id"] for r in rows}


async def check_evidence(repo: Repository, evidence_id: UUID | None, *loc: str) -> None:
    """Refuse (422 unknown_evidence) an evidence id the evidence service has not recorded."""
    if evidence_id is None:
        return
    if not await _existing(repo, "evidence", [evidence_id], "EvidenceRecorded"):
        raise Invalid(
            f"{evidence_id} is not recorded evidence", code="unknown_evidence",
            errors=[{"loc": ["body", *(loc or ("evidence_id",))], "type": "unknown_evidence",
                     "msg": f"no evidence {evidence_id} in the log"}],
        )  # fmt: skip


async def check_risks(repo: Repository, risk_ids: Sequence[UUID]) -> None:
    """Refuse (422 unknown_risk) risk ids that are not in the register."""
    found = await _existing(repo, "risk", risk_ids, "RiskIdentified")
    errors = [
        {"loc": ["body", "risk_ids", i], "type": "unknown_risk", "msg": f"no risk {r} in the log"}
        for i, r in enumerate(risk_ids)
        if stream_id("risk", r) not in found
    ]
    if errors:
        raise Invalid("risk_ids names risks the register does not hold", code="unknown_risk",
                      errors=errors)  # fmt: skip
