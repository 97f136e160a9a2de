"""Sign-in through a real OpenID provider (npm oidc-provider), the console run in-process."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import jwt
import pytest

from services.console.main import create
from services.console.routes import who
from shared.platform.config import Settings
from tests.support import oidc
from tests.support.apps import app_of

CONSOLE = "http://console"
CALLBACK = CONSOLE + "/login/oidc/callback"
CLIENT = "aims-console"
USERS = {"Erin-7f3": {"groups": ["aims-approvers", "not-mapped"], "name": "Erin Example"}}
ROLE_MAP = {"aims-approvers": ["approver", "viewer"], "aims-owners": "system_owner"}


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[oidc.Provider]:
    apps = [{"client_id": CLIENT, "redirect_uris": [CALLBACK]}]  # public: PKCE only
    p = oidc.Provider(oidc.install(), tmp_path_factory.mktemp("oidc"), {}, users=USERS, apps=apps)
    p.start([oidc.rsa_jwk("k1")])
    yield p
    p.stop()


@pytest.fixture
async def console(provider: oidc.Provider, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The console with sign-in at the provider (its services are never reached here)."""
    role_map = tmp_path / "roles.json"
    role_map.write_text(json.dumps(ROLE_MAP))
    app = create(Settings(
        oidc_issuer=provider.issuer, oidc_audience="urn:aims", oidc_role_map=role_map,
        console_oidc_client_id=CLIENT, console_oidc_name="Example ID",
    ))  # fmt: skip
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=CONSOLE) as c:
            vars(c)["app"] = app  # as tests/support/apps.app_of finds it
            yield c


def form_action(html: str) -> str:
    found = re.search(r'<form[^>]*action="([^"]+)"', html)
    assert found, html
    return found.group(1).replace("&amp;", "&")


async def started(console: httpx.AsyncClient) -> str:
    """The provider URL the sign-in button leads to (the pre-login cookie is now set)."""
    page = await console.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf and "Sign in with Example ID" in page.text
    r = await console.post("/login/oidc", data={"csrf": csrf.group(1)},
                           headers={"Origin": CONSOLE})  # fmt: skip
    assert r.status_code == 303, r.text
    return r.headers["location"]


async def at_provider(url: str, login: str = "Erin-7f3", consent: bool = True) -> str:
    """Log in and consent at the provider's own pages; the URL it sends the browser back to."""
    async with httpx.AsyncClient(timeout=30) as browser:
        r = await browser.get(url)
        while r.is_redirect and not r.headers["location"].startswith(CONSOLE):
            r = await browser.get(httpx.URL(str(r.url)).join(r.headers["location"]))
            if r.status_code == 200 and 'name="prompt" value="login"' in r.text:
                data = {"prompt": "login", "login": login, "password": "any"}
                r = await browser.post(r.url.join(form_action(r.text)), data=data)
            elif r.status_code == 200 and 'name="prompt" value="consent"' in r.text:
                if not consent:
                    r = await browser.get(str(r.url) + "/abort")
                    continue
                r = await browser.post(r.url.join(form_action(r.text)), data={"prompt": "consent"})
        assert r.is_redirect, r.text
        return str(r.headers["location"])


def b64json(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def error_of(r: httpx.Response) -> str:
    assert r.status_code == 303 and r.headers["location"].startswith("/login?error="), r.text
    assert "aims_token" not in r.headers.get("set-cookie", "")
    return unquote(r.headers["location"].split("error=", 1)[1])


async def test_the_login_page_offers_the_provider_beside_the_token_field(console, provider):
    r = await console.get("/login")
    assert 'id="token"' in r.text and "Sign in with Example ID" in r.text
    assert f"form-action 'self' {provider.issuer}" in r.headers["content-security-policy"]


async def test_signing_in_at_the_provider_keeps_its_access_token_with_the_mapped_roles(
    console, provider
):
    url = await started(console)
    asked = parse_qs(urlsplit(url).query)
    assert url.startswith(provider.issuer + "/auth?")
    assert asked["code_challenge_method"] == ["S256"] and asked["redirect_uri"] == [CALLBACK]
    assert asked["state"] and asked["nonce"] and asked["resource"] == ["urn:aims"]
    back = await at_provider(url)
    r = await console.get(back)
    assert r.status_code == 200, r.text
    assert 'http-equiv="refresh"' in r.text and "Erin-7f3" in r.text
    token = console.cookies["aims_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == "urn:aims" and claims["sub"] == "Erin-7f3"  # what the services take
    assert who(token, app_of(console))["roles"] == ["approver", "viewer"]


async def test_a_replayed_callback_signs_nobody_in(console):
    url = await started(console)
    attempt = console.cookies["aims_oidc"]
    back = await at_provider(url)
    assert (await console.get(back)).status_code == 200
    console.cookies.clear()
    assert "expired or was started in another browser" in error_of(await console.get(back))
    # With the pre-login cookie kept, the provider refuses the code it already exchanged.
    again = await console.get(back, headers={"Cookie": f"aims_oidc={attempt}"})
    assert "refused the sign-in code" in error_of(again)


async def test_an_answer_with_another_state_is_refused_and_the_login_page_says_why(console):
    back = await at_provider(await started(console))
    forged = re.sub(r"state=[^&]+", "state=someone-elses", back)
    why = error_of(await console.get(forged))
    assert "state does not match" in why
    page = await console.get("/login", params={"error": why})
    assert page.status_code == 200 and "state does not match" in page.text


async def test_a_denied_consent_is_said_on_the_login_page(console):
    back = await at_provider(await started(console), consent=False)
    assert "error=access_denied" in back
    assert "Sign-in cancelled" in error_of(await console.get(back))


@pytest.mark.parametrize("query", [
    "", "?code=x", "?state=x", "?error=server_error&error_description=down",
    "?code=" + "x" * 4000 + "&state=y",
])  # fmt: skip
async def test_a_callback_without_a_started_sign_in_is_a_message_not_an_error(console, query):
    for cookie in ("not-base64-json!", b64json([1]), b64json({"state": 1}), b64json(
        {"state": "x", "nonce": "n", "verifier": "v", "redirect_uri": "r", "expires": "later"}
    )):  # fmt: skip
        sent = {"Cookie": f"aims_oidc={cookie}"}
        assert error_of(await console.get("/login/oidc/callback" + query, headers=sent))


async def test_the_sign_in_button_only_works_from_the_console_own_page(console):
    r = await console.post("/login/oidc", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "aims_oidc" not in r.headers.get("set-cookie", "")


async def test_without_a_provider_there_is_no_button_and_no_flow():
    app = create(Settings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=CONSOLE) as c:
        assert "Sign in with" not in (await c.get("/login")).text
        assert (await c.post("/login/oidc")).status_code == 404
        assert error_of(await c.get("/login/oidc/callback?code=x&state=y"))
