"""The registry's own copy of the risk and evidence facts its gates need.

The gate never calls another service: this projection folds the risk, acceptance,
impact, SoA, criteria, evidence, incident, AI role and training events of the shared log,
and the registry's own oversight, breach and dataset events, into one row per stream (per
stream and system for evidence, incidents and datasets naming several systems; per control
for SoA rows).
Every event of those streams moves the row's `version` to the stream's version, even
types the fold does not know, so a decision's basis (stream -> version) can later be
compared with the log itself. One indexed query reads all facts of a system
(`gate.queries.ProjectedFacts`).
"""

from __future__ import annotations

from typing import Any

import asyncpg

import shared.contract.events  # noqa: F401 - registers every contract event type
from shared.contract.events import registry as reg
from shared.domain.aggregate import DomainEvent
from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Projection, uid

NAME = "registry.gate_facts"
CATEGORIES = frozenset({
    "risk", "acceptance", "impact", "evidence", "soa", "criteria", "oversight", "breach",
    "incident", "dataset", "airole", "training",
})  # fmt: skip
# The types only the registry's own `system-` and `decision-` streams hold, none of which
# this projection follows. Reading every other contract type keeps the version bump of
# every event of the followed streams (types its fold ignores included), while the gate's
# own decisions and system changes, most of the registry's traffic, are never read for it.
ELSEWHERE: frozenset[type[DomainEvent]] = frozenset({
    reg.SystemRegistered, reg.SystemUpdated, reg.SystemOwnerAssigned, reg.SystemStageChanged,
    reg.SystemRetired, reg.ModelVersionRegistered, reg.ModelVersionTagSet,
    reg.ModelVersionAliasSet, reg.DeploymentDecisionMade, reg.DeploymentRecorded,
})  # fmt: skip
TYPES = frozenset(DomainEvent.registry) - {t.type_name() for t in ELSEWHERE}
PER_SYSTEM = frozenset({"evidence", "incident", "dataset"})  # one row per stream and system named
_LOAD = (
    "SELECT key, system_id, kind, stream_id, version, position, data FROM registry_gate_fact"
    " WHERE stream_id = ANY($1::text[]) OR key = ANY($2::text[])"
)
# The rows as one JSON array of [key, system_id, kind, stream_id, version, position, data]:
# one document serialised in one call, where seven parameter arrays cost the fold a check
# of every element in Python and a JSON text of every row's data (profiled).
_STORE = (
    "INSERT INTO registry_gate_fact (key, system_id, kind, stream_id, version, position, data)"
    " SELECT r->>0, (r->>1)::uuid, r->>2, r->>3, (r->>4)::int, (r->>5)::bigint, r->6"
    " FROM jsonb_array_elements($1::jsonb) AS r"
    " ON CONFLICT (key) DO UPDATE SET system_id = EXCLUDED.system_id,"
    " version = EXCLUDED.version, position = EXCLUDED.position, data = EXCLUDED.data"
)
_STATUS = {
    "AcceptanceRequested": "requested", "AcceptanceApproved": "approved",
    "AcceptanceRejected": "rejected", "AcceptanceVoided": "voided",
    "ImpactAssessmentDrafted": "draft", "ImpactAssessmentRevised": "draft",
    "ImpactAssessmentSubmitted": "submitted", "ImpactAssessmentApproved": "approved",
    "ImpactAssessmentReviewDue": "review_due",
}  # fmt: skip


Folded = tuple[str, str, list[str | None], dict[str, Any]]  # kind, key prefix, systems, patch


def fold(e: StoredEvent) -> Folded | None:
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
        case "OversightAssigned":
            return "oversight", e.stream_id, system, {"overseers": d["overseers"]}
        case "MonitoringThresholdBreached":
            patch = {"breach_id": d["breach_id"], "metric": d["metric"], "reviewed": False}
            return "breach", e.stream_id, system, patch
        case "MonitoringBreachReviewed":
            return "breach", e.stream_id, system, {"reviewed": True, "decision": d["decision"]}
        case "IncidentReported" | "IncidentReclassified" | "IncidentClosed":
            return "incident", e.stream_id, list(d.get("system_ids") or []), _incident(e)
        case "DatasetRegistered" | "DatasetRevised":
            patch = {k: d[k] for k in ("dataset_id", "use", "provenance", "model_version_ids")}
            return "dataset", e.stream_id, list(d["system_ids"]), patch | {"named": True}
        case "AIRoleDefined" | "AIRoleRevised":
            patch = {k: d[k] for k in ("role_id", "name", "competences", "members")}
            return "airole", e.stream_id, [None], patch | {"retired": False}
        case "AIRoleRetired":
            return "airole", e.stream_id, [None], {"retired": True}
        case "TrainingRecorded":
            patch = {k: d.get(k) for k in ("record_id", "person", "competence", "expires_at")}
            return "training", e.stream_id, [None], patch | {"withdrawn": False}
        case "TrainingRecordWithdrawn":
            return "training", e.stream_id, [None], {"withdrawn": True}
    return None


def _incident(e: StoredEvent) -> dict[str, Any]:
    """An incident's fact: open until closed, serious as last (re)classified."""
    d = e.data
    patch: dict[str, Any] = {"incident_id": d["incident_id"], "named": True}
    if e.type == "IncidentClosed":
        return patch | {"closed": True}
    patch |= {"serious": d["serious"], "severity": d["severity"]}
    return patch | ({"title": d.get("title"), "closed": False} if e.type == "IncidentReported"
                    else {})  # fmt: skip


def _restate(e: StoredEvent, row: list[Any]) -> dict[str, Any] | None:
    """What an incident or dataset event says of the rows of systems it no longer names (or
    of an incident it closes)."""
    if e.type == "IncidentClosed":
        return {"closed": True}
    restates = e.type in ("IncidentReclassified", "DatasetRevised")
    if restates and str(row[1]) not in map(str, e.data["system_ids"]):
        return {"named": False}
    return None


class GateFactsProjection(Projection):
    """Folds other services' gate-relevant events into `registry_gate_fact`.

    A batch is folded in memory: the rows its events can touch (by key, or by stream for
    the version bump and supersession) are read once, every event is applied to them in
    log order exactly as the row-at-a-time statements would, and the changed rows are
    written back in one statement.
    """

    name = NAME
    version = 2  # 2: AI roles and training records (the overseers_competent rule)
    tables = ("registry_gate_fact",)
    types = TYPES  # every contract type but the system's and decisions' own (see ELSEWHERE)

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        await self.handle_batch([e], conn)

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        # Each event's category, fold and row keys, worked out once for both passes below.
        steps: list[tuple[StoredEvent, str, Folded | None, list[str]]] = []
        for e in events:
            if (category := e.category) in CATEGORIES:
                folded = fold(e)
                steps.append((e, category, folded, [] if folded is None else _keys(folded)))
        if not steps:
            return
        keys: set[str] = set()
        streams: set[str] = set()
        for e, _, _, named in steps:
            streams.add(e.stream_id)
            keys.update(named)
            if e.type == "EvidenceRecorded" and e.data.get("supersedes"):
                streams.add(f"evidence-{e.data['supersedes']}")
        rows: dict[str, list[Any]] = {}
        by_stream: dict[str, list[list[Any]]] = {}
        for r in await conn.fetch(_LOAD, sorted(streams), sorted(keys)):
            # key, system_id, kind, stream_id, version, position, data (as _LOAD names them);
            # data is never changed in place, only replaced: the fold merges into a new dict.
            row = list(r)
            rows[row[0]] = row
            by_stream.setdefault(row[3], []).append(row)
        dirty: dict[str, list[Any]] = {}
        for e, category, folded, named in steps:
            if folded is not None:
                kind, _, systems, patch = folded
                for key, s in zip(named, systems, strict=True):
                    system_id = uid(s) if s else None
                    if key not in rows:
                        rows[key] = [key, system_id, kind, e.stream_id, e.version, e.position, {}]
                        by_stream.setdefault(e.stream_id, []).append(rows[key])
                    row = rows[key]
                    row[1], row[6] = system_id, row[6] | patch
                    dirty[key] = row
            superseded = None
            if e.type == "EvidenceSuperseded":
                superseded = e.stream_id
            elif e.type == "EvidenceRecorded" and e.data.get("supersedes"):
                superseded = f"evidence-{e.data['supersedes']}"
            if superseded is not None:
                for row in by_stream.get(superseded, ()):
                    row[6] = row[6] | {"superseded": True}
                    dirty[row[0]] = row
            for row in by_stream.get(e.stream_id, ()):
                row[4], row[5] = e.version, e.position
                restated = _restate(e, row) if category in ("incident", "dataset") else None
                if restated:
                    row[6] = row[6] | restated
                dirty[row[0]] = row
        if dirty:
            await conn.execute(_STORE, [_stored(row) for row in dirty.values()])


def _stored(row: list[Any]) -> list[Any]:
    """A row as _STORE reads it (its system id as text: orjson does not take asyncpg's UUID)."""
    key, system_id, kind, stream_id, version, position, data = row
    return [key, None if system_id is None else str(system_id), kind, stream_id, version,
            position, data]  # fmt: skip


def _keys(folded: Folded) -> list[str]:
    kind, prefix, systems, _ = folded
    return [f"{prefix}/{s}" for s in systems] if kind in PER_SYSTEM else [prefix] * len(systems)
