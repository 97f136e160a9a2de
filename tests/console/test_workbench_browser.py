"""The console as a workbench in headless Chromium: the inbox, forms, and accessibility."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.sdk import AimsClient
from tests.console.test_console_browser import ARGS, CHROMIUM, chromium_or_skip
from tests.support.apps import auth, token
from tests.support.console import Stack

CACHE = Path(os.environ.get("AIMS_TEST_CACHE", Path.home() / ".cache" / "aims-tests"))
AXE = CACHE / "axe-core-4" / "node_modules" / "axe-core" / "axe.min.js"
RISK = "Unfair rejection of thin-file applicants"


@pytest.fixture(scope="module")
def desk(module_stack: Stack) -> dict[str, Any]:
    """The console on a small organisation: a system, a risk, and its acceptance request."""
    module_stack.start_console()
    with AimsClient(token("olga", "system_owner"), urls=module_stack.urls) as olga:
        system = olga.register_system(name="Loan triage", purpose="Sort applications",
                                      owner="olga")  # fmt: skip
        rita = olga.with_token(token("rita", "risk_officer"))
        risk = rita.post("risk", "/v1/risks", {
            "system_id": system["id"], "title": RISK, "category": "fairness", "likelihood": 4,
            "consequence": 4, "affects": ["individuals"], "owner": "rita",
        })  # fmt: skip
        asked = rita.post("risk", f"/v1/risks/{risk['id']}/acceptance-requests",
                          {"justification": "Within what the business carries",
                           "expires_at": "2030-01-01T00:00:00Z"})  # fmt: skip
    module_stack.caught_up()  # the inbox and the forms' system choices read the lists
    return {"stack": module_stack, "system": system, "risk": risk, "acceptance": asked}


@pytest.fixture(scope="module")
def browser(desk: dict[str, Any]) -> Iterator[Any]:
    sync_playwright = chromium_or_skip()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def signed_in(browser: Any, stack: Stack, sub: str, *roles: str, axe: bool = False) -> Any:
    """A new browser session of `sub`, signed in through the login page's labelled field."""
    ctx = browser.new_context(bypass_csp=axe)  # axe is injected as a script the CSP forbids
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    page.goto(stack.url("console") + "/login")
    page.get_by_label("Token").fill(token(sub, *roles))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#inventory")
    return page


def events(stack: Stack, **params: Any) -> list[dict[str, Any]]:
    r = httpx.get(stack.url("evidence") + "/v1/audit-trail", headers=auth("ada", "auditor"),
                  params={"limit": 500, "min_position": stack.head(), **params},
                  timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_an_approver_approves_in_the_inbox_and_the_requester_sees_it_approved(desk, browser):
    stack = desk["stack"]
    abe = signed_in(browser, stack, "abe", "approver")
    assert abe.inner_text("#inbox-count") != "0"
    abe.get_by_role("link", name="Inbox").click()
    item = abe.locator("li.item[data-section=acceptances]", has_text=RISK)
    item.get_by_label("Comment").fill("Agreed for this quarter")
    item.get_by_role("button", name="Approve").click()
    abe.wait_for_selector("#notice")
    assert abe.locator("li.item[data-section=acceptances]", has_text=RISK).count() == 0
    decided = events(stack, type="AcceptanceApproved", actor="abe")
    assert len(decided) == 1, "the approval carries the approver's own identity"
    rita = signed_in(browser, stack, "rita", "risk_officer")
    rita.goto(stack.url("console") + "/inbox")
    mine = rita.locator("#mine li.item", has_text=RISK)
    assert mine.get_attribute("data-status") == "approved"
    abe.context.close()
    rita.context.close()


def test_a_double_submitted_form_registers_the_system_once(desk, browser):
    stack = desk["stack"]
    page = signed_in(browser, stack, "olga", "system_owner")
    page.goto(stack.url("console") + "/systems/new")
    page.get_by_label("Name").fill("Chat triage")
    page.get_by_label("Purpose").fill("Route customer chats")
    page.get_by_label("Owner").fill("olga")
    page.locator("form.edit").evaluate("f => { f.requestSubmit(); f.requestSubmit(); }")
    page.wait_for_selector("#facts")
    assert "Chat triage" in page.inner_text("h1")
    registered = [e for e in events(stack, type="SystemRegistered", actor="olga")
                  if "Chat triage" in str(e)]  # fmt: skip
    assert len(registered) == 1
    page.context.close()


def test_a_stale_edit_shows_the_conflict_and_the_current_values(desk, browser):
    stack, sid = desk["stack"], desk["system"]["id"]
    page = signed_in(browser, stack, "olga", "system_owner")
    page.goto(stack.url("console") + f"/systems/{sid}/edit")
    page.get_by_label("Purpose").fill("Sort applications by urgency")
    with AimsClient(token("olga", "system_owner"), urls=stack.urls) as olga:
        olga.patch("registry", f"/v1/systems/{sid}", {"purpose": "Changed elsewhere"})
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_selector("#conflict")
    assert "Changed elsewhere" in page.inner_text("#current-values")
    assert page.get_by_label("Purpose").input_value() == "Changed elsewhere"
    with AimsClient(token("olga", "system_owner"), urls=stack.urls) as olga:
        assert olga.get_system(sid)["purpose"] == "Changed elsewhere", "nothing overwritten"
    page.context.close()


def test_a_refused_transition_shows_the_gate_reasons(desk, browser):
    stack, sid = desk["stack"], desk["system"]["id"]
    page = signed_in(browser, stack, "olga", "system_owner")
    page.goto(stack.url("console") + f"/systems/{sid}")
    page.get_by_role("link", name="Move through the lifecycle").click()
    page.get_by_label("Stage").select_option("design")
    page.get_by_label("Reason").fill("Start the design")
    page.get_by_role("button", name="Move the system").click()
    page.wait_for_selector("#gate-reasons")
    assert page.locator("#gate-reasons li[data-code=tier_not_triaged]").count() == 1
    page.context.close()


def test_a_risk_is_scored_on_the_picker_and_uploaded_evidence_shows_its_sha256(desk, browser):
    stack = desk["stack"]
    page = signed_in(browser, stack, "rita", "risk_officer")
    page.goto(stack.url("console") + f"/risks/new?system_id={desk['system']['id']}")
    page.get_by_label("Title").fill("Drift in income data")
    page.get_by_label("Category").select_option("data_quality")
    page.get_by_label("Likelihood 2, consequence 5").check()
    page.get_by_label("individuals").check()
    page.get_by_label("Owner").fill("rita")
    page.get_by_role("button", name="Record the risk").click()
    page.wait_for_selector("#facts")
    assert page.inner_text("[data-fact='likelihood x consequence']") == "2 x 5"
    page.goto(stack.url("console") + "/evidence/new")
    content = b"bias test report, December"
    page.get_by_label("File").set_input_files(
        files=[{"name": "report.txt", "mimeType": "text/plain", "buffer": content}]
    )
    page.get_by_label("Title").fill("Bias test report")
    page.get_by_label("Kind").fill("test_report")
    page.get_by_role("button", name="Upload the evidence").click()
    page.wait_for_selector("#sha256")
    assert page.inner_text("#sha256") == hashlib.sha256(content).hexdigest()
    page.context.close()


def test_axe_finds_no_serious_or_critical_violation_on_any_page(desk, browser):
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (npm install axe-core, see .ci/run)")
    stack = desk["stack"]
    sid, rid = desk["system"]["id"], desk["risk"]["id"]
    page = signed_in(browser, stack, "abe", "approver", "risk_officer", axe=True)
    nav = page.locator("nav a[href^='/']").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    forms = ["/systems/new", f"/systems/{sid}/edit", f"/systems/{sid}/transition", "/risks/new",
             f"/risks/{rid}", f"/risks/{rid}/treatments/new",
             f"/risks/{rid}/acceptance-requests/new", "/impact-assessments/new", "/soa/A.6.2.4",
             "/evidence/new", "/nonconformities/new", f"/systems/{sid}"]  # fmt: skip
    found: dict[str, list[str]] = {}
    for path in ["/login", *dict.fromkeys(nav), *forms]:
        page.goto(stack.url("console") + path)
        page.add_script_tag(path=str(AXE))
        bad = page.evaluate("""async () => (await axe.run()).violations
            .filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))""")
        if bad:
            found[path] = bad
    assert not found, found
    page.context.close()
