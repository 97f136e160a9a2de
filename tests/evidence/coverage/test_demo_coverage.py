"""Coverage of the three frameworks computed from the demo organisation (`aims demo`)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.cli.demo import seed
from shared.platform.config import Settings
from tests.support.apps import SECRET, auth
from tests.support.console import Stack

STATUSES = {"met", "partial", "expired", "missing"}


@pytest.fixture(scope="module")
def demo(module_stack: Stack) -> Stack:
    """The services with the demo organisation seeded through the API."""
    u = module_stack.urls
    seeded = seed(Settings(jwt_secret=SECRET, registry_url=u["registry"], risk_url=u["risk"],
                           evidence_url=u["evidence"]))  # fmt: skip
    module_stack.position = seeded["position"]  # type: ignore[attr-defined]
    module_stack.caught_up()  # the systems list is a read model too
    return module_stack


def coverage(stack: Stack, framework: str, **params: Any) -> dict[str, Any]:
    r = httpx.get(stack.url("evidence") + "/v1/coverage", headers=auth("ada", "auditor"),
                  params={"framework": framework, "min_position": stack.position, **params},  # type: ignore[attr-defined]
                  timeout=60)  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()


def by_id(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in answer["requirements"]}


def test_iso_coverage_of_the_demo_reads_its_soa_evidence_and_records(demo):
    answer = coverage(demo, "iso42001")
    rows = by_id(answer)
    assert answer["framework"] == "iso42001" and len(rows) == 65
    assert {r["status"] for r in rows.values()} <= STATUSES
    assert rows["A.10.4"]["status"] == "met"  # excluded in the SoA, with a justification
    assert rows["A.10.4"]["sources"][0]["kind"] == "soa_entry"
    assert rows["A.4.2"]["status"] == "expired"  # the 2024 resources inventory lapsed
    assert rows["A.6.2.4"]["status"] == "met"  # validation reports, SoA implemented
    assert rows["A.4.6"]["status"] in ("partial", "missing")  # SoA: in progress
    assert rows["9.2"]["status"] == "met" and rows["9.3"]["status"] == "met"
    assert rows["10.2"]["status"] == "met"  # one nonconformity closed after review
    assert rows["6.1.4"]["status"] == "met"  # impact assessments approved by another person
    assert rows["4.1"]["status"] == "met"  # every system registered with its purpose
    audit = next(s for s in rows["9.2"]["sources"] if s["event_type"] == "AuditCompleted")
    assert audit["service"] == "evidence" and audit["href"].startswith("/v1/audits/")
    evidence = next(s for s in rows["A.6.2.4"]["sources"] if s["kind"] == "evidence")
    r = httpx.get(demo.url("evidence") + evidence["href"], headers=auth("ada", "auditor"))
    assert r.status_code == 200 and r.json()["id"] == evidence["id"]
    assert sum(answer["summary"].values()) == 65


def test_eu_ai_act_coverage_of_the_demo_follows_the_crosswalk(demo):
    rows = by_id(coverage(demo, "eu-ai-act"))
    assert list(rows) == [f"Art. {n}" for n in (9, 10, 11, 12, 13, 14, 15, 17, 26, 27, 72, 73)]
    assert rows["Art. 73"]["status"] in ("met", "partial")  # a serious incident, notified
    assert any(
        s.get("event_type") == "IncidentNotificationSent" for s in rows["Art. 73"]["sources"]
    )
    assert rows["Art. 27"]["maps_to"]["clauses"] == ["6.1.4"]
    assert rows["Art. 10"]["status"] != "met"  # data preparation (A.7.6) still in progress
    assert rows["Art. 12"]["status"] == "met"  # logging evidence for every deployed system


def test_nist_ai_rmf_coverage_of_the_demo_lists_all_72_subcategories(demo):
    answer = coverage(demo, "nist-ai-rmf")
    rows = by_id(answer)
    assert len(rows) == 72 and {r["status"] for r in rows.values()} <= STATUSES
    assert rows["MEASURE 1.3"]["status"] == "met"  # an independent internal audit (9.2)
    assert rows["MANAGE 1.4"]["status"] == "met"  # residual risk assessed and accepted
    assert answer["summary"]["met"] > 0 and answer["summary"]["partial"] > 0


def test_coverage_of_one_system_counts_its_own_and_organisation_wide_records(demo):
    systems = httpx.get(demo.url("registry") + "/v1/systems", headers=auth("ada", "auditor"),
                        params={"limit": 100}).json()["items"]  # fmt: skip
    credit = next(s for s in systems if s["name"] == "Credit scoring model")
    cv = next(s for s in systems if s["eu_ai_act_tier"] == "minimal")
    rows = by_id(coverage(demo, "eu-ai-act", system_id=credit["id"]))
    assert all(r["applies"] for r in rows.values())  # a high-risk system
    assert not any(r["applies"] for r in by_id(coverage(demo, "eu-ai-act",
                                                         system_id=cv["id"])).values())  # fmt: skip
    iso = by_id(coverage(demo, "iso42001", system_id=credit["id"]))
    assert iso["9.3"]["status"] == "met"  # the management review is organisation-wide
    incident = [s for s in iso["A.8.4"]["sources"] if s.get("event_type")]
    assert incident == []  # the chatbot's incident is not the credit model's
