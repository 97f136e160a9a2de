"""Helpers of the evidence tests: events of the other services, appended straight to the log."""

from __future__ import annotations

import uuid
from typing import Any

from shared.kernel.eventstore import EventStore, NewEvent


def meta(sub: str, source: str, *roles: str) -> dict[str, Any]:
    return {"actor": {"sub": sub, "roles": list(roles)}, "source": source}


async def register_system(store: EventStore, owner: str, name: str = "Credit scoring") -> str:
    """A system as the registry records it; returns its id."""
    sid = str(uuid.uuid4())
    await store.append(
        f"system-{sid}",
        [
            NewEvent(
                "SystemRegistered",
                {
                    "system_id": sid,
                    "name": name,
                    "purpose": "score loans",
                    "owner": owner,
                    "provider_role": "provider",
                    "eu_ai_act_tier": "high",
                    "intended_use": "",
                    "tags": [],
                },
            )
        ],
        expected_version=0,
        metadata=meta(owner, "registry", "system_owner"),
    )
    return sid


async def decisions(store: EventStore) -> tuple[str, str, str, int]:
    """Events of registry, risk and evidence about two systems, by several people."""
    a = await register_system(store, owner="olivia", name="Credit")
    b = await register_system(store, owner="oscar", name="Chatbot")
    await store.append(
        f"system-{a}",
        [
            NewEvent(
                "SystemStageChanged",
                {
                    "system_id": a,
                    "frm": "inception",
                    "to": "design",
                    "reason": "ready",
                    "policy_version": "1",
                    "policy_hash": "abc",
                    "basis": {f"risk-{a}": 3},
                },
            )
        ],
        expected_version=1,
        metadata=meta("olivia", "registry", "system_owner"),
    )
    risk = str(uuid.uuid4())
    await store.append(
        f"risk-{risk}",
        [
            NewEvent(
                "RiskIdentified",
                {
                    "risk_id": risk,
                    "system_id": a,
                    "title": "bias",
                    "category": "fairness",
                    "affects": ["individuals"],
                    "likelihood": 3,
                    "consequence": 4,
                    "level": "high",
                    "criteria_version": 1,
                    "owner": "rita",
                },
            )
        ],
        expected_version=0,
        metadata=meta("rita", "risk", "risk_officer"),
    )
    acc = str(uuid.uuid4())
    await store.append(
        f"acceptance-{acc}",
        [
            NewEvent(
                "AcceptanceApproved",
                {
                    "acceptance_id": acc,
                    "risk_id": risk,
                    "system_id": a,
                    "risk_version": 1,
                    "approved_by": "amy",
                    "expires_at": "2026-01-01T00:00:00Z",
                },
            )
        ],
        expected_version=None,
        metadata=meta("amy", "risk", "approver"),
    )
    await store.append(
        f"soa-{uuid.uuid4()}",
        [
            NewEvent(
                "SoAEntrySet",
                {
                    "control_id": "A.6.2.4",
                    "applicable": True,
                    "justification": "we test",
                    "status": "implemented",
                },
            )
        ],
        expected_version=0,
        metadata=meta("rita", "risk"),
    )
    ev = str(uuid.uuid4())
    await store.append(
        f"evidence-{ev}",
        [
            NewEvent(
                "EvidenceRecorded",
                {
                    "evidence_id": ev,
                    "kind": "test_report",
                    "title": "bias test",
                    "system_ids": [a, b],
                    "control_ids": ["A.6.2.4"],
                    "sha256": "a" * 64,
                    "uri": "s3://x",
                    "collected_at": "2025-01-01T00:00:00Z",
                },
            )
        ],
        expected_version=0,
        metadata=meta("mo", "evidence", "mlops"),
    )
    return a, b, risk, await store.head_position()
