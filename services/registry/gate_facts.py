"""The registry's own copy of the risk and evidence facts its gates need.

The gate never calls another service: this projection folds the risk, acceptance,
impact, SoA, criteria and evidence events of the shared log into one row per stream
(per stream and system for evidence linked to several systems; per control for SoA
rows). Every event of those streams moves the row's `version` to the stream's version,
even types the fold does not know, so a decision's basis (stream -> version) can later
be compared with the log itself. One indexed query reads all facts of a system.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from services.registry.domain.facts import Fact, GateFacts, SystemView
from shared.eventstore import StoredEvent
from shared.projections import Projection

NAME = "registry.gate_facts"
CATEGORIES = frozenset({"risk", "acceptance", "impact", "evidence", "soa", "criteria"})
_UPSERT = (
    "INSERT INTO registry_gate_fact (key, system_id, kind, stream_id, version, position, data)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO UPDATE SET"
    " data = registry_gate_fact.data || EXCLUDED.data, system_id = EXCLUDED.system_id"
)
_BUMP = "UPDATE registry_gate_fact SET version = $2, position = $3 WHERE stream_id = $1"
_STATUS = {
    "AcceptanceRequested": "requested", "AcceptanceApproved": "approved",
    "AcceptanceRejected": "rejected", "AcceptanceVoided": "voided",
    "ImpactAssessmentDrafted": "draft", "ImpactAssessmentRevised": "draft",
    "ImpactAssessmentSubmitted": "submitted", "ImpactAssessmentApproved": "approved",
    "ImpactAssessmentReviewDue": "review_due",
}  # fmt: skip


def fold(e: StoredEvent) -> tuple[str, str, list[str | None], dict[str, Any]] | None:
    """(kind, key prefix, system ids, data patch) of an event, None for a version bump only."""
    d, v = e.data, e.version
    system = [d.get("system_id")]
    match e.type:
        case "RiskCriteriaSet":
            keep = ("criteria_version", "levels", "appetite")
            return "criteria", "criteria", [None], {k: d[k] for k in keep}
        case "RiskIdentified":
            patch = {"risk_id": d["risk_id"], "title": d["title"], "level": d["level"],
                     "residual_level": None, "closed": False, "material_version": v}  # fmt: skip
            return "risk", e.stream_id, system, patch
        case "RiskAssessed":
            return "risk", e.stream_id, system, {"level": d["level"], "material_version": v}
        case "ResidualRiskAssessed":
            return "risk", e.stream_id, system, {"residual_level": d["level"],
                                                 "material_version": v}  # fmt: skip
        case "RiskTreatmentPlanned":
            return "risk", e.stream_id, system, {"material_version": v}
        case "RiskClosed":
            return "risk", e.stream_id, system, {"closed": True}
        case t if t.startswith("Acceptance") and t in _STATUS:
            patch = {"status": _STATUS[t], "risk_id": d["risk_id"]}
            patch |= {k: d[k] for k in ("risk_version", "expires_at", "reason") if k in d}
            return "acceptance", e.stream_id, system, patch
        case t if t.startswith("ImpactAssessment") and t in _STATUS:
            return "impact", e.stream_id, system, {"status": _STATUS[t]}
        case "SoAEntrySet":
            patch = {k: d.get(k) for k in ("control_id", "applicable", "deployment_gate")}
            return "soa", f"soa/{d['control_id']}", [None], patch
        case "EvidenceRecorded":
            patch = {"evidence_id": d["evidence_id"], "control_ids": d.get("control_ids", []),
                     "valid_until": d.get("valid_until"), "superseded": False}  # fmt: skip
            return "evidence", e.stream_id, list(d.get("system_ids") or []), patch
    return None


class GateFactsProjection(Projection):
    """Folds other services' gate-relevant events into `registry_gate_fact`."""

    name = NAME
    tables = ("registry_gate_fact",)
    types = None  # every event type of the categories it follows, including future ones

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        if e.category not in CATEGORIES:
            return
        folded = fold(e)
        if folded is not None:
            kind, prefix, systems, patch = folded
            many = kind == "evidence"
            await conn.executemany(_UPSERT, [
                (f"{prefix}/{s}" if many else prefix, UUID(s) if s else None, kind, e.stream_id,
                 e.version, e.position, patch)
                for s in systems
            ])  # fmt: skip
        if e.type == "EvidenceSuperseded":
            await _supersede(conn, e.stream_id)
        elif e.type == "EvidenceRecorded" and e.data.get("supersedes"):
            await _supersede(conn, f"evidence-{e.data['supersedes']}")
        await conn.execute(_BUMP, e.stream_id, e.version, e.position)


async def _supersede(conn: asyncpg.Connection, stream_id: str) -> None:
    await conn.execute(
        "UPDATE registry_gate_fact SET data = data || '{\"superseded\": true}'"
        " WHERE stream_id = $1",
        stream_id,
    )


async def load_facts(pool: asyncpg.Pool, system_id: UUID) -> tuple[list[Fact], int]:
    """Every fact about a system plus the organisation-wide ones, and the position they reach.

    The projection's checkpoint is read in the same statement (one snapshot), so the
    position recorded in a decision's basis is exactly what the facts reflect.
    """
    rows = await pool.fetch(
        "SELECT key, kind, stream_id, version, data FROM registry_gate_fact"
        " WHERE system_id = $1 OR system_id IS NULL"
        " UNION ALL SELECT 'checkpoint', 'checkpoint', '', 0, jsonb_build_object('position',"
        " position) FROM projection_checkpoint WHERE name = $2",
        system_id, NAME,
    )  # fmt: skip
    facts = [Fact(r["key"], r["kind"], r["stream_id"], r["version"], r["data"]) for r in rows]
    position = next((int(f.data["position"]) for f in facts if f.kind == "checkpoint"), 0)
    return [f for f in facts if f.kind != "checkpoint"], position


def gate_facts(
    system: SystemView, loaded: tuple[list[Fact], int], model_version: str | None = None
) -> GateFacts:
    """What a gate evaluation reads: the system and its loaded facts."""
    facts, position = loaded
    return GateFacts(system, facts, position, model_version)
