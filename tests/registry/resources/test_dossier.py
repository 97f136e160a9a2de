"""The Annex IV dossier over HTTP: an incomplete system lists what is missing, a complete one
cites its sources."""

from __future__ import annotations

import re
from uuid import uuid4

from shared.contract.events import risk as rk
from tests.support.operation import oversee, plan
from tests.support.registry import (
    ADMIN,
    OWNER,
    VIEWER,
    add_version,
    approve_impact,
    identify_risk,
    move,
    put,
    record_evidence,
    register,
)


def _section(page: str, key: str) -> str:
    found = re.search(rf'<section id="{key}".*?</section>', page, re.S)
    assert found, key
    return found.group(0)


async def test_the_dossier_of_an_incomplete_system_lists_its_missing_sections(registry):
    c = registry
    s = await register(c, eu_ai_act_tier="unassessed", intended_use="")
    r = await c.get(f"/v1/systems/{s['id']}/dossier", headers=VIEWER,
                    params={"min_position": s["aims_position"]})  # fmt: skip
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "Incomplete: 6 of 6 sections" in page
    for key in ("general", "development", "monitoring", "risk", "changes", "standards"):
        assert 'data-complete="false"' in _section(page, key)
    assert "no responsibilities" in _section(page, "general")
    assert "intended use is not stated" in page
    assert "no dataset is linked" in _section(page, "development")
    assert "no human overseer is named" in _section(page, "monitoring")
    assert "no risk of the system is identified" in _section(page, "risk")
    assert "no current evidence for A.6.2.7" in _section(page, "standards")
    assert f'id="event-{s["aims_position"]}"' in page  # the registration is a source
    missing = await c.get(f"/v1/systems/{uuid4()}/dossier", headers=VIEWER)
    assert missing.status_code == 404


async def test_the_dossier_of_a_complete_system_links_its_sources(registry, log):
    c = registry
    s = await register(c, eu_ai_act_tier="high", name="Credit <scoring>")
    sid = s["id"]
    raci = {"accountable": "alice", "responsible": ["max"]}
    assert (await c.put(f"/v1/systems/{sid}/responsibilities", json=raci,
                        headers=OWNER)).status_code == 200  # fmt: skip
    mv = (await add_version(c, sid)).json()["id"]
    ds = await c.post("/v1/datasets", headers=OWNER, json={
        "name": "Applications", "provenance": "own applications, consented", "version": "1",
        "digest": "a" * 64, "personal_data": True, "system_ids": [sid], "model_version_ids": [mv],
        "quality_checks": [{"name": "completeness", "result": "passed"}],
    })  # fmt: skip
    assert ds.status_code == 201, ds.text
    await oversee(c, sid)
    await plan(c, sid)
    risk_id = await identify_risk(log, sid)
    await approve_impact(log, sid)
    soa = uuid4()
    await put(log, f"soa-{soa}", rk.SoAEntrySet(
        control_id="A.6.2.4", applicable=True, justification="we test models",
        status="implemented", deployment_gate=False,
    ))  # fmt: skip
    evidence_id, _ = await record_evidence(log, sid, ["A.6.2.3", "A.7.4", "A.7.5"])
    deploy_evidence, pos = await record_evidence(log, sid, ["A.6.2.4", "A.6.2.5", "A.6.2.7"])
    assert (await move(c, sid, "design", min_position=pos)).status_code == 200
    r = await c.get(f"/v1/systems/{sid}/dossier", params={"min_position": pos}, headers=ADMIN)
    page = r.text
    assert "Every section is complete." in page, re.findall(r'<ul class="missing">.*?</ul>',
                                                            page, re.S)  # fmt: skip
    assert "Credit &lt;scoring&gt;" in page and "<scoring>" not in page  # escaped
    assert f"/v1/evidence/{deploy_evidence}" in _section(page, "standards")
    assert f"/v1/evidence/{evidence_id}" in _section(page, "development")
    assert "own applications, consented" in _section(page, "development")
    assert "design under gate policy" in _section(page, "changes")
    cited = set(re.findall(r'href="#event-(\d+)"', page))
    anchored = set(re.findall(r'id="event-(\d+)"', page))
    assert cited and cited <= anchored
    history = (await c.get(f"/v1/systems/{sid}/history", headers=VIEWER)).json()["items"]
    assert {str(e["position"]) for e in history} <= anchored
    assert "unfair denials" in _section(page, "risk") and f"risk-{risk_id}" in page
