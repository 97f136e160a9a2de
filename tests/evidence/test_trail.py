"""The audit trail: decisions of all three services, filtered and paginated."""

import uuid
from urllib.parse import quote

from shared.kernel.eventstore import NewEvent
from tests.evidence.support import meta, register_system
from tests.support.apps import auth

VIEWER = auth("vic", "viewer")


async def _decisions(store):
    """Events of registry, risk and evidence about two systems, by several people."""
    a = await register_system(store, owner="olivia", name="Credit")
    b = await register_system(store, owner="oscar", name="Chatbot")
    await store.append(
        f"system-{a}",
        [
            NewEvent(
                "SystemStageChanged",
                {
                    "system_id": a,
                    "frm": "inception",
                    "to": "design",
                    "reason": "ready",
                    "policy_version": "1",
                    "policy_hash": "abc",
                    "basis": {f"risk-{a}": 3},
                },
            )
        ],
        expected_version=1,
        metadata=meta("olivia", "registry", "system_owner"),
    )
    risk = str(uuid.uuid4())
    await store.append(
        f"risk-{risk}",
        [
            NewEvent(
                "RiskIdentified",
                {
                    "risk_id": risk,
                    "system_id": a,
                    "title": "bias",
                    "category": "fairness",
                    "affects": ["individuals"],
                    "likelihood": 3,
                    "consequence": 4,
                    "level": "high",
                    "criteria_version": 1,
                    "owner": "rita",
                },
            )
        ],
        expected_version=0,
        metadata=meta("rita", "risk", "risk_officer"),
    )
    acc = str(uuid.uuid4())
    await store.append(
        f"acceptance-{acc}",
        [
            NewEvent(
                "AcceptanceApproved",
                {
                    "acceptance_id": acc,
                    "risk_id": risk,
                    "system_id": a,
                    "risk_version": 1,
                    "approved_by": "amy",
                    "expires_at": "2026-01-01T00:00:00Z",
                },
            )
        ],
        expected_version=None,
        metadata=meta("amy", "risk", "approver"),
    )
    await store.append(
        f"soa-{uuid.uuid4()}",
        [
            NewEvent(
                "SoAEntrySet",
                {
                    "control_id": "A.6.2.4",
                    "applicable": True,
                    "justification": "we test",
                    "status": "implemented",
                },
            )
        ],
        expected_version=0,
        metadata=meta("rita", "risk"),
    )
    ev = str(uuid.uuid4())
    await store.append(
        f"evidence-{ev}",
        [
            NewEvent(
                "EvidenceRecorded",
                {
                    "evidence_id": ev,
                    "kind": "test_report",
                    "title": "bias test",
                    "system_ids": [a, b],
                    "control_ids": ["A.6.2.4"],
                    "sha256": "a" * 64,
                    "uri": "s3://x",
                    "collected_at": "2025-01-01T00:00:00Z",
                },
            )
        ],
        expected_version=0,
        metadata=meta("mo", "evidence", "mlops"),
    )
    return a, b, risk, await store.head_position()


async def test_the_trail_shows_every_service_newest_first_with_actor_basis_and_links(
    service, store
):
    a, b, risk, head = await _decisions(store)
    async with service("evidence") as c:
        r = await c.get(f"/v1/audit-trail?min_position={head}", headers=VIEWER)
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        assert [i["position"] for i in items] == list(range(head, 0, -1))
        assert {i["source"] for i in items} == {"registry", "risk", "evidence"}
        stage = next(i for i in items if i["type"] == "SystemStageChanged")
        assert stage["actor"] == "olivia" and stage["basis"] == {f"risk-{a}": 3}
        assert stage["summary"] == "lifecycle inception -> design: ready"
        accepted = next(i for i in items if i["type"] == "AcceptanceApproved")
        assert accepted["links"]["risk_id"] == risk and accepted["basis"] == {"risk_version": 1}


async def test_the_trail_filters_by_system_actor_type_and_time(service, store):
    a, b, _, head = await _decisions(store)
    async with service("evidence") as c:
        base = f"/v1/audit-trail?min_position={head}"

        async def types(query):
            r = await c.get(base + query, headers=VIEWER)
            assert r.status_code == 200, r.text
            return [i["type"] for i in r.json()["items"]]

        assert await types(f"&system_id={b}") == ["EvidenceRecorded", "SystemRegistered"]
        assert await types(f"&system_id={a}&actor=olivia") == [
            "SystemStageChanged",
            "SystemRegistered",
        ]
        assert await types("&actor=rita") == ["SoAEntrySet", "RiskIdentified"]
        assert await types("&type=SoAEntrySet&type=AcceptanceApproved") == [
            "SoAEntrySet",
            "AcceptanceApproved",
        ]
        everything = (await c.get(base, headers=VIEWER)).json()["items"]
        middle = everything[3]["recorded_at"]
        newer = (await c.get(f"{base}&from={quote(middle)}", headers=VIEWER)).json()["items"]
        older = (await c.get(f"{base}&to={quote(middle)}", headers=VIEWER)).json()["items"]
        assert all(i["recorded_at"] >= middle for i in newer)
        assert all(i["recorded_at"] <= middle for i in older)
        assert len({i["position"] for i in newer} | {i["position"] for i in older}) == head
        assert (await c.get(base + "&from=2999-01-01T00:00:00Z", headers=VIEWER)).json()[
            "items"
        ] == []


async def test_the_trail_pages_with_a_cursor_under_every_filter(service, store):
    a, _, _, head = await _decisions(store)
    async with service("evidence") as c:
        for query in ("", f"&system_id={a}"):
            seen, cursor = [], None
            while True:
                url = f"/v1/audit-trail?limit=2&min_position={head}{query}"
                r = await c.get(url + (f"&cursor={cursor}" if cursor else ""), headers=VIEWER)
                page = r.json()
                seen += [i["position"] for i in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen))
            assert len(seen) == (head if not query else 5)
        bad = await c.get("/v1/audit-trail?cursor=%%%", headers=VIEWER)
        assert bad.status_code == 400
