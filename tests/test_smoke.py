"""The registry app answers over ASGI with its conventions wired in."""

from tests.support.apps import auth


async def test_a_registered_system_can_be_read_back(service):
    async with service("registry") as c:
        r = await c.post(
            "/v1/systems",
            json={"name": "Credit scoring", "purpose": "score loans", "owner": "alice"},
            headers=auth("alice", "system_owner"),
        )
        assert r.status_code == 201, r.text
        got = await c.get(r.headers["location"], headers=auth("bob", "viewer"))
        assert got.json()["name"] == "Credit scoring"
        assert got.headers["etag"] == '"1"'
