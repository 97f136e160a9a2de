"""Suppliers over HTTP: due diligence, approval by someone else, reviews, links to risks."""

import uuid
from datetime import UTC, datetime, timedelta

from shared.kernel.eventstore import NewEvent
from tests.support.apps import auth
from tests.support.records import (
    APPROVER,
    BOTH,
    OFFICER,
    OWNER,
    VIEWER,
    caught_up,
    event_count,
    iso,
    ok,
)
from tests.support.risk import risk_body

SYSTEM = str(uuid.uuid4())


def supplier(**over):
    body = {
        "name": "Hosted LLM Inc.",
        "services": ["hosted large language model", "fine-tuning"],
        "contract_ref": "MSA-2025-007",
        "due_diligence": "in_progress",
        "review_every_days": 180,
        "system_ids": [SYSTEM],
    }
    return {**body, **over}


async def new_risk(c) -> str:
    r = await c.post("/v1/risks", json=risk_body(uuid.UUID(SYSTEM)), headers=OFFICER)
    return str(ok(r, 201)["id"])


async def test_a_supplier_is_approved_once_due_diligence_passed_by_someone_who_did_not_write_it(
    service,
):
    async with service("risk") as c:
        risk = await new_risk(c)
        r = await c.post("/v1/suppliers", json=supplier(risk_ids=[risk]), headers=BOTH)
        s = ok(r, 201)
        assert (s["owner"], s["author"], s["risk_ids"], s["approval_status"]) == (
            "bob", "bob", [risk], "pending",
        )  # fmt: skip
        due = datetime.fromisoformat(s["next_review_at"])
        assert abs(due - (datetime.now(UTC) + timedelta(days=180))) < timedelta(minutes=1)
        url = f"/v1/suppliers/{s['id']}"
        early = await c.post(f"{url}/approve", headers=APPROVER)
        assert early.status_code == 409 and early.json()["type"].endswith("not_passed")
        review = await c.post(f"{url}/reviews", json={"due_diligence": "passed",
                                                      "comment": "SOC 2 report read"},
                              headers=OWNER)  # fmt: skip
        assert (
            ok(review, 201)["due_diligence"] == "passed" and review.json()["reviewed_by"] == "olga"
        )
        own = await c.post(f"{url}/approve", headers=BOTH)
        assert own.status_code == 403 and own.json()["relation"] == "author"
        assert (await c.post(f"{url}/approve", headers=OWNER)).status_code == 403
        r = await c.post(f"{url}/approve", json={"comment": "ok"}, headers=APPROVER)
        assert ok(r)["approval_status"] == "approved" and r.json()["approved_by"] == "alex"
        listed = await caught_up(c, f"/v1/suppliers?risk_id={risk}&approval_status=approved", r)
        assert [i["id"] for i in listed["items"]] == [s["id"]]
        revised = await c.put(
            url,
            json=supplier(due_diligence="passed", risk_ids=[risk], contract_ref="MSA-2025-008"),
            headers=OFFICER,
        )
        assert ok(revised)["approval_status"] == "pending" and revised.json()["owner"] == "bob"
        reviser = await c.post(f"{url}/approve", headers=auth("rita", "risk_officer", "approver"))
        assert reviser.status_code == 403 and reviser.json()["relation"] == "revisers"
        again = ok(await c.post(f"{url}/approve", headers=APPROVER))
        assert again["approval_status"] == "approved"
        failed = await c.post(f"{url}/reviews", json={"due_diligence": "failed"}, headers=OWNER)
        assert ok(failed, 201)["approval_status"] == "pending"
        by_system = await caught_up(c, f"/v1/suppliers?system_id={SYSTEM}", failed)
        row = by_system["items"][0]
        assert (row["due_diligence"], row["approval_status"], row["review_due"]) == (
            "failed", "pending", False,
        )  # fmt: skip
        gone = await c.post(f"{url}/retire", json={"reason": "contract ended"}, headers=OWNER)
        assert ok(gone)["status"] == "retired"
        assert (await c.post(f"{url}/reviews", json={"due_diligence": "passed"},
                             headers=OWNER)).status_code == 409  # fmt: skip


async def test_suppliers_past_their_review_are_listed_as_review_due(service, store):
    async with service("risk") as c:
        ok(await c.post("/v1/suppliers", json=supplier(), headers=OFFICER), 201)
        old = uuid.uuid4()
        data = {**supplier(), "supplier_id": str(old), "owner": "rita", "registered_by": "rita",
                "next_review_at": iso(datetime.now(UTC) - timedelta(days=1))}  # fmt: skip
        meta = {"actor": {"sub": "rita", "roles": ["risk_officer"]}, "source": "risk"}
        await store.append(f"supplier-{old}", [NewEvent("SupplierRegistered", data)],
                           expected_version=0, metadata=meta)  # fmt: skip
        head = await store.head_position()
        due = ok(await c.get(f"/v1/suppliers?review_due=true&min_position={head}", headers=VIEWER))
        assert [s["id"] for s in due["items"]] == [str(old)]
        assert ok(await c.get(f"/v1/suppliers/{old}", headers=VIEWER))["review_due"] is True
        r = await c.post(f"/v1/suppliers/{old}/reviews", json={"due_diligence": "in_progress"},
                         headers=OFFICER)  # fmt: skip
        assert ok(r, 201)["review_due"] is False
        assert (await caught_up(c, "/v1/suppliers?review_due=true", r))["items"] == []


async def test_bad_suppliers_get_422_and_write_nothing(service, pool):
    async with service("risk") as c:
        before = await event_count(pool)
        for body in (supplier(risk_ids=[str(uuid.uuid4())]), supplier(services=[]),
                     supplier(due_diligence="fine"), supplier(review_every_days=0),
                     supplier(name=" "), supplier(system_ids=[SYSTEM, SYSTEM])):  # fmt: skip
            r = await c.post("/v1/suppliers", json=body, headers=OFFICER)
            assert r.status_code == 422, body
        unknown = await c.post("/v1/suppliers", json=supplier(risk_ids=[str(uuid.uuid4())]),
                               headers=OFFICER)  # fmt: skip
        assert unknown.json()["type"].endswith("unknown_risk")
        assert unknown.json()["errors"][0]["loc"] == ["body", "risk_ids", 0]
        assert (await c.post("/v1/suppliers", json=supplier(), headers=VIEWER)).status_code == 403
        assert await event_count(pool) == before
