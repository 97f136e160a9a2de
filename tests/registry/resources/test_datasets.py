"""Datasets over HTTP: registration, links, versions, ownership, bad input, the gate rule."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from services.registry.gate.domain import DEFAULT_POLICY
from tests.support.apps import auth
from tests.support.operation import caught_up, oversee
from tests.support.registry import ADMIN, MLOPS, OWNER, VIEWER, add_version, decide, register

BOB = auth("bob", "system_owner")
D1, D2 = "1" * 64, "2" * 64


def dataset(system_id: str, *model_versions: str, **over: object) -> dict[str, object]:
    return {
        "name": "Loan applications 2019-2024", "source": "core banking export",
        "provenance": "collected at application time under contract; exported nightly",
        "licence": "internal", "personal_data": True, "version": "2024-12",
        "digest": f"sha256:{D1.upper()}", "use": "training",
        "quality_checks": [{"name": "completeness", "result": "passed"}],
        "system_ids": [system_id], "model_version_ids": list(model_versions),
    } | over  # fmt: skip


async def test_a_dataset_is_registered_linked_and_versioned(registry):
    c = registry
    s = await register(c)
    mv = (await add_version(c, s["id"])).json()["id"]
    r = await c.post("/v1/datasets", json=dataset(s["id"], mv), headers=MLOPS)
    assert r.status_code == 201, r.text
    d = r.json()
    assert r.headers["location"] == f"/v1/datasets/{d['id']}"
    assert d["owner"] == "max" and d["digest"] == D1 and d["model_version_ids"] == [mv]
    assert [v["version"] for v in d["versions"]] == ["2024-12"]
    url = f"/v1/datasets/{d['id']}"
    assert (await c.patch(url, json={"version": "2025-03"}, headers=BOB)).status_code == 403
    new = await c.patch(url, json={"version": "2025-03", "digest": D2}, headers=MLOPS,
                        )  # fmt: skip
    assert new.status_code == 200, new.text
    assert [(v["version"], v["digest"]) for v in new.json()["versions"]] == [
        ("2024-12", D1), ("2025-03", D2)]  # fmt: skip
    same = await c.patch(url, json={"version": "2025-03"}, headers=MLOPS)
    assert same.json()["record_version"] == 2  # nothing changed, nothing written
    stale = await c.patch(url, json={"licence": "CC-BY-4.0"}, headers={**ADMIN, "If-Match": '"1"'})
    assert stale.status_code == 412
    then = (await c.get(url, params={"as_of": d["created_at"]}, headers=VIEWER)).json()
    assert then["version"] == "2024-12"
    pos = int(new.headers["aims-position"])
    listed = await c.get("/v1/datasets", params={"system_id": s["id"], "min_position": pos},
                         headers=VIEWER)  # fmt: skip
    assert [x["data_version"] for x in listed.json()["items"]] == ["2025-03"]
    by_version = await c.get("/v1/datasets", params={"model_version_id": mv}, headers=VIEWER)
    assert [x["id"] for x in by_version.json()["items"]] == [d["id"]]


async def test_links_name_existing_systems_of_the_caller(registry):
    c = registry
    s = await register(c)
    other = await register(c, owner="bob")
    body = dataset(s["id"])
    unknown = await c.post("/v1/datasets", json=body | {"system_ids": [str(uuid4())]},
                           headers=ADMIN)  # fmt: skip
    assert unknown.status_code == 422 and unknown.json()["type"].endswith("/unknown_system")
    stray = await c.post("/v1/datasets", json=dataset(s["id"], str(uuid4())), headers=ADMIN)
    assert stray.status_code == 422 and stray.json()["type"].endswith("/unknown_model_version")
    not_mine = await c.post("/v1/datasets", json=dataset(other["id"]), headers=OWNER)
    assert not_mine.status_code == 403 and not_mine.json()["type"].endswith("/not_system_owner")
    ok = await c.post("/v1/datasets", json=body, headers=OWNER)
    assert ok.status_code == 201
    url = f"/v1/datasets/{ok.json()['id']}"
    link = await c.patch(url, json={"system_ids": [s["id"], other["id"]]}, headers=OWNER)
    assert link.status_code == 403  # alice may not link bob's system
    assert (await c.get(url, headers=VIEWER)).json()["record_version"] == 1


async def test_bad_datasets_are_a_422_that_writes_nothing(registry, log):
    c = registry
    s = await register(c)
    head = await log.head_position()
    for bad in (
        dataset(s["id"]) | {"digest": "abc"},
        dataset(s["id"]) | {"personal_data": "yes"},
        dataset(s["id"]) | {"name": " "},
        dataset(s["id"]) | {"use": "vibes"},
        dataset(s["id"]) | {"quality_checks": [{"name": "x", "result": "meh"}]},
        dataset(s["id"]) | {"system_ids": [s["id"], s["id"]]},
        {k: v for k, v in dataset(s["id"]).items() if k != "version"},
    ):
        r = await c.post("/v1/datasets", json=bad, headers=ADMIN)
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert await log.head_position() == head
    ok = (await c.post("/v1/datasets", json=dataset(s["id"]), headers=ADMIN)).json()
    head = await log.head_position()
    patches: list[dict[str, object]] = [{"digest": "1234"}, {"name": None}, {"personal_data": 1}]
    for bad in patches:
        r = await c.patch(f"/v1/datasets/{ok['id']}", json=bad, headers=ADMIN)
        assert r.status_code == 422, (bad, r.text)
    assert (await c.get(f"/v1/datasets/{ok['id']}", headers=VIEWER)).json()["record_version"] == 1
    assert (await c.get(f"/v1/datasets/{uuid4()}", headers=VIEWER)).status_code == 404
    assert await log.head_position() == head


async def test_the_default_policy_does_not_ask_for_training_data(registry):
    c = registry
    s = await register(c, eu_ai_act_tier="high")
    await add_version(c, s["id"])
    codes = {x["code"] for x in (await decide(c, s["id"])).json()["reasons"]}
    assert "training_data_missing" not in codes


def _policy_with_training_data(tmp: Path) -> Path:
    """The default policy plus the optional rule in the deployment approval."""
    text = DEFAULT_POLICY.read_text()
    text = text.replace(
        "  deployment_approval:            # A.6.2.5 deployment approval\n",
        "  deployment_approval:            # A.6.2.5 deployment approval\n"
        "    - rule: training_data_documented\n      tiers: [high]\n",
    )
    assert "training_data_documented\n      tiers" in text
    path = tmp / "policy.yaml"
    path.write_text(text.replace('version: "2025.2"', 'version: "2025.2-data"'))
    return path


async def test_the_optional_rule_asks_a_high_tier_version_for_its_training_data(service, tmp_path):
    async with service("registry", gate_policy_file=_policy_with_training_data(tmp_path)) as c:
        s = await register(c, eu_ai_act_tier="high")
        mv = (await add_version(c, s["id"])).json()["id"]
        await oversee(c, s["id"])
        d = (await decide(c, s["id"])).json()
        missing = [x for x in d["reasons"] if x["code"] == "training_data_missing"]
        assert missing and missing[0]["model_version_id"] == mv
        body = dataset(s["id"], mv, provenance="")
        r = await c.post("/v1/datasets", json=body, headers=OWNER)
        pos = int(r.headers["aims-position"])
        await caught_up(c, pos)
        d = (await decide(c, s["id"], min_position=pos)).json()
        assert "training_data_missing" in {x["code"] for x in d["reasons"]}
        r = await c.patch(f"/v1/datasets/{r.json()['id']}",
                          json={"provenance": "bought from a bureau, contract 2024-17"},
                          headers=OWNER)  # fmt: skip
        pos = int(r.headers["aims-position"])
        d = (await decide(c, s["id"], min_position=pos)).json()
        assert "training_data_missing" not in {x["code"] for x in d["reasons"]}
        assert f"dataset-{r.json()['id']}" in d["basis"]["streams"]
        limited = await register(c)
        await add_version(c, limited["id"])
        d = (await decide(c, limited["id"])).json()
        assert "training_data_missing" not in {x["code"] for x in d["reasons"]}
