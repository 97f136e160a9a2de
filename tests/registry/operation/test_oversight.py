"""Human oversight over HTTP: who may set it, how it reads, and the high tier's gate."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.apps import auth
from tests.support.operation import caught_up, oversee
from tests.support.registry import ADMIN, VIEWER, decide, register

BOB = auth("bob", "system_owner")


async def test_only_the_owner_or_an_admin_names_the_overseers(registry):
    c = registry
    s = await register(c)
    url = f"/v1/systems/{s['id']}/oversight"
    body = {"overseers": ["Olga ", "omar"], "measures": "reviews declines",
            "can_override": True, "stop_procedure": "flag off"}  # fmt: skip
    assert (await c.put(url, json=body, headers=BOB)).status_code == 403
    assert (await c.put(url, json=body, headers=VIEWER)).status_code == 403
    before = (await c.get(url, headers=VIEWER)).json()
    assert before["assigned"] is False and before["version"] == 0
    r = await oversee(c, s["id"], ["Olga ", "omar"])
    assert r.json()["overseers"] == ["olga", "omar"] and r.json()["assigned"] is True
    assert r.headers["etag"] == '"1"' and "aims-position" in r.headers
    again = await oversee(c, s["id"], ["olga", "omar"])
    assert again.json()["version"] == 1  # the same arrangement records nothing
    by_admin = await oversee(c, s["id"], ["olga"], headers=ADMIN)
    assert by_admin.json()["updated_by"] == "ada" and by_admin.json()["version"] == 2
    got = (await c.get(url, headers=VIEWER)).json()
    assert got["overseers"] == ["olga"] and got["can_override"] is True
    then = (await c.get(url, params={"as_of": r.json()["updated_at"]}, headers=VIEWER)).json()
    assert then["overseers"] == ["olga", "omar"]


async def test_oversight_of_an_unknown_system_is_a_404_and_names_count_once(registry):
    c = registry
    missing = "/v1/systems/00000000-0000-4000-8000-000000000000/oversight"
    assert (await c.get(missing, headers=VIEWER)).status_code == 404
    assert (await c.put(missing, json={"overseers": ["a"]}, headers=ADMIN)).status_code == 404
    s = await register(c)
    dup = await c.put(f"/v1/systems/{s['id']}/oversight", json={"overseers": ["b", "a", "A"]},
                      headers=ADMIN)  # fmt: skip
    assert dup.status_code == 200 and dup.json()["overseers"] == ["b", "a"]


async def test_a_high_tier_system_without_overseers_is_denied(registry):
    c = registry
    s = await register(c, eu_ai_act_tier="high")
    codes = {x["code"] for x in (await decide(c, s["id"])).json()["reasons"]}
    assert "oversight_missing" in codes
    pos = int((await oversee(c, s["id"])).headers["aims-position"])
    await caught_up(c, pos)
    d = (await decide(c, s["id"], min_position=pos)).json()
    assert "oversight_missing" not in {x["code"] for x in d["reasons"]}
    assert f"oversight-{s['id']}" in d["basis"]["streams"]
    pos = int((await oversee(c, s["id"], [])).headers["aims-position"])
    d = (await decide(c, s["id"], min_position=pos)).json()
    assert "oversight_missing" in {x["code"] for x in d["reasons"]}


async def test_a_limited_tier_system_needs_no_overseers(registry):
    c = registry
    s = await register(c)
    d = (await decide(c, s["id"])).json()
    assert "oversight_missing" not in {x["code"] for x in d["reasons"]}
    assert datetime.fromisoformat(d["expires_at"]) > datetime.now(UTC)
