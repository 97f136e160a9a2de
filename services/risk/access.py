"""Who may call which risk route: the single source of truth for its authorisation."""

from shared.http.approvals import APPROVAL_ACCESS, POLICY_ACCESS
from shared.http.auth import ANY_ROLE, AccessTable, roles

RISK_WRITERS = roles("admin", "risk_officer", "system_owner")
APPROVERS = roles("approver")
CRITERIA_SETTERS = roles("approver", "admin")
SOA_EDITORS = roles("admin", "risk_officer")
# The management-system records: kept by risk officers and admins; system owners also keep
# the suppliers of their systems, and pipelines (mlops) report objectives' measurements.
RECORD_KEEPERS = roles("admin", "risk_officer")
SUPPLIER_KEEPERS = roles("admin", "risk_officer", "system_owner")
MEASURERS = roles("admin", "risk_officer", "system_owner", "mlops")

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
    ("POST", "/v1/policies"): RECORD_KEEPERS,
    ("GET", "/v1/policies"): ANY_ROLE,
    ("GET", "/v1/policies/{policy_id}"): ANY_ROLE,
    ("POST", "/v1/policies/{policy_id}/versions"): RECORD_KEEPERS,
    ("GET", "/v1/policies/{policy_id}/versions"): ANY_ROLE,
    ("GET", "/v1/policies/{policy_id}/versions/{number}"): ANY_ROLE,
    ("POST", "/v1/policies/{policy_id}/approve"): APPROVERS,
    # Every member of staff acknowledges the policy for themselves.
    ("POST", "/v1/policies/{policy_id}/acknowledgements"): ANY_ROLE,
    ("GET", "/v1/policies/{policy_id}/acknowledgements"): ANY_ROLE,
    ("POST", "/v1/ai-roles"): RECORD_KEEPERS,
    ("GET", "/v1/ai-roles"): ANY_ROLE,
    ("GET", "/v1/ai-roles/{role_id}"): ANY_ROLE,
    ("PUT", "/v1/ai-roles/{role_id}"): RECORD_KEEPERS,
    ("POST", "/v1/ai-roles/{role_id}/retire"): RECORD_KEEPERS,
    ("POST", "/v1/training-records"): RECORD_KEEPERS,
    ("GET", "/v1/training-records"): ANY_ROLE,
    ("GET", "/v1/training-records/{record_id}"): ANY_ROLE,
    ("POST", "/v1/training-records/{record_id}/withdraw"): RECORD_KEEPERS,
    ("GET", "/v1/competence/gaps"): ANY_ROLE,
    ("POST", "/v1/objectives"): RECORD_KEEPERS,
    ("GET", "/v1/objectives"): ANY_ROLE,
    ("GET", "/v1/objectives/{objective_id}"): ANY_ROLE,
    ("PUT", "/v1/objectives/{objective_id}"): RECORD_KEEPERS,
    ("POST", "/v1/objectives/{objective_id}/approve"): APPROVERS,
    ("POST", "/v1/objectives/{objective_id}/measurements"): MEASURERS,
    ("POST", "/v1/suppliers"): SUPPLIER_KEEPERS,
    ("GET", "/v1/suppliers"): ANY_ROLE,
    ("GET", "/v1/suppliers/{supplier_id}"): ANY_ROLE,
    ("PUT", "/v1/suppliers/{supplier_id}"): SUPPLIER_KEEPERS,
    ("POST", "/v1/suppliers/{supplier_id}/reviews"): SUPPLIER_KEEPERS,
    ("POST", "/v1/suppliers/{supplier_id}/approve"): APPROVERS,
    ("POST", "/v1/suppliers/{supplier_id}/retire"): SUPPLIER_KEEPERS,
    ("POST", "/v1/interested-parties"): RECORD_KEEPERS,
    ("GET", "/v1/interested-parties"): ANY_ROLE,
    ("GET", "/v1/interested-parties/{party_id}"): ANY_ROLE,
    ("PUT", "/v1/interested-parties/{party_id}"): RECORD_KEEPERS,
    ("POST", "/v1/interested-parties/{party_id}/retire"): RECORD_KEEPERS,
    ("GET", "/v1/scope"): ANY_ROLE,
    ("PUT", "/v1/scope"): RECORD_KEEPERS,
    ("POST", "/v1/scope/approve"): APPROVERS,
    # Shared routes: the separation-of-duties policy and the four-eyes approvals.
    **POLICY_ACCESS,
    **APPROVAL_ACCESS,
}
