"""Lifecycle transitions over HTTP: each gate met or refused with what is missing."""

from uuid import uuid4

from tests.support.registry import (
    MLOPS,
    OWNER,
    VIEWER,
    add_version,
    at_verification,
    decide,
    move,
    ready,
    register,
)


async def test_leaving_inception_without_its_gate_evidence_is_409_with_what_is_missing(registry):
    c = registry
    s = await register(c, eu_ai_act_tier="unassessed", intended_use="")
    r = await move(c, s["id"], "design")
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["missing"] == ["tier_not_triaged", "intended_use_missing",
                               "no_risk_identified"]  # fmt: skip
    assert all({"code", "message"} <= set(x) for x in body["reasons"])
    assert (await c.get(f"/v1/systems/{s['id']}", headers=VIEWER)).json()["stage"] == ("inception")


async def test_a_system_walks_the_lifecycle_when_its_gates_are_met(registry, log):
    c, store = registry, log
    s = await at_verification(c, store)
    refused = await move(c, s["id"], "deployment")
    assert refused.status_code == 409
    assert set(refused.json()["missing"]) == {"evidence_missing"}
    pos = await ready(store, s["id"])
    r = await move(c, s["id"], "deployment", min_position=pos)
    assert r.status_code == 200, r.text
    hist = (await c.get(f"/v1/systems/{s['id']}/history", headers=VIEWER)).json()["items"]
    changed = [e["data"] for e in hist if e["type"] == "SystemStageChanged"]
    assert [(x["frm"], x["to"]) for x in changed] == [
        ("inception", "design"),
        ("design", "verification"),
        ("verification", "deployment"),
    ]
    assert all(len(x["policy_hash"]) == 64 and x["policy_version"] for x in changed)
    assert f"system-{s['id']}" in changed[-1]["basis"]["streams"]
    listed = await c.get(f"/v1/systems?stage=deployment&min_position="
                         f"{r.headers['aims-position']}", headers=VIEWER)  # fmt: skip
    assert s["id"] in [x["id"] for x in listed.json()["items"]]


async def test_transitions_are_checked_for_shape_role_and_order(registry):
    c = registry
    s = await register(c)
    url = f"/v1/systems/{s['id']}/transitions"
    assert (await c.post(url, json={"to": "limbo", "reason": "x"},
                         headers=OWNER)).status_code == 422  # fmt: skip
    assert (await c.post(url, json={"to": "design", "reason": ""},
                         headers=OWNER)).status_code == 422  # fmt: skip
    assert (await c.post(url, json={"to": "design", "reason": "x"},
                         headers=MLOPS)).status_code == 403  # fmt: skip
    skip = await c.post(url, json={"to": "operation", "reason": "x"}, headers=OWNER)
    assert skip.status_code == 409 and skip.json()["allowed"] == ["design", "retired"]
    stale = await c.post(url, json={"to": "retired", "reason": "x"},
                         headers={**OWNER, "If-Match": '"7"'})  # fmt: skip
    assert stale.status_code == 412
    assert (await c.post(f"/v1/systems/{uuid4()}/transitions", json={"to": "design",
                         "reason": "x"}, headers=OWNER)).status_code == 404  # fmt: skip


async def test_a_retired_system_cannot_change_or_be_deployed(registry):
    c = registry
    s = await register(c)
    await add_version(c, s["id"])
    r = await move(c, s["id"], "retired")
    assert r.status_code == 200 and r.json()["stage"] == "retired"
    assert (await c.patch(f"/v1/systems/{s['id']}", json={"name": "x"},
                          headers=OWNER)).status_code == 409  # fmt: skip
    d = (await decide(c, s["id"])).json()
    assert d["decision"] == "deny" and "retired" in [x["code"] for x in d["reasons"]]
