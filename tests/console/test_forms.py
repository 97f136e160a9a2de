"""The console's forms against services answering through `httpx.MockTransport`: CSRF and
Origin checks, the Idempotency-Key of the rendered form, refusals beside their fields."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

from services.console.main import create
from services.sdk import AsyncAimsClient
from shared.platform.config import Settings
from tests.support.apps import SECRET, token

Handler = Callable[[httpx.Request], httpx.Response]
OLGA = token("olga", "system_owner")
SYSTEM = {"id": "0b1e0c4e-5c0f-4b7e-9a55-3c3f2d9f7a10", "name": "Loan triage", "version": 1}


@asynccontextmanager
async def console(handler: Handler) -> AsyncIterator[httpx.AsyncClient]:
    """Olga's browser on a console whose services answer with `handler`."""
    app = create(Settings(jwt_secret=SECRET))
    async with app.router.lifespan_context(app):
        await app.state.aims.close()
        app.state.aims = AsyncAimsClient("", retries=0, transport=httpx.MockTransport(handler))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console",
                                     cookies={"aims_token": OLGA}) as c:  # fmt: skip
            yield c


def hidden(page: str, name: str) -> str:
    found = re.search(rf'<form method="post" action="/systems/new".*?name="{name}" value="([^"]*)"',
                      page, re.S)  # fmt: skip
    assert found, name
    return found.group(1)


def lists_empty(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"items": [], "next_cursor": None})


async def test_the_form_key_is_the_idempotency_key_and_the_write_carries_the_user_token():
    writes: list[httpx.Request] = []

    def services(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            writes.append(request)
            return httpx.Response(201, json=SYSTEM)
        return lists_empty(request)

    async with console(services) as c:
        page = (await c.get("/systems/new")).text
        assert '<label for="f-name">Name' in page and '<label for="f-owner">Owner' in page
        form = {"csrf": hidden(page, "csrf"), "idempotency_key": hidden(page, "idempotency_key"),
                "name": "Loan triage", "purpose": "Sort", "owner": "olga",
                "eu_ai_act_tier": "unassessed", "provider_role": "provider"}  # fmt: skip
        for _ in range(2):  # a double click
            r = await c.post("/systems/new", data=form, headers={"Origin": "http://console"})
            assert r.status_code == 303 and r.headers["location"] == f"/systems/{SYSTEM['id']}"
    assert {w.headers["idempotency-key"] for w in writes} == {form["idempotency_key"]}
    assert all(w.headers["authorization"] == f"Bearer {OLGA}" for w in writes)


async def test_a_form_without_the_session_token_or_from_another_origin_writes_nothing():
    writes: list[httpx.Request] = []

    def services(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            writes.append(request)
        return lists_empty(request)

    async with console(services) as c:
        page = (await c.get("/systems/new")).text
        good = {"csrf": hidden(page, "csrf"), "name": "x", "purpose": "y", "owner": "olga"}
        stale = await c.post("/systems/new", data={**good, "csrf": "0" * 64},
                             headers={"Origin": "http://console"})  # fmt: skip
        foreign = await c.post("/systems/new", data=good,
                               headers={"Origin": "https://evil.example"})  # fmt: skip
    assert stale.status_code == 403 and "session token" in stale.text
    assert foreign.status_code == 403 and "another origin" in foreign.text
    assert writes == []


async def test_a_refusal_is_shown_beside_the_field_it_names():
    problem = {"type": "https://aims.dev/problems/validation", "status": 422,
               "detail": "invalid request: purpose",
               "errors": [{"loc": ["body", "purpose"], "msg": "String should have at least 1 "
                           "character", "type": "string_too_short"}]}  # fmt: skip

    def services(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(422, json=problem)
        return lists_empty(request)

    async with console(services) as c:
        page = (await c.get("/systems/new")).text
        form = {"csrf": hidden(page, "csrf"), "idempotency_key": "k-1", "name": "Loan triage",
                "purpose": "", "owner": "olga"}  # fmt: skip
        r = await c.post("/systems/new", data=form, headers={"Origin": "http://console"})
    assert r.status_code == 422
    field = re.search(r'<div class="field invalid" data-field="purpose">.*?</div>', r.text, re.S)
    assert field and 'aria-invalid="true"' in field.group(0)
    assert 'id="e-purpose">String should have at least 1 character' in field.group(0)
    assert 'value="Loan triage"' in r.text, "what the user typed is kept"
    assert 'value="k-1"' not in r.text, "a corrected form is another write"
