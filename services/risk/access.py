"""Who may call which risk route: the single source of truth for its authorisation."""

from shared.http.auth import ANY_ROLE, AccessTable, roles

RISK_WRITERS = roles("admin", "risk_officer", "system_owner")
APPROVERS = roles("approver")
CRITERIA_SETTERS = roles("approver", "admin")
SOA_EDITORS = roles("admin", "risk_officer")

ACCESS: AccessTable = {
    ("GET", "/v1/criteria"): ANY_ROLE,
    ("PUT", "/v1/criteria"): CRITERIA_SETTERS,
    ("POST", "/v1/risks"): RISK_WRITERS,
    ("GET", "/v1/risks"): ANY_ROLE,
    ("GET", "/v1/risks/{risk_id}"): ANY_ROLE,
    ("POST", "/v1/risks/{risk_id}/assessments"): RISK_WRITERS,
    ("POST", "/v1/risks/{risk_id}/treatments"): RISK_WRITERS,
    ("POST", "/v1/risks/{risk_id}/treatments/{treatment_id}/complete"): RISK_WRITERS,
    ("POST", "/v1/risks/{risk_id}/residual"): RISK_WRITERS,
    ("POST", "/v1/risks/{risk_id}/close"): RISK_WRITERS,
    ("GET", "/v1/treatments"): ANY_ROLE,
    # The domain also lets only the risk owner, a risk officer or an admin ask.
    ("POST", "/v1/risks/{risk_id}/acceptance-requests"): RISK_WRITERS,
    ("GET", "/v1/acceptances"): ANY_ROLE,
    ("GET", "/v1/acceptances/{acceptance_id}"): ANY_ROLE,
    ("POST", "/v1/acceptances/{acceptance_id}/approve"): APPROVERS,
    ("POST", "/v1/acceptances/{acceptance_id}/reject"): APPROVERS,
    ("POST", "/v1/impact-assessments"): RISK_WRITERS,
    ("GET", "/v1/impact-assessments"): ANY_ROLE,
    ("GET", "/v1/impact-assessments/{assessment_id}"): ANY_ROLE,
    ("PATCH", "/v1/impact-assessments/{assessment_id}"): RISK_WRITERS,
    ("POST", "/v1/impact-assessments/{assessment_id}/submit"): RISK_WRITERS,
    ("POST", "/v1/impact-assessments/{assessment_id}/approve"): APPROVERS,
    ("GET", "/v1/controls"): ANY_ROLE,
    ("GET", "/v1/soa"): ANY_ROLE,
    ("GET", "/v1/soa.csv"): ANY_ROLE,
    ("PUT", "/v1/soa/controls/{control_id}"): SOA_EDITORS,
    ("GET", "/v1/systems/{system_id}/posture"): ANY_ROLE,
}
