"""A system's history holds the records about it, not only its own stream."""

from tests.registry.resources.test_datasets import dataset
from tests.support.operation import oversee
from tests.support.registry import OWNER, VIEWER, add_version, decide, register

RACI = {"accountable": "alice", "responsible": ["max"], "consulted": [], "informed": []}


async def test_history_holds_oversight_responsibilities_data_and_decisions(registry):
    c = registry
    s, other = await register(c), await register(c, name="Other system")
    mv = (await add_version(c, s["id"])).json()["id"]
    await oversee(c, s["id"])
    await oversee(c, other["id"])
    r = await c.put(f"/v1/systems/{s['id']}/responsibilities", json=RACI, headers=OWNER)
    assert r.status_code == 200, r.text
    assert (
        await c.post("/v1/datasets", json=dataset(s["id"], mv), headers=OWNER)
    ).status_code == 201
    pos = int((await decide(c, s["id"])).headers["aims-position"])
    r = await c.get(f"/v1/systems/{s['id']}/history?min_position={pos}", headers=VIEWER)
    assert r.status_code == 200, r.text
    events = r.json()["items"]
    types = [e["type"] for e in events]
    for expected in (
        "SystemRegistered",
        "ModelVersionRegistered",
        "OversightAssigned",
        "ResponsibilitiesAssigned",
        "DatasetRegistered",
        "DeploymentDecisionMade",
    ):
        assert expected in types, (expected, types)
    assert types.count("OversightAssigned") == 1  # not the other system's
    positions = [e["position"] for e in events]
    assert positions == sorted(positions)
