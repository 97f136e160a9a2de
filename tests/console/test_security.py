"""The console in a browser's threat model: no login CSRF, Secure cookie over https, CSP."""

from __future__ import annotations

import httpx

from services.console.main import create
from services.sdk import AsyncAimsClient
from shared.platform.config import Settings
from tests.support.apps import SECRET, token

TOKEN = token("ada", "auditor")


def refuse_403(_: httpx.Request) -> httpx.Response:
    return httpx.Response(403, json={"detail": "roles ['viewer'] may not GET this"})


async def console(
    method: str, path: str, *, base: str = "http://console", handler=refuse_403, **kw
) -> httpx.Response:
    """One request to a console whose services answer with `handler`."""
    app = create(Settings(jwt_secret=SECRET))
    async with app.router.lifespan_context(app):
        await app.state.aims.close()
        app.state.aims = AsyncAimsClient("", retries=0, transport=httpx.MockTransport(handler))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base) as c:
            return await c.request(method, path, **kw)


async def login(headers: dict[str, str], base: str = "http://console") -> httpx.Response:
    return await console("POST", "/login", base=base, data={"token": TOKEN}, headers=headers)


async def test_a_cross_origin_sign_in_is_refused_and_sets_no_cookie():
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Origin": "http://console.evil.example"},
                    {"Referer": "https://evil.example/form"}):  # fmt: skip
        r = await login(headers)
        assert r.status_code == 403, headers
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"].endswith("/cross_origin")
        assert "set-cookie" not in r.headers


async def test_a_sign_in_from_the_console_own_page_is_accepted():
    for headers in ({"Origin": "http://console"}, {"Referer": "http://console/login"}, {}):
        r = await login(headers)
        assert r.status_code == 303 and r.headers["location"] == "/", headers
        assert "aims_token=" in r.headers["set-cookie"]


async def test_the_cookie_is_secure_over_https_and_behind_a_tls_proxy():
    direct = await login({"Origin": "https://console"}, base="https://console")
    proxied = await login({"Origin": "https://console", "X-Forwarded-Proto": "https"})
    plain = await login({"Origin": "http://console"})
    for r in (direct, proxied):
        cookie = r.headers["set-cookie"].lower()
        assert r.status_code == 303 and "; secure" in cookie and "httponly" in cookie
    assert "secure" not in plain.headers["set-cookie"].lower()
    behind_proxy = await login({"Origin": "http://console", "X-Forwarded-Proto": "https"})
    assert behind_proxy.status_code == 403, "the browser saw https, so an http origin is foreign"


async def test_every_page_sends_a_content_security_policy_that_forbids_framing():
    for method, path in (("GET", "/login"), ("GET", "/healthz"), ("GET", "/soa"),
                         ("POST", "/logout")):  # fmt: skip
        r = await console(method, path, cookies={"aims_token": TOKEN})
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, path
        assert r.headers["x-content-type-options"] == "nosniff"


async def test_the_integrity_page_tells_other_roles_it_is_for_auditors():
    viewer = token("vic", "viewer")
    r = await console("GET", "/integrity", cookies={"aims_token": viewer})
    assert r.status_code == 200
    assert 'id="integrity-restricted"' in r.text and "for auditors and admins" in r.text
    assert "viewer" in r.text
