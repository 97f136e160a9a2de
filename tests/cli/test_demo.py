"""`aims demo` seeds a realistic organisation through the API, and running it again adds nothing."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from tests.support.apps import auth
from tests.support.console import Stack

AUDITOR = auth("test-auditor", "auditor")
COUNTED = {
    "systems": ("registry", "/v1/systems"),
    "risks": ("risk", "/v1/risks"),
    "acceptances": ("risk", "/v1/acceptances"),
    "impact assessments": ("risk", "/v1/impact-assessments"),
    "evidence": ("evidence", "/v1/evidence"),
    "audits": ("evidence", "/v1/audits"),
    "nonconformities": ("evidence", "/v1/nonconformities"),
    "management reviews": ("evidence", "/v1/management-reviews"),
}


def items(stack: Stack, service: str, path: str, **params: object) -> list[dict]:
    query: dict[str, Any] = {"limit": 500, **params}
    r = httpx.get(stack.url(service) + path, headers=AUDITOR, params=query, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def table_counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT type, count(*) AS n FROM events GROUP BY type")
        return {r["type"]: r["n"] for r in rows}
    finally:
        await conn.close()


def counts(stack: Stack, position: int) -> dict[str, int]:
    stack.caught_up(position)  # lists are read models: wait, however loaded the machine
    out = {}
    for name, (service, path) in COUNTED.items():
        out[name] = len(items(stack, service, path, min_position=position))
    return out


async def test_the_demo_seeds_an_organisation_and_a_second_run_duplicates_nothing(stack):
    first = stack.aims("demo")
    assert first.returncode == 0, first.stderr
    said = " ".join(first.stdout.split())
    assert "demo organisation ready: 13 AI systems" in said
    position = int(said.rsplit("log position ", 1)[1].split(")")[0])
    events = await table_counts(stack.database.url)
    seeded = counts(stack, position)

    second = stack.aims("demo")
    assert second.returncode == 0, second.stderr
    assert await table_counts(stack.database.url) == events
    assert counts(stack, position) == seeded

    systems = {s["name"]: s for s in items(stack, "registry", "/v1/systems")}
    assert len(systems) == 13
    stages = {s["stage"] for s in systems.values()}
    assert {"inception", "design", "verification", "deployment", "operation", "re_evaluation",
            "retired"} <= stages  # fmt: skip
    assert {s["eu_ai_act_tier"] for s in systems.values()} >= {
        "high",
        "limited",
        "minimal",
        "prohibited",
        "unassessed",
    }
    assert systems["Credit scoring model"]["stage"] == "operation"
    assert seeded["risks"] >= 20 and seeded["impact assessments"] == 5
    assert seeded["nonconformities"] == 2 and seeded["audits"] == 1
    assert seeded["management reviews"] == 1
    acceptances = items(stack, "risk", "/v1/acceptances")
    assert {a["status"] for a in acceptances} == {"approved", "rejected"}
    assert all(a["decided_by"] != a["requested_by"] for a in acceptances)
    impacts = items(stack, "risk", "/v1/impact-assessments", status="approved")
    assert impacts and all(i["approved_by"] != i["author"] for i in impacts)

    soa = httpx.get(stack.url("risk") + "/v1/soa", headers=AUDITOR, timeout=30).json()["items"]
    assert len(soa) == 38 and all(c["applicable"] is not None and c["justification"]
                                  for c in soa)  # fmt: skip
    evidence = items(stack, "evidence", "/v1/evidence")
    assert any(e["stored"] for e in evidence), "at least one uploaded file"
    assert {e["status"] for e in evidence} == {"current", "expired"}

    decisions = items(stack, "evidence", "/v1/audit-trail", type="DeploymentDecisionMade")
    assert {"allow", "deny"} <= {d["summary"].split()[1] for d in decisions}
    assert events["DeploymentRecorded"] >= 1
    assert events["CorrectiveActionAdded"] == 2 and events["NonconformityClosed"] == 1
    assert events["LogCheckpointSigned"] >= 1


def test_the_demo_fails_with_one_line_when_the_services_are_not_running(tmp_path):
    from tests.support.console import Stack
    from tests.support.procs import free_port

    idle = Stack(None, tmp_path, {s: free_port() for s in ("registry", "risk", "evidence")})  # type: ignore[arg-type]
    result = idle.aims("demo")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(lines) == 1 and "cannot reach the registry service" in lines[0]
