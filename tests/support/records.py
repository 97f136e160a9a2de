"""What the tests of the management-system records share: people, bodies, log helpers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.kernel.eventstore import EventStore, NewEvent
from tests.support.apps import auth

OFFICER = auth("rita", "risk_officer")
APPROVER = auth("alex", "approver")
# Someone who writes records and also holds the approver role: separation of duties, not
# roles, must stop them approving what they wrote.
BOTH = auth("bob", "risk_officer", "approver")
OWNER = auth("olga", "system_owner")
MLOPS = auth("mo", "mlops")
VIEWER = auth("vic", "viewer")


def iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def days(n: float) -> datetime:
    """Now plus `n` days."""
    return datetime.now(UTC) + timedelta(days=n)


async def event_count(pool: Any) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM events"))


async def caught_up(c: httpx.AsyncClient, path: str, r: httpx.Response, **headers: str) -> Any:
    """GET `path` once the read models include the write `r` answered."""
    sep = "&" if "?" in path else "?"
    got = await c.get(f"{path}{sep}min_position={r.headers['aims-position']}",
                      headers=headers or VIEWER)  # fmt: skip
    assert got.status_code == 200, got.text
    return got.json()


async def record_evidence(store: EventStore, title: str = "Signed AI policy") -> str:
    """Evidence as the evidence service records it; returns its id."""
    eid = str(uuid.uuid4())
    data = {
        "evidence_id": eid, "kind": "policy", "title": title, "sha256": "ab" * 32,
        "uri": "https://docs.example.com/x", "collected_at": iso(days(-1)),
    }  # fmt: skip
    meta = {"actor": {"sub": "eve", "roles": ["risk_officer"]}, "source": "evidence"}
    await store.append(f"evidence-{eid}", [NewEvent("EvidenceRecorded", data)],
                       expected_version=0, metadata=meta)  # fmt: skip
    return eid


def ok(r: httpx.Response, *codes: int) -> dict[str, Any]:
    assert r.status_code in (codes or (200, 201)), r.text
    return dict(r.json())
