"""The console in headless Chromium, on the services seeded by the demo organisation."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from services.cli.demo import seed
from services.cli.demo_data import SYSTEMS
from shared.platform.config import Settings
from tests.support.apps import SECRET, auth, token
from tests.support.console import Stack

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
AUDITOR = auth("ada", "auditor")


def chromium_or_skip() -> Any:
    """Playwright's sync API, or a skip (a failure with AIMS_REQUIRE_BROWSER=1)."""
    reason = ""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright package is not installed"
    if not reason and not shutil.which(CHROMIUM):
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if reason:
        if os.environ.get("AIMS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required but {reason}")
        pytest.skip(reason)
    return sync_playwright


@pytest.fixture(scope="module")
def seeded(module_stack: Stack) -> Stack:
    """The services and the console, with the demo organisation seeded through the API."""
    module_stack.start_console()
    u = module_stack.urls
    seed(Settings(jwt_secret=SECRET, registry_url=u["registry"], risk_url=u["risk"],
                  evidence_url=u["evidence"]))  # fmt: skip
    # The pages read the services' lists (read models): wait until they hold the whole demo.
    module_stack.caught_up()
    return module_stack


@pytest.fixture(scope="module")
def page(seeded: Stack) -> Iterator[Any]:
    """A signed-in Chromium page on the console."""
    sync_playwright = chromium_or_skip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        pg = browser.new_page()
        pg.set_default_timeout(15_000)
        pg.goto(seeded.url("console") + "/")
        assert "/login" in pg.url, "an anonymous visitor is sent to sign in"
        pg.fill("textarea[name=token]", token("ada", "auditor"))
        pg.click("button[type=submit]")
        pg.wait_for_selector("#inventory")
        yield pg
        browser.close()


def api(stack: Stack, service: str, path: str, **params: Any) -> Any:
    r = httpx.get(stack.url(service) + path, headers=AUDITOR, params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def go(page: Any, stack: Stack, path: str) -> None:
    page.goto(stack.url("console") + path)


def test_signing_in_shows_the_inventory_with_every_demo_system(page, seeded):
    assert page.inner_text("#me") == "ada"
    names = page.locator("#inventory tr[data-id] td:first-child a").all_inner_texts()
    assert sorted(names) == sorted(s[1] for s in SYSTEMS)
    row = page.locator("#inventory tr", has_text="Credit scoring model")
    assert "operation" in row.inner_text() and "high" in row.inner_text()
    assert page.inner_text("#total") == str(len(SYSTEMS))


def test_the_heat_map_counts_equal_the_open_risks_of_the_register(page, seeded):
    risks = api(seeded, "risk", "/v1/risks", limit=500)["items"]
    expected = Counter((r["likelihood"], r["consequence"]) for r in risks
                       if r["status"] != "closed")  # fmt: skip
    go(page, seeded, "/risks")
    shown = {}
    for cell in page.locator("#heat td[data-l]").all():
        n = int(cell.get_attribute("data-count"))
        assert cell.inner_text().strip() == (str(n) if n else "")
        if n:
            shown[(int(cell.get_attribute("data-l")), int(cell.get_attribute("data-c")))] = n
    assert shown == dict(expected) and sum(shown.values()) == len(risks)


def test_soa_coverage_lists_all_38_controls_with_their_evidence_state(page, seeded):
    soa = api(seeded, "risk", "/v1/soa")["items"]
    go(page, seeded, "/soa")
    assert page.locator("#soa tr[data-control]").count() == 38
    current = sum(1 for c in soa if c["applicable"] and c["evidence_status"] == "current")
    assert page.inner_text("[data-tally=current]") == str(current)
    assert "excluded" in page.inner_text("#soa tr[data-control='A.10.4']")
    assert page.get_attribute("#soa tr[data-control='A.6.2.4'] td[data-state]",
                              "data-state") == "current"  # fmt: skip
    assert page.locator("#soa td[data-state=expired]").count() >= 1


def test_the_decision_feed_shows_allows_and_denies_with_their_reasons(page, seeded):
    made = api(seeded, "evidence", "/v1/audit-trail", type="DeploymentDecisionMade", limit=500)
    go(page, seeded, "/decisions")
    rows = page.locator("#decisions tr[data-decision]")
    assert rows.count() == len(made["items"])
    assert page.locator("#decisions tr[data-decision=allow]").count() >= 1
    deny = page.locator("#decisions tr[data-decision=deny]", has_text="CV screening model")
    assert "risk_not_accepted" in deny.first.inner_text()
    credit = page.locator("#decisions tr[data-decision=allow]", has_text="Credit scoring model")
    assert "yes" in credit.inner_text(), "the allow was cited by a deployment"


def test_the_audit_trail_filters_by_actor_type_and_system(page, seeded):
    go(page, seeded, "/trail")
    page.fill("input[name=actor]", "marcus.lee")
    page.click("#filters button")
    page.wait_for_url("**actor=marcus.lee**")
    actors = page.locator("#trail tr[data-actor]").evaluate_all(
        "rows => rows.map(r => r.dataset.actor)")  # fmt: skip
    assert actors and set(actors) == {"marcus.lee"}
    page.fill("input[name=type]", "AcceptanceApproved")
    page.click("#filters button")
    page.wait_for_url("**type=AcceptanceApproved**")
    types = page.locator("#trail tr[data-type]").evaluate_all("r => r.map(x => x.dataset.type)")
    assert types == ["AcceptanceApproved", "AcceptanceApproved"]
    go(page, seeded, "/trail")
    page.select_option("select[name=system_id]", label="Card fraud detection")
    page.click("#filters button")
    page.wait_for_url("**system_id=**")
    systems = page.locator("#trail tr[data-type] td:nth-child(5)").all_inner_texts()
    assert systems and all("Card fraud detection" in cell for cell in systems)
    assert "Credit scoring model" in " ".join(systems), "the audit spans three systems"
    assert not any(cell == "Credit scoring model" for cell in systems)


def test_time_travel_shows_a_system_as_it_was_when_it_was_registered(page, seeded):
    go(page, seeded, "/")
    page.click("text=Credit scoring model")
    page.wait_for_selector("#history")
    assert "operation" in page.inner_text("h1")
    page.locator("#history tr[data-type=SystemRegistered] a.as-of-link").click()
    page.wait_for_selector("#as-of-stage")
    assert page.inner_text("#as-of-stage") == "inception"
    page.locator("#history tr[data-type=SystemStageChanged] a.as-of-link").last.click()
    page.wait_for_selector("#as-of-stage")
    assert page.inner_text("#as-of-stage") == "operation"
    page.fill("input[name=as_of]", "not a time")
    page.click("#as-of-form button")
    assert "as_of" in page.inner_text("#as-of")


def test_the_integrity_page_shows_a_verified_chain_and_the_last_signed_checkpoint(page, seeded):
    latest = api(seeded, "evidence", "/v1/checkpoints/latest")
    go(page, seeded, "/integrity")
    assert page.get_attribute("#integrity", "data-ok") == "true"
    assert page.get_attribute("#checkpoint", "data-position") == str(latest["position"])
    assert "valid (Ed25519)" in page.inner_text("#checkpoint")


def test_a_refused_token_sends_the_user_back_to_sign_in(page, seeded):
    ctx = page.context.browser.new_context()
    other = ctx.new_page()
    other.goto(seeded.url("console") + "/login")
    other.fill("textarea[name=token]", "not-a-token")
    other.click("button[type=submit]")
    other.wait_for_url("**/login**")
    assert "invalid token" in other.inner_text("main")
    ctx.close()
