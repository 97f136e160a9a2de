"""`GET /v1/coverage`: statuses follow the SoA, the evidence and the log as they change."""

from __future__ import annotations

import uuid

import pytest

from shared.kernel.eventstore import NewEvent
from tests.support.apps import auth
from tests.support.evidence import meta, register_system

AUDITOR = auth("ada", "auditor")
OWNER = auth("olivia", "system_owner")


async def soa_entry(store, control_id: str, status: str = "implemented") -> int:
    result = await store.append(f"soa-{uuid.uuid4()}", [NewEvent("SoAEntrySet", {
        "control_id": control_id, "applicable": True, "justification": "needed", "status": status,
        "owner": "rita",
    })], expected_version=0, metadata=meta("rita", "risk", "risk_officer"))  # fmt: skip
    return int(result.position)


async def record(c, controls: list[str], valid_until: str, systems: tuple[str, ...] = ()) -> int:
    r = await c.post("/v1/evidence", headers=OWNER, json={
        "kind": "document", "title": f"evidence for {controls}", "control_ids": controls,
        "system_ids": list(systems), "sha256": uuid.uuid4().hex * 2,
        "uri": "https://docs.example.com/x", "collected_at": "2025-01-01T00:00:00Z",
        "valid_until": valid_until,
    })  # fmt: skip
    assert r.status_code == 201, r.text
    return int(r.headers["AIMS-Position"])


async def coverage(c, position: int, **params):
    r = await c.get("/v1/coverage", headers=AUDITOR, params={"min_position": position, **params})
    assert r.status_code == 200, r.text
    return {row["id"]: row for row in r.json()["requirements"]}


async def test_a_control_goes_from_missing_to_expired_to_met_as_evidence_arrives(service, store):
    async with service("evidence") as c:
        pos = await soa_entry(store, "A.6.2.8")
        rows = await coverage(c, pos, framework="iso42001")
        assert rows["A.6.2.8"]["status"] == "missing"
        assert rows["A.6.2.8"]["sources"][0]["kind"] == "soa_entry"
        pos = await record(c, ["A.6.2.8"], "2025-06-01T00:00:00Z")
        rows = await coverage(c, pos, framework="iso42001")
        assert rows["A.6.2.8"]["status"] == "expired"
        assert (await coverage(c, pos, framework="eu-ai-act"))["Art. 12"]["status"] == "expired"
        pos = await record(c, ["A.6.2.8"], "2099-01-01T00:00:00Z")
        rows = await coverage(c, pos, framework="eu-ai-act")
        assert rows["Art. 12"]["status"] == "met"
        assert [s["status"] for s in rows["Art. 12"]["sources"] if s["kind"] == "evidence"] == [
            "current",
            "expired",
        ]


async def test_evidence_of_another_system_does_not_count_for_a_system(service, store):
    mine, other = (await register_system(store, owner="olivia"),
                   await register_system(store, owner="oscar", name="Chatbot"))  # fmt: skip
    async with service("evidence") as c:
        await soa_entry(store, "A.6.2.4")
        pos = await record(c, ["A.6.2.4"], "2099-01-01T00:00:00Z", (other,))
        assert (await coverage(c, pos, framework="iso42001",
                               system_id=other))["A.6.2.4"]["status"] == "met"  # fmt: skip
        assert (await coverage(c, pos, framework="iso42001",
                               system_id=mine))["A.6.2.4"]["status"] == "missing"  # fmt: skip
        pos = await record(c, ["A.6.2.4"], "2099-01-01T00:00:00Z")  # organisation-wide
        assert (await coverage(c, pos, framework="iso42001",
                               system_id=mine))["A.6.2.4"]["status"] == "met"  # fmt: skip


async def test_an_unknown_framework_or_system_is_refused(service):
    async with service("evidence") as c:
        r = await c.get("/v1/coverage", headers=AUDITOR, params={"framework": "sox"})
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        unknown = {"framework": "iso42001", "system_id": str(uuid.uuid4())}
        r = await c.get("/v1/coverage", headers=AUDITOR, params=unknown)
        assert r.status_code == 404 and r.json()["type"].endswith("system_not_found")
        assert (await c.get("/v1/coverage", headers=AUDITOR)).status_code == 422


@pytest.mark.parametrize("role", ["viewer", "system_owner", "approver", "mlops"])
async def test_coverage_is_for_auditors_admins_and_risk_officers(service, role):
    async with service("evidence") as c:
        r = await c.get("/v1/coverage", headers=auth("vic", role), params={"framework": "iso42001"})
        assert r.status_code == 403
        for allowed in ("auditor", "admin", "risk_officer"):
            r = await c.get("/v1/coverage", headers=auth("ada", allowed),
                            params={"framework": "nist-ai-rmf"})  # fmt: skip
            assert r.status_code == 200 and len(r.json()["requirements"]) == 72
