"""The `reporting` schema: documented read-only views over the read models, and their role."""

from __future__ import annotations

import asyncpg
import pytest

from tests.support.apps import auth

OWNER = auth("olga", "system_owner")
OFFICER = auth("rita", "risk_officer")
SHA = "ab" * 32


async def as_reporting(database) -> asyncpg.Connection:
    conn = await asyncpg.connect(database.admin_url)
    await conn.execute("SET ROLE aims_reporting")
    return conn


async def seed(service) -> tuple[str, int]:
    async with service("registry") as reg, service("risk") as risk, service("evidence") as ev:
        r = await reg.post("/v1/systems", headers=OWNER, json={
            "name": "Credit scoring", "purpose": "score loans", "owner": "olga",
            "eu_ai_act_tier": "high"})  # fmt: skip
        assert r.status_code == 201, r.text
        sid = r.json()["id"]
        r = await risk.post("/v1/risks", headers=OFFICER, json={
            "system_id": sid, "title": "Bias", "category": "fairness", "likelihood": 4,
            "consequence": 4, "affects": ["groups"], "owner": "olga"})  # fmt: skip
        assert r.status_code == 201, r.text
        r = await risk.put("/v1/soa/controls/A.6.2.4", headers=OFFICER, json={
            "applicable": True, "justification": "we validate models"})  # fmt: skip
        assert r.status_code == 200, r.text
        r = await ev.post("/v1/evidence", headers=OWNER, json={
            "kind": "test_report", "title": "Validation", "system_ids": [sid],
            "control_ids": ["A.6.2.4"], "sha256": SHA, "uri": "https://x/validation"})  # fmt: skip
        assert r.status_code == 201, r.text
        head = int(r.headers["aims-position"])
        for client, path in ((reg, "/v1/systems"), (risk, "/v1/risks"), (ev, "/v1/evidence")):
            assert (
                await client.get(f"{path}?min_position={head}", headers=OWNER)
            ).status_code == 200
    return sid, head


async def test_reporting_views_show_what_the_services_recorded(service, database):
    sid, head = await seed(service)
    conn = await as_reporting(database)
    try:
        system = await conn.fetchrow("SELECT * FROM reporting.ai_systems")
        assert (str(system["system_id"]), system["eu_ai_act_tier"], system["stage"]) == (
            sid,
            "high",
            "inception",
        )
        risk = await conn.fetchrow("SELECT * FROM reporting.risks")
        assert (risk["system_name"], risk["inherent_level"], risk["current_level"],
                risk["above_appetite"]) == ("Credit scoring", "high", "high", True)  # fmt: skip
        soa = {r["control_id"]: r for r in await conn.fetch("SELECT * FROM reporting.soa_coverage")}
        assert len(soa) == 38
        assert soa["A.6.2.4"]["applicable"] is True
        assert soa["A.6.2.4"]["evidence_status"] == "current"
        assert soa["A.2.2"]["decided"] is False and soa["A.2.2"]["evidence_status"] == "missing"
        ev = await conn.fetchrow("SELECT * FROM reporting.evidence")
        assert ev["status"] == "current" and ev["control_ids"] == ["A.6.2.4"]
        types = [r["type"] for r in await conn.fetch(
            "SELECT type FROM reporting.audit_trail ORDER BY position")]  # fmt: skip
        assert types[:2] == ["SystemRegistered", "RiskIdentified"] and len(types) == head
        for view in (
            "risk_acceptances",
            "impact_assessments",
            "gate_decisions",
            "audits",
            "audit_findings",
            "nonconformities",
            "management_reviews",
        ):
            assert await conn.fetchval(f"SELECT count(*) FROM reporting.{view}") == 0
    finally:
        await conn.close()


async def test_every_reporting_view_and_column_is_documented(database):
    conn = await asyncpg.connect(database.admin_url)
    try:
        undocumented = await conn.fetch(
            "SELECT c.relname, a.attname FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'reporting'"
            " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0"
            " WHERE col_description(c.oid, a.attnum) IS NULL OR obj_description(c.oid) IS NULL"
        )
        views = await conn.fetchval(
            "SELECT count(*) FROM pg_views WHERE schemaname = 'reporting'")  # fmt: skip
        settings = await conn.fetchval(
            "SELECT rolconfig FROM pg_roles WHERE rolname = 'aims_reporting'")  # fmt: skip
    finally:
        await conn.close()
    assert undocumented == [] and views >= 12
    assert "default_transaction_read_only=on" in settings


@pytest.mark.parametrize("sql", [
    "SELECT * FROM public.events",
    "SELECT * FROM public.registry_system",
    "INSERT INTO reporting.management_reviews (title) VALUES ('x')",
    "DELETE FROM reporting.ai_systems",
    "CREATE TABLE reporting.mine (x int)",
    "CREATE TABLE public.mine (x int)",
])  # fmt: skip
async def test_the_reporting_role_reads_the_views_and_nothing_else(database, sql):
    conn = await as_reporting(database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM reporting.soa_coverage") == 38
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(sql)
    finally:
        await conn.close()
