"""Signing in to the console at a real OpenID provider, in headless Chromium.

One stack: the provider (npm oidc-provider, with the console as a confidential client that
must use PKCE), the three services taking only its tokens, and the console.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from services.sdk import AimsClient
from tests.console.test_console_browser import ARGS, CHROMIUM, chromium_or_skip
from tests.console.test_workbench_browser import AXE
from tests.support import oidc, pg
from tests.support.console import SERVICES, Stack
from tests.support.procs import free_port, spawn

CLIENT, SECRET = "aims-console", "console-secret-0123456789"
ERIN = "Erin-7f3"  # the person's `sub` at the provider, as the services record it
USERS = {ERIN: {"groups": ["aims-approvers", "aims-owners"], "name": "Erin Example"}}
PEOPLE = {"olga": {"groups": ["aims-owners"]}, "rita": {"groups": ["aims-risk"]},
          "ada": {"groups": ["aims-auditors"]}}  # fmt: skip
ROLE_MAP = {"aims-approvers": "approver", "aims-owners": "system_owner",
            "aims-risk": "risk_officer", "aims-auditors": "auditor"}  # fmt: skip
RISK = "Opaque scoring of gig-economy applicants"


@pytest.fixture(scope="module")
def site(pg_server: pg.Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The provider, the services on a database of their own, and the console, all running."""
    work = tmp_path_factory.mktemp("oidc-site")
    console_port = free_port()
    console = f"http://127.0.0.1:{console_port}"
    provider = oidc.Provider(
        oidc.install(), work, PEOPLE, users=USERS,
        apps=[{"client_id": CLIENT, "client_secret": SECRET,
               "redirect_uris": [console + "/login/oidc/callback"]}],
    )  # fmt: skip
    provider.start([oidc.rsa_jwk("k1")])
    (work / "roles.json").write_text(json.dumps(ROLE_MAP))
    env = {"AIMS_OIDC_ISSUER": provider.issuer, "AIMS_OIDC_AUDIENCE": "urn:aims",
           "AIMS_OIDC_ROLE_MAP": str(work / "roles.json")}  # fmt: skip
    database = asyncio.run(pg.create_database(pg_server))
    stack = Stack(database, work / "data")
    stack.data_dir.mkdir()
    try:
        for s in SERVICES:
            stack.ports[s] = free_port()
            stack.procs.append(spawn(s, database.url, stack.ports[s], stack.data_dir, **env))
        stack.ports["console"] = console_port
        stack.procs.append(spawn(
            "console", database.url, console_port, stack.data_dir, **env,
            AIMS_CONSOLE_OIDC_CLIENT_ID=CLIENT, AIMS_CONSOLE_OIDC_CLIENT_SECRET=SECRET,
            AIMS_CONSOLE_OIDC_NAME="Example ID", AIMS_CONSOLE_URL=console,
            **{f"AIMS_{s.upper()}_URL": stack.url(s) for s in SERVICES},
        ))  # fmt: skip
        yield stack, provider, seed(stack, provider)
    finally:
        stack.stop()
        provider.stop()
        asyncio.run(pg.drop_database(pg_server, database))


def seed(stack: Stack, provider: oidc.Provider) -> dict[str, Any]:
    """A system, a risk and an acceptance request waiting for an approver (provider tokens)."""
    with AimsClient(provider.token("olga"), urls=stack.urls) as olga:
        system = olga.register_system(name="Gig scoring", purpose="Score applicants",
                                      owner="olga")  # fmt: skip
        rita = olga.with_token(provider.token("rita"))
        risk = rita.post("risk", "/v1/risks", {
            "system_id": system["id"], "title": RISK, "category": "transparency",
            "likelihood": 3, "consequence": 4, "affects": ["individuals"], "owner": "rita",
        })  # fmt: skip
        asked = rita.post("risk", f"/v1/risks/{risk['id']}/acceptance-requests",
                          {"justification": "Explained on request",
                           "expires_at": "2030-01-01T00:00:00Z"})  # fmt: skip
    # The inbox reads the acceptance list (a read model): wait until it holds the request.
    stack.caught_up(headers={"Authorization": f"Bearer {provider.token('ada')}"})
    return {"system": system, "acceptance": asked}


@pytest.fixture(scope="module")
def browser(site: Any) -> Iterator[Any]:
    sync_playwright = chromium_or_skip()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def test_a_person_signs_in_at_the_provider_and_decides_in_the_inbox_as_themselves(site, browser):
    stack, provider, seeded = site
    page = browser.new_page()
    page.set_default_timeout(30_000)
    page.goto(stack.url("console") + "/")
    page.get_by_role("button", name="Sign in with Example ID").click()
    page.wait_for_url(provider.issuer + "/**")  # the provider's own login page
    page.fill("input[name=login]", ERIN)
    page.fill("input[name=password]", "whatever the provider asks")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()  # consent
    page.wait_for_selector("#inventory")
    assert page.inner_text("#me") == ERIN
    # The navigation follows the roles the provider's groups map to: approver, system_owner.
    assert page.get_by_role("link", name="New system").count() == 1
    assert page.get_by_role("link", name="Raise a nonconformity").count() == 1
    page.get_by_role("link", name="Inbox").click()
    item = page.locator("li.item[data-section=acceptances]", has_text=RISK)
    item.get_by_label("Comment").fill("Fine until the explainer ships")
    item.get_by_role("button", name="Approve").click()
    page.wait_for_selector("#notice")
    approved = recorded(stack, provider, "AcceptanceApproved")
    assert [e["actor"] for e in approved] == [ERIN]  # the provider's sub, as is
    assert approved[0]["stream_id"].endswith(seeded["acceptance"]["id"])


def recorded(stack: Stack, provider: oidc.Provider, type: str) -> list[dict[str, Any]]:
    auditor = {"Authorization": f"Bearer {provider.token('ada')}"}
    r = httpx.get(stack.url("evidence") + "/v1/audit-trail",
                  params={"type": type, "min_position": stack.head()},
                  headers=auditor, timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_a_denied_consent_lands_on_the_login_page_with_the_reason(site, browser):
    stack, provider, _ = site
    page = browser.new_context(bypass_csp=AXE.exists()).new_page()  # axe is a script
    page.set_default_timeout(30_000)
    page.goto(stack.url("console") + "/login")
    page.get_by_role("button", name="Sign in with Example ID").click()
    page.fill("input[name=login]", ERIN)
    page.fill("input[name=password]", "x")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_selector("p.error")
    assert "Sign-in cancelled" in page.inner_text("p.error")
    assert "/login" in page.url
    if AXE.exists():  # the sign-in page with the provider's button and the reason
        page.add_script_tag(path=str(AXE))
        bad = page.evaluate("""async () => (await axe.run()).violations
            .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)""")
        assert not bad, bad
