"""The inventory over HTTP: register, read, patch with If-Match, list, history, time travel."""

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from tests.support.apps import auth
from tests.support.readmodels import fingerprint
from tests.support.registry import ADMIN, MLOPS, OWNER, VIEWER, add_version, register
from tests.support.risk import event_count


async def test_a_system_is_registered_read_back_and_listed(registry):
    c, tag = registry, f"credit-{uuid4()}"
    r = await c.post("/v1/systems", headers=OWNER, json={
        "name": "Credit scoring", "purpose": "score loans", "owner": "alice",
        "eu_ai_act_tier": "high", "provider_role": "deployer", "tags": [tag],
        "intended_use": "pre-screening", "mlflow_model_names": ["credit-scorer"]})  # fmt: skip
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/v1/systems/{body['id']}"
    assert body["stage"] == "inception" and body["eu_ai_act_tier"] == "high"
    got = await c.get(r.headers["location"], headers=VIEWER)
    assert got.json()["provider_role"] == "deployer" and got.headers["etag"] == '"1"'
    listed = await c.get(f"/v1/systems?tag={tag}&min_position={r.headers['aims-position']}",
                         headers=VIEWER)  # fmt: skip
    (row,) = listed.json()["items"]
    assert (row["id"], row["stage"], row["owner"], row["last_decision"]) == (
        body["id"], "inception", "alice", None)  # fmt: skip


@pytest.mark.parametrize("body, field", [
    ({"name": "", "purpose": "p", "owner": "o"}, "name"),
    ({"name": "n", "purpose": "p", "owner": "o", "eu_ai_act_tier": "scary"}, "eu_ai_act_tier"),
    ({"name": "n" * 201, "purpose": "p", "owner": "o"}, "name"),
    ({"name": "n", "purpose": "p", "owner": "o", "tags": ["t"] * 51}, "tags"),
    ({"name": "n", "purpose": "p", "owner": "o", "colour": "red"}, "colour"),
    ({"name": "n", "purpose": "p"}, "owner"),
])  # fmt: skip
async def test_bad_registrations_are_refused_with_the_fields_named(registry, body, field):
    c, owner = registry, f"nobody-{uuid4()}"
    body = body | {"owner": owner} if "owner" in body else body
    r = await c.post("/v1/systems", json=body, headers=OWNER)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert any(field in e["loc"] for e in r.json()["errors"]), r.json()
    assert (await c.get(f"/v1/systems?owner={owner}", headers=VIEWER)).json()["items"] == []


async def test_only_owners_and_admins_register_and_change_systems(registry):
    c = registry
    body = {"name": "n", "purpose": "p", "owner": "o"}
    for who in (MLOPS, VIEWER, auth("ari", "auditor"), auth("rob", "risk_officer")):
        assert (await c.post("/v1/systems", json=body, headers=who)).status_code == 403
    assert (await c.post("/v1/systems", json=body)).status_code == 401
    s = await register(c)
    assert (await c.patch(f"/v1/systems/{s['id']}", json={"name": "x"},
                          headers=MLOPS)).status_code == 403  # fmt: skip
    assert (await c.post("/v1/systems", json=body, headers=ADMIN)).status_code == 201


async def test_a_patch_with_a_stale_etag_is_refused_with_412(registry):
    c = registry
    s = await register(c)
    url = f"/v1/systems/{s['id']}"
    r = await c.patch(url, json={"eu_ai_act_tier": "high"}, headers={**OWNER, "If-Match": '"1"'})
    assert r.status_code == 200 and r.headers["etag"] == '"2"'
    stale = await c.patch(url, json={"name": "New"}, headers={**OWNER, "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    assert (await c.get(url, headers=VIEWER)).json()["name"] == "Credit scoring"


async def test_an_admin_patch_assigns_the_owner_and_changes_inventory_fields(registry):
    c, bob = registry, f"bob-{uuid4()}"
    s = await register(c)
    r = await c.patch(f"/v1/systems/{s['id']}", headers=ADMIN, json={
        "owner": bob, "provider_role": "producer", "intended_use": "ranking",
        "tags": ["a", "b"]})  # fmt: skip
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["owner"], body["provider_role"], body["tags"]) == (bob, "producer",
                                                                    ["a", "b"])  # fmt: skip
    hist = await c.get(f"/v1/systems/{s['id']}/history", headers=VIEWER)
    types = [e["type"] for e in hist.json()["items"]]
    assert types == ["SystemRegistered", "SystemOwnerAssigned", "SystemUpdated"]
    listed = await c.get(f"/v1/systems?owner={bob}&min_position={r.headers['aims-position']}",
                         headers=VIEWER)  # fmt: skip
    assert [x["id"] for x in listed.json()["items"]] == [s["id"]]


async def test_a_patch_that_changes_nothing_writes_nothing(registry):
    c = registry
    s = await register(c)
    r = await c.patch(f"/v1/systems/{s['id']}", json={"owner": "alice"}, headers=OWNER)
    assert r.status_code == 200 and r.headers["etag"] == '"1"'


async def test_bad_patches_are_422_and_unknown_systems_404(registry):
    c = registry
    s = await register(c)
    for body in ({"name": None}, {"eu_ai_act_tier": "huge"}, {"stage": "operation"}):
        r = await c.patch(f"/v1/systems/{s['id']}", json=body, headers=OWNER)
        assert r.status_code == 422, body
    assert (await c.patch(f"/v1/systems/{uuid4()}", json={"name": "x"},
                          headers=OWNER)).status_code == 404  # fmt: skip
    assert (await c.get("/v1/systems/not-a-uuid", headers=VIEWER)).status_code == 422
    assert (await c.get(f"/v1/systems/{uuid4()}", headers=VIEWER)).status_code == 404


async def test_a_system_can_be_read_as_it_was(registry):
    c = registry
    s = await register(c)
    await asyncio.sleep(0.01)  # recorded_at has microsecond resolution; keep them apart
    between = datetime.now(UTC)
    await c.patch(f"/v1/systems/{s['id']}", json={"eu_ai_act_tier": "high"}, headers=OWNER)
    then = await c.get(f"/v1/systems/{s['id']}", params={"as_of": between.isoformat()},
                       headers=VIEWER)  # fmt: skip
    assert then.json()["eu_ai_act_tier"] == "limited" and then.headers["etag"] == '"1"'
    now = await c.get(f"/v1/systems/{s['id']}", headers=VIEWER)
    assert now.json()["eu_ai_act_tier"] == "high"
    before = await c.get(f"/v1/systems/{s['id']}", params={"as_of": "2000-01-01T00:00:00Z"},
                         headers=VIEWER)  # fmt: skip
    assert before.status_code == 404


async def test_lists_filter_and_page_newest_first(service):
    async with service("registry") as c:
        ids = []
        for i in range(5):
            tier = "high" if i % 2 else "minimal"
            ids.append((await register(c, name=f"s{i}", eu_ai_act_tier=tier,
                                       tags=[f"t{i}"]))["id"])  # fmt: skip
        last = await c.patch(f"/v1/systems/{ids[0]}", json={"owner": "zed"}, headers=ADMIN)
        pos = last.headers["aims-position"]
        page1 = (await c.get(f"/v1/systems?limit=2&min_position={pos}", headers=VIEWER)).json()
        assert [x["id"] for x in page1["items"]] == ids[:2:-1][:2]
        page2 = (await c.get(f"/v1/systems?limit=2&cursor={page1['next_cursor']}",
                             headers=VIEWER)).json()  # fmt: skip
        page3 = (await c.get(f"/v1/systems?limit=2&cursor={page2['next_cursor']}",
                             headers=VIEWER)).json()  # fmt: skip
        assert [x["id"] for x in page1["items"] + page2["items"] + page3["items"]] == ids[::-1]
        assert page3["next_cursor"] is None
        high = (await c.get("/v1/systems?tier=high", headers=VIEWER)).json()["items"]
        assert {x["id"] for x in high} == {ids[1], ids[3]}
        tagged = (await c.get("/v1/systems?tag=t2", headers=VIEWER)).json()["items"]
        assert [x["id"] for x in tagged] == [ids[2]]
        owned = (await c.get("/v1/systems?owner=zed", headers=VIEWER)).json()["items"]
        assert [x["id"] for x in owned] == [ids[0]]
        assert (await c.get("/v1/systems?stage=nowhere", headers=VIEWER)).status_code == 422
        assert (await c.get("/v1/systems?cursor=%%%", headers=VIEWER)).status_code == 400


async def test_a_model_version_is_registered_once_per_digest(registry):
    c = registry
    s = await register(c)
    first = await add_version(c, s["id"])
    assert first.status_code == 201
    again = await add_version(c, s["id"])
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    clash = await c.post(
        f"/v1/systems/{s['id']}/model-versions",
        headers=MLOPS,
        json={"name": "scorer", "version": "1", "digest": "f" * 64, "source_uri": "s3://x"},
    )
    assert clash.status_code == 409
    assert clash.json()["type"].endswith("/model_version_conflict")
    listed = await c.get(f"/v1/systems/{s['id']}/model-versions", headers=VIEWER)
    assert [m["version"] for m in listed.json()] == ["1"]
    hist = await c.get(f"/v1/systems/{s['id']}/history", headers=VIEWER)
    assert [e["type"] for e in hist.json()["items"]].count("ModelVersionRegistered") == 1


async def test_bad_model_versions_are_422_and_viewers_may_not_add_them(registry):
    c = registry
    s = await register(c)
    url = f"/v1/systems/{s['id']}/model-versions"
    bad = {"name": "m", "version": "1", "digest": "not-a-sha", "source_uri": "s3://m"}
    assert (await c.post(url, json=bad, headers=MLOPS)).status_code == 422
    good = bad | {"digest": "a" * 64}
    assert (await c.post(url, json=good, headers=VIEWER)).status_code == 403
    assert (await c.post(f"/v1/systems/{uuid4()}/model-versions", json=good,
                         headers=MLOPS)).status_code == 404  # fmt: skip


async def test_an_mlflow_model_name_belongs_to_one_system(registry):
    c = registry
    name = f"scorer-{uuid4()}"
    a = await register(c, mlflow_model_names=[name])
    b = await register(c, name="Other")
    await c.get(f"/v1/systems?min_position={b['aims_position']}", headers=VIEWER)
    r = await c.patch(f"/v1/systems/{b['id']}", json={"mlflow_model_names": [name]},
                      headers=OWNER)  # fmt: skip
    assert r.status_code == 409 and r.json()["claimed_by"] == {name: a["id"]}
    dup = await c.patch(f"/v1/systems/{b['id']}", json={"mlflow_model_names": ["x", "x"]},
                        headers=OWNER)  # fmt: skip
    assert dup.status_code == 422


async def test_history_lists_events_oldest_first_with_actor_and_time(registry):
    c = registry
    s = await register(c)
    await c.patch(f"/v1/systems/{s['id']}", json={"tags": ["x"]}, headers=ADMIN)
    r = await c.get(f"/v1/systems/{s['id']}/history?limit=1", headers=VIEWER)
    first = r.json()
    assert first["items"][0]["type"] == "SystemRegistered"
    assert first["items"][0]["actor"] == "alice" and first["items"][0]["recorded_at"]
    second = (await c.get(f"/v1/systems/{s['id']}/history?cursor={first['next_cursor']}",
                          headers=VIEWER)).json()  # fmt: skip
    assert [(e["type"], e["actor"]) for e in second["items"]] == [("SystemUpdated", "ada")]
    assert (await c.get(f"/v1/systems/{uuid4()}/history", headers=VIEWER)).status_code == 404


async def test_another_system_owner_cannot_downgrade_or_take_over_a_system(service, pool):
    async with service("registry") as c:
        s = await register(c, eu_ai_act_tier="high")
        url = f"/v1/systems/{s['id']}"
        mallory = auth("mallory", "system_owner")
        await c.get(f"/v1/systems?min_position={s['aims_position']}", headers=VIEWER)
        events, models = await event_count(pool), await fingerprint(pool)
        attempts = [
            (mallory, "PATCH", url, {"eu_ai_act_tier": "minimal"}, "not_system_owner"),
            (mallory, "PATCH", url, {"owner": "mallory"}, "not_system_owner"),
            (mallory, "POST", f"{url}/transitions", {"to": "design", "reason": "mine"},
             "not_system_owner"),
            (mallory, "POST", f"{url}/model-versions",
             {"name": "scorer", "version": "1", "digest": "e" * 64, "source_uri": "s3://m/1"},
             "not_system_owner"),
        ]  # fmt: skip
        for who, method, path, body, code in attempts:
            r = await c.request(method, path, json=body, headers=who)
            assert r.status_code == 403, (path, body, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["type"].endswith(code), r.json()
        await c.get(f"/v1/systems?min_position={s['aims_position']}", headers=VIEWER)
        assert (await event_count(pool), await fingerprint(pool)) == (events, models)
        got = (await c.get(url, headers=VIEWER)).json()
        assert (got["owner"], got["eu_ai_act_tier"], got["stage"]) == ("alice", "high", "inception")


async def test_the_owner_changes_their_system_and_an_admin_reassigns_it(registry):
    c = registry
    s = await register(c)
    url = f"/v1/systems/{s['id']}"
    mine = await c.patch(url, json={"eu_ai_act_tier": "high"}, headers=OWNER)
    assert mine.status_code == 200
    moved = await c.patch(url, json={"owner": "bob"}, headers=ADMIN)
    assert moved.status_code == 200 and moved.json()["owner"] == "bob"
    gone = await c.patch(url, json={"name": "Alice's again"}, headers=OWNER)
    assert gone.status_code == 403
    r = await c.patch(url, json={"name": "Bob's"}, headers=auth("bob", "system_owner"))
    assert r.status_code == 200 and r.json()["name"] == "Bob's"
