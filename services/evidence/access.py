"""Who may call which evidence route: the single source of truth for its authorisation."""

from shared.http.approvals import POLICY_ACCESS
from shared.http.auth import ANY_ROLE, AccessTable, roles

RECORDERS = roles("admin", "system_owner", "risk_officer", "mlops", "auditor")
AUDITORS = roles("admin", "auditor")
NC_WORKERS = roles("admin", "auditor", "system_owner", "risk_officer", "approver")
REVIEWERS = roles("admin", "approver", "auditor", "risk_officer")
# Incidents: anyone who runs or checks AI may report one; owners, risk officers and the ML
# platform team work them; classification and notifications to authorities are for owners
# and risk officers; closing reviews the resolution (never by the reporter: the domain
# checks). Concerns are raised by anyone and triaged by risk officers.
INCIDENT_REPORTERS = RECORDERS
INCIDENT_WORKERS = roles("admin", "system_owner", "risk_officer", "mlops")
INCIDENT_HANDLERS = roles("admin", "system_owner", "risk_officer")
INCIDENT_CLOSERS = roles("admin", "system_owner", "risk_officer", "approver")
CONCERN_TRIAGERS = roles("admin", "risk_officer")
# Coverage of ISO/IEC 42001, the EU AI Act and the NIST AI RMF: what auditors check and risk
# officers work on. OSCAL exports are for auditors (and admins), like the audit pack.
COVERAGE_READERS = roles("admin", "auditor", "risk_officer")
# Webhook subscriptions send events out of the deployment: only admins set them up; auditors
# may see where events go.
SUBSCRIPTION_ADMINS = roles("admin")
SUBSCRIPTION_READERS = roles("admin", "auditor")

ACCESS: AccessTable = {
    ("POST", "/v1/evidence"): RECORDERS,
    ("POST", "/v1/evidence/{evidence_id}/supersede"): RECORDERS,
    ("GET", "/v1/evidence"): ANY_ROLE,
    ("GET", "/v1/evidence/{evidence_id}"): ANY_ROLE,
    ("GET", "/v1/evidence/{evidence_id}/content"): ANY_ROLE,
    ("POST", "/v1/audits"): AUDITORS,
    ("GET", "/v1/audits"): ANY_ROLE,
    ("GET", "/v1/audits/{audit_id}"): ANY_ROLE,
    ("POST", "/v1/audits/{audit_id}/findings"): AUDITORS,
    ("POST", "/v1/audits/{audit_id}/complete"): AUDITORS,
    ("POST", "/v1/nonconformities"): NC_WORKERS,
    ("GET", "/v1/nonconformities"): ANY_ROLE,
    ("GET", "/v1/nonconformities/{nc_id}"): ANY_ROLE,
    ("POST", "/v1/nonconformities/{nc_id}/containment"): NC_WORKERS,
    ("POST", "/v1/nonconformities/{nc_id}/root-cause"): NC_WORKERS,
    ("POST", "/v1/nonconformities/{nc_id}/corrective-actions"): NC_WORKERS,
    ("POST", "/v1/nonconformities/{nc_id}/corrective-actions/{action_id}/complete"): NC_WORKERS,
    ("POST", "/v1/nonconformities/{nc_id}/close"): NC_WORKERS,
    ("POST", "/v1/management-reviews"): REVIEWERS,
    ("GET", "/v1/management-reviews"): ANY_ROLE,
    ("GET", "/v1/management-reviews/{review_id}"): ANY_ROLE,
    ("POST", "/v1/incidents"): INCIDENT_REPORTERS,
    ("GET", "/v1/incidents"): ANY_ROLE,
    ("GET", "/v1/incidents/{incident_id}"): ANY_ROLE,
    ("POST", "/v1/incidents/{incident_id}/classification"): INCIDENT_HANDLERS,
    ("POST", "/v1/incidents/{incident_id}/status"): INCIDENT_WORKERS,
    ("POST", "/v1/incidents/{incident_id}/notifications"): INCIDENT_HANDLERS,
    ("POST", "/v1/incidents/{incident_id}/nonconformity"): NC_WORKERS,
    ("POST", "/v1/incidents/{incident_id}/close"): INCIDENT_CLOSERS,
    ("POST", "/v1/concerns"): ANY_ROLE,
    ("GET", "/v1/concerns"): ANY_ROLE,
    ("GET", "/v1/concerns/{concern_id}"): ANY_ROLE,
    ("POST", "/v1/concerns/{concern_id}/triage"): CONCERN_TRIAGERS,
    ("GET", "/v1/audit-trail"): ANY_ROLE,
    ("GET", "/v1/integrity"): AUDITORS,
    ("POST", "/v1/checkpoints"): AUDITORS,
    ("GET", "/v1/checkpoints/latest"): ANY_ROLE,
    ("GET", "/v1/checkpoints/public-key"): ANY_ROLE,
    ("GET", "/v1/exports/audit-pack"): AUDITORS,
    ("GET", "/v1/coverage"): COVERAGE_READERS,
    ("GET", "/v1/exports/oscal/catalog"): AUDITORS,
    ("GET", "/v1/exports/oscal/component-definition"): AUDITORS,
    ("GET", "/v1/exports/oscal/assessment-results"): AUDITORS,
    ("GET", "/v1/exports/oscal/poam"): AUDITORS,
    ("GET", "/v1/log/entries"): AUDITORS,
    ("GET", "/v1/log/proofs/inclusion"): AUDITORS,
    ("POST", "/v1/subscriptions"): SUBSCRIPTION_ADMINS,
    ("GET", "/v1/subscriptions"): SUBSCRIPTION_READERS,
    ("GET", "/v1/subscriptions/{subscription_id}"): SUBSCRIPTION_READERS,
    ("GET", "/v1/subscriptions/{subscription_id}/deliveries"): SUBSCRIPTION_READERS,
    ("POST", "/v1/subscriptions/{subscription_id}/redeliver"): SUBSCRIPTION_ADMINS,
    ("POST", "/v1/subscriptions/{subscription_id}/resume"): SUBSCRIPTION_ADMINS,
    # Shared routes: the separation-of-duties policy.
    **POLICY_ACCESS,
}
