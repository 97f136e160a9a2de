"""`aims demo` seeds the management records, each approved by someone who did not write it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.apps import auth, token

AUDITOR = auth("test-auditor", "auditor")


def get(stack: Any, path: str, **params: Any) -> Any:
    r = httpx.get(stack.url("risk") + path, headers=AUDITOR, params={"limit": 500, **params},
                  timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()


def test_the_demo_seeds_the_management_records(stack):
    done = stack.aims("demo", timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    position = int(" ".join(done.stdout.split()).rsplit("log position ", 1)[1].split(")")[0])
    stack.caught_up(position)  # the lists and the console's page read the read models
    policies = get(stack, "/v1/policies", min_position=position)["items"]
    assert [(p["in_force_version"], p["review_due"]) for p in policies] == [(1, False)]
    assert policies[0]["approved_by"] != policies[0]["author"]
    acks = get(stack, f"/v1/policies/{policies[0]['id']}/acknowledgements")
    assert acks["acknowledged"] and acks["missing"] == ["ben.okafor", "daniel.kim"]
    assert len(get(stack, "/v1/ai-roles")["items"]) == 5
    gaps = get(stack, "/v1/competence/gaps", gaps_only="true")["items"]
    assert {(g["person"], tuple(g["gaps"])) for g in gaps} >= {
        ("ben.okafor", ("human-oversight",)), ("jonas.weber", ("secure-ml",)),
    }  # fmt: skip
    objectives = get(stack, "/v1/objectives")["items"]
    assert sorted(o["status"] for o in objectives) == ["met", "missed", "on_track"]
    assert all(o["approval_status"] == "approved" for o in objectives)
    suppliers = {s["name"]: s for s in get(stack, "/v1/suppliers")["items"]}
    assert suppliers["Hosted LLM provider"]["approval_status"] == "approved"
    assert suppliers["Hosted LLM provider"]["risk_ids"]
    assert suppliers["Annotation vendor"]["approval_status"] == "pending"
    assert len(get(stack, "/v1/interested-parties")["items"]) == 4
    scope = get(stack, "/v1/scope")
    assert scope["in_force_version"] == 1 and len(scope["in_force"]["system_ids"]) == 11
    stack.start_console()
    page = httpx.get(stack.url("console") + "/management",
                     cookies={"aims_token": token("vic", "viewer")}, timeout=30)  # fmt: skip
    assert page.status_code == 200, page.text
    for shown in ("AI policy", "Fair credit decisions", "Hosted LLM provider", "Loan applicants",
                  "Credit scoring model", "human-oversight", "missed"):  # fmt: skip
        assert shown in page.text, shown
    again = stack.aims("demo", timeout=300)
    assert again.returncode == 0, again.stderr
    assert get(stack, "/v1/policies", min_position=position)["items"] == policies
