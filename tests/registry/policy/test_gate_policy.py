"""The gate policy in force changes only with a second person's approval."""

from __future__ import annotations

from services.registry.gate.domain import DEFAULT_POLICY, load_policy
from tests.support.approvals import approved
from tests.support.apps import auth
from tests.support.registry import ADMIN, VIEWER, add_version, decide, register

FILE = DEFAULT_POLICY.read_text()


def bumped(version: str = "2099-01-01") -> str:
    """The packaged policy under another version (any edit makes it another policy)."""
    lines = FILE.splitlines(keepends=True)
    return "".join(f'version: "{version}"\n' if line.startswith("version:") else line
                   for line in lines)  # fmt: skip


async def test_a_fresh_installation_runs_its_file_and_a_new_policy_waits_for_approval(
    service, pool
):
    async with service("registry") as c:
        await _lifecycle(c, pool)


async def _lifecycle(c, pool):
    got = (await c.get("/v1/gate-policy", headers=VIEWER)).json()
    assert (got["source"], got["sha256"]) == ("file", load_policy().sha256)
    same = await c.put("/v1/gate-policy", json={"document": FILE}, headers=ADMIN)
    assert same.status_code == 200 and same.json()["source"] == "file"

    before = await pool.fetchval("SELECT count(*) FROM events")
    for bad in ("version: [", "transitions: {}\n", 'version: "x"\ngates: {design: [{rule: nope}]}'):
        r = await c.put("/v1/gate-policy", json={"document": bad}, headers=ADMIN)
        assert r.status_code == 422 and r.json()["type"].endswith("invalid_policy"), r.text
    owner = await c.put(
        "/v1/gate-policy", json={"document": bumped()}, headers=auth("o", "system_owner")
    )
    assert owner.status_code == 403
    assert await pool.fetchval("SELECT count(*) FROM events") == before

    proposed = await c.put("/v1/gate-policy", json={"document": bumped()}, headers=ADMIN)
    assert proposed.status_code == 202 and proposed.json()["decision"] == "gate_policy.change"
    got = (await c.get("/v1/gate-policy", headers=VIEWER)).json()
    assert got["source"] == "file" and got["pending_approval"] == proposed.json()["href"]
    again = await c.put("/v1/gate-policy", json={"document": bumped("2100")}, headers=ADMIN)
    assert again.status_code == 409 and again.json()["type"].endswith("approval_pending")
    own = await c.post(f"{proposed.json()['href']}/approve", json={}, headers=ADMIN)
    assert own.status_code == 403 and own.json()["relation"] == "requester"
    await approved(c, proposed)

    got = (await c.get("/v1/gate-policy", headers=VIEWER)).json()
    assert (got["source"], got["version"]) == ("adopted", "2099-01-01")
    assert got["document"] == bumped()
    # The gate decides under the adopted policy from the next request on.
    s = await register(c)
    await add_version(c, s["id"])
    d = (await decide(c, s["id"], min_position=s["aims_position"])).json()
    version = await pool.fetchval(
        "SELECT data::jsonb->>'policy_version' FROM events"
        " WHERE type = 'DeploymentDecisionMade' ORDER BY position DESC LIMIT 1"
    )
    assert version == "2099-01-01", d
