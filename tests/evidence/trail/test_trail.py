"""The audit trail: decisions of all three services, filtered and paginated."""

from urllib.parse import quote

from tests.support.apps import auth
from tests.support.evidence import decisions

VIEWER = auth("vic", "viewer")


async def test_the_trail_shows_every_service_newest_first_with_actor_basis_and_links(
    service, store
):
    a, b, risk, head = await decisions(store)
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
    a, b, _, head = await decisions(store)
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
    a, _, _, head = await decisions(store)
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
