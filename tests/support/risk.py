"""What the risk tests share: actors, a risk body, custom criteria, counting events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.risk.criteria.domain import RiskCriteria
from tests.support.apps import auth

OFFICER = auth("rita", "risk_officer")
OWNER = auth("olga", "system_owner")
APPROVER = auth("alex", "approver")
APPROVER2 = auth("bea", "approver")
VIEWER = auth("vic", "viewer")
ADMIN = auth("ada", "admin")


def risk_body(system_id: uuid.UUID | None = None, **over: Any) -> dict[str, Any]:
    """A valid risk: likely (4) x moderate (3) is high under the default criteria."""
    body = {
        "system_id": str(system_id or uuid.uuid4()),
        "title": "Biased credit decisions",
        "category": "fairness",
        "likelihood": 4,
        "consequence": 3,
        "affects": ["individuals", "groups"],
        "owner": "olga",
        "description": "Protected groups may be scored lower",
        "source": "training data",
    }
    body.update(over)
    return body


def later(days: int = 90) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def event_count(pool: Any) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM events"))


async def new_risk(c: Any, **over: Any) -> dict[str, Any]:
    r = await c.post("/v1/risks", json=risk_body(**over), headers=OFFICER)
    assert r.status_code == 201, r.text
    return r.json()


THREE_BY_THREE = {
    "likelihood_labels": ["low", "medium", "high"],
    "consequence_labels": ["minor", "major", "severe"],
    "levels": ["acceptable", "tolerable", "intolerable"],
    "matrix": [
        ["acceptable", "acceptable", "tolerable"],
        ["acceptable", "tolerable", "intolerable"],
        ["tolerable", "intolerable", "intolerable"],
    ],
    "appetite": "acceptable",
}


def custom() -> RiskCriteria:
    """Criteria on a three-by-three scale with the appetite at its lowest level."""
    c = RiskCriteria(uuid.uuid4())
    c.set(THREE_BY_THREE)
    return c
