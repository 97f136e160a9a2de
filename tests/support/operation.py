"""Helpers of the tests of systems in operation: oversight, plans, observations, breaches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from shared.contract.events import evidence as ev
from shared.kernel.eventstore import EventStore
from tests.support.apps import auth
from tests.support.registry import MLOPS, OWNER, VIEWER, put

APPROVER = auth("paula", "approver")
DRIFT = {"name": "drift", "kind": "drift", "threshold": {"op": "gt", "value": 0.3}, "window": "1h"}
RECALL = {"name": "recall", "kind": "performance", "threshold": {"op": "lt", "value": 0.8},
          "window": "1d"}  # fmt: skip


async def oversee(client: Any, system_id: str, overseers: list[str] | None = None,
                  headers: dict[str, str] = OWNER) -> Any:  # fmt: skip
    """Name the system's overseers (as its owner, by default)."""
    body = {"overseers": ["olga"] if overseers is None else overseers,
            "measures": "reviews every declined application", "can_override": True,
            "stop_procedure": "switch the feature flag off"}  # fmt: skip
    r = await client.put(f"/v1/systems/{system_id}/oversight", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r


async def plan(client: Any, system_id: str, *metrics: dict[str, Any], every: int = 30) -> Any:
    """Set the system's monitoring plan (drift by default) as its owner."""
    body = {"metrics": list(metrics or [DRIFT]), "review_every_days": every}
    r = await client.put(f"/v1/systems/{system_id}/monitoring", json=body, headers=OWNER)
    assert r.status_code == 200, r.text
    return r


def observation(value: float, metric: str = "drift", at: datetime | None = None) -> dict[str, Any]:
    at = at or datetime.now(UTC) - timedelta(seconds=1)
    return {"metric": metric, "value": value, "observed_at": at.isoformat(),
            "model_version": "scorer/1", "source": "nightly-eval"}  # fmt: skip


async def observe(client: Any, system_id: str, observations: list[dict[str, Any]]) -> Any:
    """Post a batch of observations as the monitoring job."""
    return await client.post(f"/v1/systems/{system_id}/observations",
                             json={"observations": observations}, headers=MLOPS)  # fmt: skip


async def breaches(client: Any, system_id: str, position: int | None = None) -> list[dict]:
    q = f"?min_position={position}" if position else ""
    r = await client.get(f"/v1/systems/{system_id}/breaches{q}", headers=VIEWER)
    assert r.status_code == 200, r.text
    items: list[dict] = r.json()["items"]
    return items


async def incident(store: EventStore, system_id: str, serious: bool = True) -> tuple[UUID, int]:
    """A reported incident naming the system, as the evidence service records it."""
    incident_id, now = uuid4(), datetime.now(UTC)
    pos = await put(store, f"incident-{incident_id}", ev.IncidentReported(
        incident_id=incident_id, system_ids=[UUID(system_id)], title="wrongful denials",
        description="a batch of applications was denied on a stale feature", occurred_at=now,
        aware_at=now, severity="high", serious=serious, reported_by="rita",
    ))  # fmt: skip
    return incident_id, pos


async def in_operation(client: Any, store: EventStore, **over: Any) -> dict[str, Any]:
    """A system moved to operation with the evidence its gates ask for, model version `scorer/1`."""
    from tests.support.registry import add_version, at_verification, move, ready, record_evidence

    s = await at_verification(client, store, **over)
    await add_version(client, s["id"])
    pos = await ready(store, s["id"])
    assert (await move(client, s["id"], "deployment", min_position=pos)).status_code == 200
    _, pos = await record_evidence(store, s["id"], ["A.6.2.6"])
    assert (await move(client, s["id"], "operation", min_position=pos)).status_code == 200
    return s


async def caught_up(client: Any, position: int) -> None:
    """Wait until the registry's projections and reactors have passed `position`."""
    r = await client.get(f"/v1/systems?limit=1&min_position={position}", headers=VIEWER)
    assert r.status_code == 200, r.text
