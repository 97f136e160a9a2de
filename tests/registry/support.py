"""Helpers of the registry tests: systems over the API, other services' facts via the store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from shared.contract.events import evidence as ev
from shared.contract.events import risk as rk
from shared.domain.aggregate import DomainEvent
from shared.kernel.eventstore import EventStore, NewEvent
from tests.support.apps import auth

ADMIN = auth("ada", "admin")
OWNER = auth("alice", "system_owner")
MLOPS = auth("max", "mlops")
VIEWER = auth("vic", "viewer")
DIGEST = "d" * 64
DEPLOY_CONTROLS = ["A.6.2.4", "A.6.2.5", "A.6.2.7"]


async def put(store: EventStore, stream: str, *events: DomainEvent) -> int:
    """Append events as another service would; returns the position of the last."""
    result = await store.append(
        stream, [NewEvent(e.type_name(), e.to_data()) for e in events], expected_version=None,
        metadata={"actor": {"sub": "other-service", "roles": ["risk_officer"]}},
    )  # fmt: skip
    return result.position


async def register(client: Any, **over: Any) -> dict[str, Any]:
    body = {
        "name": "Credit scoring",
        "purpose": "score loan applications",
        "owner": "alice",
        "eu_ai_act_tier": "limited",
        "intended_use": "pre-screening, human decides",
    } | over
    r = await client.post("/v1/systems", json=body, headers=OWNER)
    assert r.status_code == 201, r.text
    return r.json() | {"aims_position": int(r.headers["aims-position"])}


async def add_version(client: Any, system_id: str, version: str = "1", digest: str = DIGEST):
    body = {"name": "scorer", "version": version, "digest": digest, "source_uri": "s3://m/1"}
    r = await client.post(f"/v1/systems/{system_id}/model-versions", json=body, headers=MLOPS)
    assert r.status_code in (200, 201), r.text
    return r


async def identify_risk(store: EventStore, system_id: str, level: str = "high") -> UUID:
    risk_id = uuid4()
    await put(store, f"risk-{risk_id}", rk.RiskIdentified(
        risk_id=risk_id, system_id=UUID(system_id), title="unfair denials", category="fairness",
        affects=["applicants"], likelihood=4, consequence=4, level=level, criteria_version=0,
        owner="rita",
    ))  # fmt: skip
    return risk_id


async def accept(
    store: EventStore, system_id: str, risk_id: UUID, risk_version: int = 1,
    expires: datetime | None = None,
) -> tuple[UUID, int]:  # fmt: skip
    acceptance_id = uuid4()
    expires = expires or datetime.now(UTC) + timedelta(days=90)
    pos = await put(store, f"acceptance-{acceptance_id}", rk.AcceptanceApproved(
        acceptance_id=acceptance_id, risk_id=risk_id, system_id=UUID(system_id),
        risk_version=risk_version, approved_by="paula", expires_at=expires,
    ))  # fmt: skip
    return acceptance_id, pos


async def record_evidence(
    store: EventStore, system_id: str, controls: list[str], valid_until: datetime | None = None
) -> tuple[UUID, int]:
    evidence_id = uuid4()
    pos = await put(store, f"evidence-{evidence_id}", ev.EvidenceRecorded(
        evidence_id=evidence_id, kind="report", title="validation report",
        system_ids=[UUID(system_id)], control_ids=controls, sha256="e" * 64,
        uri="s3://evidence/1", collected_at=datetime.now(UTC), valid_until=valid_until,
    ))  # fmt: skip
    return evidence_id, pos


async def approve_impact(store: EventStore, system_id: str) -> int:
    assessment_id = uuid4()
    return await put(store, f"impact-{assessment_id}", rk.ImpactAssessmentApproved(
        assessment_id=assessment_id, system_id=UUID(system_id), approved_by="paula",
    ))  # fmt: skip


async def treat(store: EventStore, system_id: str, risk_id: UUID) -> int:
    return await put(store, f"risk-{risk_id}", rk.RiskTreatmentPlanned(
        risk_id=risk_id, system_id=UUID(system_id), treatment_id=uuid4(), option="modify",
        controls=["A.6.2.4"], plan="retrain", owner="rita", due=date(2030, 1, 1),
    ))  # fmt: skip


async def ready(store: EventStore, system_id: str) -> int:
    """Facts that satisfy the default deployment approval for a limited-tier system."""
    risk_id = await identify_risk(store, system_id)
    await accept(store, system_id, risk_id)
    return (await record_evidence(store, system_id, DEPLOY_CONTROLS))[1]


async def move(client: Any, system_id: str, to: str, *, min_position: int | None = None):
    """A transition, after the registry has seen everything up to `min_position`."""
    if min_position is not None:
        r = await client.get(f"/v1/systems?min_position={min_position}&limit=1", headers=VIEWER)
        assert r.status_code == 200, r.text
    return await client.post(f"/v1/systems/{system_id}/transitions",
                             json={"to": to, "reason": f"to {to}"}, headers=OWNER)  # fmt: skip


async def decide(client: Any, system_id: str, env: str = "production", mv: str = "scorer/1",
                 min_position: int | None = None):  # fmt: skip
    q = f"?min_position={min_position}" if min_position else ""
    body = {"system_id": system_id, "model_version": mv, "environment": env}
    return await client.post(f"/v1/deployment-decisions{q}", json=body, headers=MLOPS)
