"""Read models of AI policies: one row per policy, one per acknowledgement."""

from __future__ import annotations

from typing import Any

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid

_COLUMNS = "title, owner, scope, control_ids, evidence_id, review_every_days, policy_version"
_SET = ", ".join(f"{c} = ${i}" for i, c in enumerate(_COLUMNS.split(", "), start=2))


class PolicyList(WritesProjection):
    """One row per AI policy (its latest version, the one in force, the review clock)."""

    name = "risk.policies"
    tables = ("risk_policy", "risk_policy_acknowledgement")
    types = frozenset({
        "PolicyDrafted", "PolicyRevised", "PolicyApproved", "PolicyReviewed",
        "PolicyAcknowledged",
    })  # fmt: skip

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d = e.data
        key, pid = [("policy", d["policy_id"])], uid(d["policy_id"])
        if e.type == "PolicyDrafted":
            w.add(key,
                  f"INSERT INTO risk_policy (id, {_COLUMNS}, author, approval_status, version,"
                  " created_position, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6,"
                  " $7, $8, $9, 'pending', $10, $11, $12, $12) ON CONFLICT DO NOTHING",
                  pid, *_content(d), d["author"], e.version, e.position, e.recorded_at)  # fmt: skip
        elif e.type == "PolicyRevised":
            w.add(key,
                  f"UPDATE risk_policy SET {_SET}, approval_status = 'pending', version = $9,"
                  " updated_at = $10 WHERE id = $1",
                  pid, *_content(d), e.version, e.recorded_at)  # fmt: skip
        elif e.type == "PolicyApproved":
            w.add(key,
                  "UPDATE risk_policy SET approval_status = 'approved', in_force_version = $2,"
                  " approved_by = $3, approved_at = $4, reviewed_at = NULL,"
                  " next_review_at = $5::text::timestamptz, version = $6, updated_at = $4"
                  " WHERE id = $1",
                  pid, d["policy_version"], d["approved_by"], e.recorded_at,
                  d["next_review_at"], e.version)  # fmt: skip
        elif e.type == "PolicyReviewed":
            w.add(key,
                  "UPDATE risk_policy SET reviewed_at = $2,"
                  " next_review_at = $3::text::timestamptz, version = $4, updated_at = $2"
                  " WHERE id = $1",
                  pid, e.recorded_at, d["next_review_at"], e.version)  # fmt: skip
        else:
            w.add(key,
                  "INSERT INTO risk_policy_acknowledgement (policy_id, policy_version, person,"
                  " acknowledged_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                  pid, d["policy_version"], d["person"], e.recorded_at)  # fmt: skip
            w.add(key, "UPDATE risk_policy SET version = $2, updated_at = $3 WHERE id = $1",
                  pid, e.version, e.recorded_at)  # fmt: skip


def _content(d: dict[str, Any]) -> tuple[Any, ...]:
    evidence = d.get("evidence_id")
    return (
        d["title"], d["owner"], d.get("scope", ""), list(d.get("control_ids") or []),
        uid(evidence) if evidence else None, d["review_every_days"], d["policy_version"],
    )  # fmt: skip
