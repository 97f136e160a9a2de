"""The console turns what the services answer into pages: sign in again, or an error page."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from services.console.main import create
from services.sdk import AsyncAimsClient
from shared.platform.config import Settings
from tests.support.apps import SECRET, token

Handler = Callable[[httpx.Request], httpx.Response]


async def get(handler: Handler, path: str, signed_in: bool = True) -> httpx.Response:
    """GET a console page whose services answer with `handler`."""
    app = create(Settings(jwt_secret=SECRET))
    async with app.router.lifespan_context(app):
        await app.state.aims.close()
        app.state.aims = AsyncAimsClient("", retries=0, transport=httpx.MockTransport(handler))
        cookies = {"aims_token": token("ada", "auditor")} if signed_in else {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console",
                                     cookies=cookies) as c:  # fmt: skip
            return await c.get(path)


async def test_an_anonymous_visitor_is_sent_to_sign_in():
    r = await get(lambda _: httpx.Response(500), "/", signed_in=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?error=please%20sign%20in"


async def test_a_token_the_services_refuse_sends_the_user_back_to_sign_in():
    r = await get(lambda _: httpx.Response(401, json={"detail": "invalid token"}), "/soa")
    assert r.status_code == 303 and r.headers["location"] == "/login?error=invalid%20token"
    assert 'aims_token=""' in r.headers["set-cookie"]


async def test_a_refusal_is_shown_with_its_status_and_a_failure_as_bad_gateway():
    r = await get(lambda _: httpx.Response(403, json={"detail": "auditors only"}), "/soa")
    assert r.status_code == 403 and "risk: auditors only" in r.text
    r = await get(lambda _: httpx.Response(500, json={"detail": "boom"}), "/integrity")
    assert r.status_code == 502 and "evidence: boom" in r.text


async def test_a_service_that_cannot_be_reached_is_a_bad_gateway_page():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    r = await get(refuse, "/soa")
    assert r.status_code == 502 and "the risk service cannot be reached" in r.text


async def test_an_unknown_system_is_a_not_found_page():
    r = await get(lambda _: httpx.Response(404, json={"detail": "no such system"}),
                  "/systems/00000000-0000-0000-0000-000000000000")  # fmt: skip
    assert r.status_code == 404 and "No such AI system." in r.text
