"""A system's posture over HTTP: open risks by level, unaccepted ones, expiries."""

import uuid

from tests.support.risk import (
    APPROVER,
    OWNER,
    VIEWER,
    later,
    new_risk,
)


async def test_posture_shows_open_risks_unaccepted_above_appetite_and_expiries(service):
    async with service("risk") as c:
        system = uuid.uuid4()
        high = await new_risk(c, system_id=system)
        await new_risk(c, system_id=system, likelihood=1, consequence=1)
        accepted = await new_risk(c, system_id=system, likelihood=5, consequence=5)
        r = await c.post(
            f"/v1/risks/{accepted['id']}/acceptance-requests",
            json={"justification": "x", "expires_at": later(10)},
            headers=OWNER,
        )
        ok = await c.post(f"/v1/acceptances/{r.json()['id']}/approve", headers=APPROVER)
        p = await c.get(
            f"/v1/systems/{system}/posture?min_position={ok.headers['aims-position']}",
            headers=VIEWER,
        )
        body = p.json()
        assert body["open_risks"]["by_level"] == {"low": 1, "medium": 0, "high": 1, "critical": 1}
        assert [x["risk_id"] for x in body["unaccepted_above_appetite"]] == [high["id"]]
        assert body["acceptances"][0]["expiring_soon"] is True
        assert body["impact_assessment"]["status"] == "none"
