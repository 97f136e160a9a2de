"""Responsibilities (RACI) of a system over HTTP: who sets them, how they read, bad input."""

from __future__ import annotations

from tests.support.apps import auth
from tests.support.registry import ADMIN, OWNER, VIEWER, register

BOB = auth("bob", "system_owner")
RACI = {"accountable": "Alice", "responsible": ["max", "rita"], "consulted": ["dpo"],
        "informed": ["board"]}  # fmt: skip


async def test_only_the_owner_or_an_admin_sets_the_responsibilities(registry):
    c = registry
    s = await register(c)
    url = f"/v1/systems/{s['id']}/responsibilities"
    before = (await c.get(url, headers=VIEWER)).json()
    assert before["assigned"] is False and before["version"] == 0
    assert (await c.put(url, json=RACI, headers=BOB)).status_code == 403
    assert (await c.put(url, json=RACI, headers=VIEWER)).status_code == 403
    r = await c.put(url, json=RACI, headers=OWNER)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["accountable"] == "alice" and got["responsible"] == ["max", "rita"]
    assert got["assigned"] is True and got["updated_by"] == "alice"
    assert r.headers["etag"] == '"1"' and "aims-position" in r.headers
    again = await c.put(url, json=RACI, headers=OWNER)
    assert again.json()["version"] == 1  # the same assignment records nothing
    by_admin = await c.put(url, json=RACI | {"informed": []}, headers=ADMIN)
    assert by_admin.json()["version"] == 2 and by_admin.json()["updated_by"] == "ada"
    then = await c.get(url, params={"as_of": got["updated_at"]}, headers=VIEWER)
    assert then.json()["informed"] == ["board"]
    # a stream of its own: the system's version (its ETag) does not move
    system = await c.get(f"/v1/systems/{s['id']}", headers=VIEWER)
    assert system.headers["etag"] == '"1"'


async def test_bad_responsibilities_are_a_422_that_writes_nothing(registry, log):
    c = registry
    s = await register(c)
    head = await log.head_position()
    url = f"/v1/systems/{s['id']}/responsibilities"
    for bad in (
        RACI | {"responsible": []},
        RACI | {"accountable": "  "},
        RACI | {"consulted": ["a", "A"]},
        RACI | {"extra": 1},
        {"responsible": ["max"]},
    ):
        r = await c.put(url, json=bad, headers=OWNER)
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await c.get(url, headers=VIEWER)).json()["version"] == 0
    assert await log.head_position() == head
    missing = "/v1/systems/00000000-0000-4000-8000-000000000000/responsibilities"
    assert (await c.put(missing, json=RACI, headers=ADMIN)).status_code == 404
    assert (await c.get(missing, headers=VIEWER)).status_code == 404
