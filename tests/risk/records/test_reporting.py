"""The management records in the `reporting` views, and replays that rebuild them exactly."""

import asyncpg

from services.risk.competence.projections import TrainingList
from services.risk.objectives.projections import ObjectiveList
from services.risk.policies.projections import PolicyList
from services.risk.roles.projections import RoleList
from services.risk.scope.projections import PartyList, ScopeStatement
from services.risk.suppliers.projections import SupplierList
from shared.kernel.projections import replay
from tests.support.evidence import register_system
from tests.support.records import APPROVER, OFFICER, VIEWER, days, iso, ok

MINE = [PolicyList(), RoleList(), TrainingList(), ObjectiveList(), SupplierList(), PartyList(),
        ScopeStatement()]  # fmt: skip


async def seed(c, sid: str) -> int:
    """One of each record, approved where they are approved; the log position reached."""
    role = {"name": "Model validator", "competences": ["bias-testing", "eu-ai-act"],
            "members": ["vic", "ann"]}  # fmt: skip
    ok(await c.post("/v1/ai-roles", json=role, headers=OFFICER), 201)
    ok(await c.post("/v1/training-records", headers=OFFICER, json={
        "person": "ann", "competence": "bias-testing", "completed_at": iso(days(-3)),
        "expires_at": iso(days(300))}), 201)  # fmt: skip
    ok(await c.post("/v1/training-records", headers=OFFICER, json={
        "person": "ann", "competence": "eu-ai-act", "completed_at": iso(days(-300)),
        "expires_at": iso(days(-1))}), 201)  # fmt: skip
    p = ok(await c.post("/v1/policies", json={"title": "AI policy", "body": "text"},
                        headers=OFFICER), 201)  # fmt: skip
    ok(await c.post(f"/v1/policies/{p['id']}/approve", headers=APPROVER))
    ok(await c.post(f"/v1/policies/{p['id']}/acknowledgements", headers=VIEWER), 201)
    o = ok(await c.post("/v1/objectives", headers=OFFICER, json={
        "title": "Recall", "measure": "recall on the holdout set", "target": 0.9,
        "baseline": 0.8, "due": days(30).date().isoformat(), "owner": "ann",
        "system_ids": [sid]}), 201)  # fmt: skip
    ok(await c.post(f"/v1/objectives/{o['id']}/measurements", headers=OFFICER,
                    json={"value": 0.85, "measured_at": iso(days(-1))}), 201)  # fmt: skip
    ok(await c.post("/v1/suppliers", headers=OFFICER, json={
        "name": "Labels Ltd", "services": ["labelling"], "due_diligence": "passed",
        "system_ids": [sid]}), 201)  # fmt: skip
    ok(
        await c.post(
            "/v1/interested-parties",
            headers=OFFICER,
            json={
                "name": "Regulator",
                "kind": "regulator",
                "requirements": [{"requirement": "Incident reports", "source": "Art. 73"}],
            },
        ),
        201,
    )
    ok(await c.put("/v1/scope", json={"statement": "All AI", "system_ids": [sid]},
                   headers=OFFICER), 201)  # fmt: skip
    r = await c.post("/v1/scope/approve", headers=APPROVER)
    ok(r)
    return int(r.headers["aims-position"])


async def test_the_reporting_views_show_the_management_records(service, store, database):
    sid = await register_system(store, owner="olga", name="Credit scoring")
    async with service("risk") as c, service("registry") as registry:
        head = await seed(c, sid)
        ok(await c.get(f"/v1/policies?min_position={head}", headers=VIEWER))
        ok(await registry.get(f"/v1/systems?min_position={head}", headers=VIEWER))
        status = ok(await c.get("/v1/objectives", headers=VIEWER))["items"][0]["status"]
    conn = await asyncpg.connect(database.admin_url)
    try:
        await conn.execute("SET ROLE aims_reporting")
        policy = await conn.fetchrow("SELECT * FROM reporting.ai_policies")
        assert (policy["in_force_version"], policy["approved_by"], policy["acknowledgements"],
                policy["review_due"]) == (1, "alex", 1, False)  # fmt: skip
        ack = await conn.fetchrow("SELECT * FROM reporting.policy_acknowledgements")
        assert (ack["person"], ack["in_force"]) == ("vic", True)
        gaps = {(r["person"], r["competence"]): r["status"]
                for r in await conn.fetch("SELECT * FROM reporting.competence_gaps")}  # fmt: skip
        assert gaps == {
            ("ann", "bias-testing"): "current",
            ("ann", "eu-ai-act"): "expired",
            ("vic", "bias-testing"): "missing",
            ("vic", "eu-ai-act"): "missing",
        }
        objective = await conn.fetchrow("SELECT * FROM reporting.ai_objectives")
        assert objective["status"] == status and objective["latest_value"] == 0.85
        assert await conn.fetchval("SELECT count(*) FROM reporting.objective_measurements") == 1
        supplier = await conn.fetchrow("SELECT * FROM reporting.suppliers")
        assert (supplier["approval_status"], supplier["review_due"]) == ("pending", False)
        party = await conn.fetchrow("SELECT * FROM reporting.interested_parties")
        assert party["requirement_count"] == 1
        assert (await conn.fetchrow("SELECT * FROM reporting.aims_scope"))["in_force_version"] == 1
        in_scope = await conn.fetch("SELECT * FROM reporting.aims_scope_systems")
        assert [(str(r["system_id"]), r["system_name"]) for r in in_scope] == [
            (sid, "Credit scoring")
        ]
        assert await conn.fetchval("SELECT count(*) FROM reporting.ai_roles") == 1
        assert await conn.fetchval("SELECT count(*) FROM reporting.training_records") == 2
    finally:
        await conn.close()


async def test_replaying_the_log_rebuilds_the_same_read_models(service, store, pool):
    sid = await register_system(store, owner="olga")
    async with service("risk") as c:
        head = await seed(c, sid)
        ok(await c.get(f"/v1/policies?min_position={head}", headers=VIEWER))
    before = await _fingerprint(pool)  # the service (and its runner's locks) stopped
    await replay(pool, MINE, batch=3)
    assert await _fingerprint(pool) == before
    await replay(pool, MINE)  # the whole log in one batch
    assert await _fingerprint(pool) == before


async def _fingerprint(pool) -> dict[str, str]:
    out = {}
    for table in (t for p in MINE for t in p.tables):
        out[table] = await pool.fetchval(
            f"SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t"
        )
    return out
