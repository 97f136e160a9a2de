"""Who may call which evidence route: the single source of truth for its authorisation."""

from shared.http.auth import ANY_ROLE, AccessTable, roles

RECORDERS = roles("admin", "system_owner", "risk_officer", "mlops", "auditor")
AUDITORS = roles("admin", "auditor")
NC_WORKERS = roles("admin", "auditor", "system_owner", "risk_officer", "approver")
REVIEWERS = roles("admin", "approver", "auditor", "risk_officer")

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
    ("GET", "/v1/audit-trail"): ANY_ROLE,
    ("GET", "/v1/integrity"): AUDITORS,
    ("POST", "/v1/checkpoints"): AUDITORS,
    ("GET", "/v1/checkpoints/latest"): ANY_ROLE,
    ("GET", "/v1/checkpoints/public-key"): ANY_ROLE,
    ("GET", "/v1/exports/audit-pack"): AUDITORS,
    ("GET", "/v1/log/entries"): AUDITORS,
    ("GET", "/v1/log/proofs/inclusion"): AUDITORS,
}
