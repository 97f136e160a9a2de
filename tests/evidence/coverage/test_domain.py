"""The coverage rule, applied to facts without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.evidence.coverage.domain import (
    EXPIRED,
    MET,
    MISSING,
    PARTIAL,
    Coverage,
    Facts,
    Found,
    combine,
    resource,
)
from shared.contract.crosswalk import Records

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def soa(applicable: bool = True, status: str = "implemented") -> dict[str, Any]:
    return {"applicable": applicable, "status": status, "justification": "because",
            "owner": "rita"}  # fmt: skip


def evidence(current: bool, n: int = 1) -> dict[str, Any]:
    until = NOW + timedelta(days=30 if current else -30)
    return {"id": f"e{n}", "title": f"evidence {n}", "current": current, "valid_until": until,
            "total": 1}  # fmt: skip


def found(type_: str, days_ago: int = 1) -> Found:
    return Found(type_, 1, 10, f"audit-{type_}", type_, NOW - timedelta(days=days_ago))


def facts(**kw: Any) -> Facts:
    records = kw.pop("records", {})
    return Facts(NOW, kw.pop("soa", {}), kw.pop("evidence", {}), records,
                 kw.pop("everywhere", records), **kw)  # fmt: skip


def test_combining_elements_needs_all_met_for_met_and_any_progress_for_partial():
    assert combine([MET, MET]) == MET
    assert combine([MET, MISSING]) == PARTIAL
    assert combine([PARTIAL, EXPIRED]) == PARTIAL
    assert combine([EXPIRED, MISSING]) == EXPIRED
    assert combine([MISSING]) == MISSING
    assert combine([]) == MISSING


def test_an_implemented_control_with_current_evidence_is_met():
    c = Coverage(facts(soa={"A.6.2.4": soa()}, evidence={"A.6.2.4": [evidence(True)]}))
    status = c.control("A.6.2.4")
    assert status.status == MET
    assert [s["kind"] for s in status.sources] == ["soa_entry", "evidence"]
    assert status.sources[1]["href"] == "/v1/evidence/e1"


def test_current_evidence_of_a_control_not_declared_implemented_is_partial():
    c = Coverage(facts(soa={"A.6.2.4": soa(status="in_progress")},
                       evidence={"A.6.2.4": [evidence(True)]}))  # fmt: skip
    assert c.control("A.6.2.4").status == PARTIAL
    assert (
        Coverage(facts(evidence={"A.6.2.4": [evidence(True)]})).control("A.6.2.4").status == PARTIAL
    )


def test_evidence_only_past_its_validity_is_expired_and_none_is_missing():
    c = Coverage(facts(soa={"A.6.2.4": soa(), "A.6.2.3": soa()},
                       evidence={"A.6.2.4": [evidence(False)]}))  # fmt: skip
    assert c.control("A.6.2.4").status == EXPIRED
    assert c.control("A.6.2.3").status == MISSING


def test_a_control_the_soa_excludes_is_met_by_that_justified_decision():
    status = Coverage(facts(soa={"A.10.4": soa(applicable=False, status="not_applicable")}))
    assert status.control("A.10.4").status == MET
    assert status.control("A.10.4").sources[0]["status"] == "excluded"


def test_records_can_stand_for_evidence_of_a_control():
    c = Coverage(
        facts(soa={"A.9.2": soa()}, records={"OversightAssigned": found("OversightAssigned")})
    )
    status = c.control("A.9.2")
    assert status.status == MET
    assert status.sources[-1]["event_type"] == "OversightAssigned"


def test_a_records_rule_is_met_by_all_its_types_and_partial_by_some():
    both = {"AuditCompleted": found("AuditCompleted"), "AuditPlanned": found("AuditPlanned")}
    rule = Records(met=("AuditCompleted",), partial=("AuditPlanned",))
    assert Coverage(facts(records=both)).records(rule).status == MET
    assert (
        Coverage(facts(records={"AuditPlanned": both["AuditPlanned"]})).records(rule).status
        == PARTIAL
    )
    assert Coverage(facts()).records(rule).status == MISSING
    two = Records(met=("RiskTreatmentPlanned", "AcceptanceApproved"))
    some = {"RiskTreatmentPlanned": found("RiskTreatmentPlanned")}
    assert Coverage(facts(records=some)).records(two).status == PARTIAL


def test_a_record_older_than_its_interval_is_expired():
    rule = Records(met=("ManagementReviewRecorded",), within_days=366)
    old = {"ManagementReviewRecorded": found("ManagementReviewRecorded", days_ago=400)}
    assert Coverage(facts(records=old)).records(rule).status == EXPIRED


def test_organisation_records_count_for_a_system_whatever_systems_they_name():
    review = {"ManagementReviewRecorded": found("ManagementReviewRecorded")}
    scoped = facts(records={}, everywhere=review, system_id="s1", tier="high")
    assert Coverage(scoped).records(Records(met=("ManagementReviewRecorded",),
                                            organisation=True)).status == MET  # fmt: skip
    assert Coverage(scoped).records(Records(met=("ManagementReviewRecorded",))).status == MISSING


def test_a_clause_combines_its_controls_and_records():
    c = Coverage(facts(soa={"A.2.2": soa()}, evidence={"A.2.2": [evidence(True)]}))
    report = c.report("iso42001")
    by_id = {r["id"]: r for r in report["requirements"]}
    assert by_id["5.2"]["status"] == PARTIAL  # evidence, but no approved policy record
    assert by_id["A.2.2"]["status"] == MET
    assert by_id["4.2"]["status"] == MISSING and by_id["4.2"]["sources"] == []
    assert sum(report["summary"].values()) == len(report["requirements"])


def test_eu_articles_say_whether_they_bind_the_systems_tier():
    high = Coverage(facts(system_id="s1", tier="high")).report("eu-ai-act")
    minimal = Coverage(facts(system_id="s1", tier="minimal")).report("eu-ai-act")
    assert all(r["applies"] for r in high["requirements"])
    assert not any(r["applies"] for r in minimal["requirements"])
    assert "applies" not in Coverage(facts()).report("eu-ai-act")["requirements"][0]


def test_records_link_to_the_resource_of_their_stream_or_else_the_audit_trail():
    assert resource("audit-123", "AuditCompleted") == ("evidence", "/v1/audits/123")
    assert resource("risk-9", "RiskIdentified") == ("risk", "/v1/risks/9")
    assert resource("breach-7", "MonitoringThresholdBreached") == (
        "evidence",
        "/v1/audit-trail?type=MonitoringThresholdBreached",
    )
