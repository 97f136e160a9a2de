"""Read models of audits, nonconformities, reviews, and the systems' owners they check."""

from __future__ import annotations

from uuid import UUID

from services.evidence.trail.domain import actor
from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid


def _uuids(values: list[str] | None) -> list[UUID]:
    return [uid(v) for v in values or []]


class SystemOwners(WritesProjection):
    """AI systems and their owners, from the registry's events (for impartiality checks)."""

    name = "evidence.systems"
    tables = ("evidence_system",)
    types = frozenset({"SystemRegistered", "SystemOwnerAssigned", "SystemUpdated",
                       "SystemStageChanged", "SystemRetired"})  # fmt: skip

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d, sid = e.data, uid(e.data["system_id"])
        match e.type:
            case "SystemRegistered":
                w.add(
                    [("system", sid)],
                    "INSERT INTO evidence_system (system_id, name, owner, eu_ai_act_tier,"
                    " updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (system_id) DO NOTHING",
                    sid, d["name"], d["owner"], d["eu_ai_act_tier"], e.recorded_at,
                )  # fmt: skip
            case "SystemOwnerAssigned":
                self._set(w, sid, e, owner=d["owner"])
            case "SystemStageChanged":
                self._set(w, sid, e, stage=d["to"])
            case "SystemRetired":
                self._set(w, sid, e, stage="retired")
            case "SystemUpdated":
                changes = d.get("changes") or {}
                kept = {k: changes[k] for k in ("name", "eu_ai_act_tier", "owner") if k in changes}
                self._set(w, sid, e, **kept)

    @staticmethod
    def _set(w: Writes, sid: UUID, e: StoredEvent, **values: str) -> None:
        sets = "".join(f", {k} = ${i}" for i, k in enumerate(values, start=3))
        w.add(
            [("system", sid)],
            f"UPDATE evidence_system SET updated_at = $2{sets} WHERE system_id = $1",
            sid, e.recorded_at, *values.values(),
        )  # fmt: skip


class Audits(WritesProjection):
    """Audit programme and findings."""

    name = "evidence.audits"
    tables = ("evidence_audit", "evidence_finding")
    types = frozenset({"AuditPlanned", "FindingRaised", "AuditCompleted"})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d = e.data
        match e.type:
            case "AuditPlanned":
                w.add(
                    [("audit", uid(d["audit_id"]))],
                    "INSERT INTO evidence_audit (id, title, scope, status, auditors, system_ids,"
                    " starts_on, ends_on, created_position, created_at) VALUES ($1, $2, $3,"
                    " 'planned', $4, $5, $6::text::date, $7::text::date, $8, $9)"
                    " ON CONFLICT (id) DO NOTHING",
                    uid(d["audit_id"]), d["title"], d["scope"], d["auditors"],
                    _uuids(d.get("system_ids")), d["starts_on"], d["ends_on"], e.position,
                    e.recorded_at,
                )  # fmt: skip
            case "FindingRaised":
                w.add(
                    [("finding", uid(d["finding_id"]))],
                    "INSERT INTO evidence_finding (id, audit_id, kind, reference, description,"
                    " system_id, raised_by, created_position, created_at) VALUES ($1, $2, $3,"
                    " $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
                    uid(d["finding_id"]), uid(d["audit_id"]), d["kind"], d["reference"],
                    d["description"], uid(d["system_id"]) if d.get("system_id") else None,
                    d["raised_by"], e.position, e.recorded_at,
                )  # fmt: skip
                w.add(
                    [("audit", uid(d["audit_id"]))],
                    "UPDATE evidence_audit SET findings = findings + 1 WHERE id = $1",
                    uid(d["audit_id"]),
                )
            case "AuditCompleted":
                w.add(
                    [("audit", uid(d["audit_id"]))],
                    "UPDATE evidence_audit SET status = 'completed' WHERE id = $1",
                    uid(d["audit_id"]),
                )


class Nonconformities(WritesProjection):
    """Nonconformities with their open corrective actions."""

    name = "evidence.nonconformities"
    tables = ("evidence_nc",)
    types = frozenset({"NonconformityRaised", "CorrectiveActionAdded",
                       "CorrectiveActionCompleted", "NonconformityClosed"})  # fmt: skip

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d, nc_id = e.data, uid(e.data["nc_id"])
        match e.type:
            case "NonconformityRaised":
                opt = {
                    k: uid(d[k]) if d.get(k) else None
                    for k in ("system_id", "finding_id", "audit_id")
                }
                w.add(
                    [("nc", nc_id)],
                    "INSERT INTO evidence_nc (id, title, owner, status, system_id, finding_id,"
                    " audit_id, reference, created_position, created_at) VALUES ($1, $2, $3,"
                    " 'open', $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
                    nc_id, d["title"], d["owner"], *opt.values(), d.get("reference", ""),
                    e.position, e.recorded_at,
                )  # fmt: skip
            case "CorrectiveActionAdded" | "CorrectiveActionCompleted":
                step = 1 if e.type == "CorrectiveActionAdded" else -1
                w.add(
                    [("nc", nc_id)],
                    "UPDATE evidence_nc SET actions_open = actions_open + $2 WHERE id = $1",
                    nc_id,
                    step,
                )
            case "NonconformityClosed":
                w.add(
                    [("nc", nc_id)],
                    "UPDATE evidence_nc SET status = 'closed', closed_by = $2, closed_at = $3"
                    " WHERE id = $1",
                    nc_id, d["closed_by"], e.recorded_at,
                )  # fmt: skip


class Reviews(WritesProjection):
    """Management reviews."""

    name = "evidence.reviews"
    tables = ("evidence_review",)
    types = frozenset({"ManagementReviewRecorded"})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d = e.data
        w.add(
            [("review", uid(d["review_id"]))],
            "INSERT INTO evidence_review (id, title, held_on, attendees, decisions, actions,"
            " recorded_by, created_position, created_at) VALUES ($1, $2, $3::text::date, $4,"
            " $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
            uid(d["review_id"]), d.get("title", ""), d["held_on"], d["attendees"],
            len(d["decisions"]), len(d["actions"]), actor(e), e.position, e.recorded_at,
        )  # fmt: skip
