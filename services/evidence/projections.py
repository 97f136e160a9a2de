"""Evidence read models, folded from the global log (this service's and the others' events)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.evidence import trail
from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Projection, Rows, Writes, WritesProjection, instant, uid


def _uuids(values: list[str] | None) -> list[UUID]:
    return [uid(v) for v in values or []]


class EvidenceList(Projection):
    """One row per piece of evidence, with its links and whether it was superseded."""

    name = "evidence.evidence_list"
    tables = ("evidence_evidence",)
    types = frozenset({"EvidenceRecorded", "EvidenceSuperseded"})

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        await self.handle_batch([e], conn)

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        rows = Rows("evidence_evidence", EVIDENCE_COLUMNS)
        await rows.load(conn, (uid(e.data["evidence_id"]) for e in events))
        for e in events:
            d = e.data
            if e.type == "EvidenceRecorded":
                rows.add({
                    "id": uid(d["evidence_id"]), "kind": d["kind"], "title": d["title"],
                    "sha256": d["sha256"], "uri": d["uri"],
                    "system_ids": _uuids(d.get("system_ids")),
                    "control_ids": d.get("control_ids") or [],
                    "risk_ids": _uuids(d.get("risk_ids")), "stored": d.get("stored", False),
                    "size": d.get("size"), "media_type": d.get("media_type"),
                    "source": d.get("source", ""), "collected_at": instant(d["collected_at"]),
                    "valid_until": instant(d.get("valid_until")),
                    "supersedes": uid(d["supersedes"]) if d.get("supersedes") else None,
                    "recorded_by": trail.actor(e), "version": e.version,
                    "created_position": e.position, "created_at": e.recorded_at,
                    "updated_at": e.recorded_at,
                })  # fmt: skip
            else:
                rows.change(
                    uid(d["evidence_id"]), superseded_by=uid(d["superseded_by"]),
                    version=e.version, updated_at=e.recorded_at,
                )  # fmt: skip
        await rows.flush(conn)


EVIDENCE_COLUMNS = (
    "id", "kind", "title", "sha256", "uri", "system_ids", "control_ids", "risk_ids", "stored",
    "size", "media_type", "source", "collected_at", "valid_until", "supersedes",
    "superseded_by", "recorded_by", "version", "created_position", "created_at", "updated_at",
)  # fmt: skip


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


class StatementOfApplicability(WritesProjection):
    """The current SoA row of each Annex A control (for audit packs)."""

    name = "evidence.soa"
    tables = ("evidence_soa",)
    types = frozenset({"SoAEntrySet"})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d = e.data
        w.add(
            [("soa", d["control_id"])],
            "INSERT INTO evidence_soa (control_id, applicable, justification, status, owner,"
            " set_by, set_at, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (control_id) DO UPDATE SET applicable = $2, justification = $3,"
            " status = $4, owner = $5, set_by = $6, set_at = $7, position = $8",
            d["control_id"], d["applicable"], d["justification"], d["status"],
            d.get("owner", ""), trail.actor(e), e.recorded_at, e.position,
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
            len(d["decisions"]), len(d["actions"]), trail.actor(e), e.position, e.recorded_at,
        )  # fmt: skip


class AuditTrail(Projection):
    """Every event of all three services, indexed for the audit-trail filters."""

    name = "evidence.audit_trail"
    tables = ("evidence_trail", "evidence_trail_system")
    types = None

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        await self.handle_batch([e], conn)

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        # COPY: each position is applied once (rows and checkpoint commit together), so
        # the rows are new and go in as one stream rather than a statement each.
        rows = [trail.row(e) for e in events]
        await conn.copy_records_to_table("evidence_trail", records=rows, columns=TRAIL_COLUMNS)
        links = [(sid, r[0]) for r in rows for sid in r[8]]
        if links:
            await conn.copy_records_to_table(
                "evidence_trail_system", records=links, columns=("system_id", "position")
            )


TRAIL_COLUMNS = (
    "position", "event_id", "type", "stream_id", "actor", "source", "recorded_at", "summary",
    "system_ids", "basis", "links",
)  # fmt: skip


PROJECTIONS: list[Projection] = [
    EvidenceList(), SystemOwners(), StatementOfApplicability(), Audits(), Nonconformities(),
    Reviews(), AuditTrail(),
]  # fmt: skip
