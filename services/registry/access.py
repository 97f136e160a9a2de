"""Who may call which registry route: the single source of truth for its authorisation."""

from shared.http.approvals import APPROVAL_ACCESS, POLICY_ACCESS
from shared.http.auth import ANY_ROLE, roles

OWNERS = roles("admin", "system_owner")
PIPELINES = roles("admin", "mlops")
APPROVERS = roles("approver")

ACCESS = {
    ("POST", "/v1/systems"): OWNERS,
    ("GET", "/v1/systems"): ANY_ROLE,
    ("GET", "/v1/systems/{system_id}"): ANY_ROLE,
    ("PATCH", "/v1/systems/{system_id}"): OWNERS,
    ("POST", "/v1/systems/{system_id}/transitions"): OWNERS,
    ("POST", "/v1/systems/{system_id}/model-versions"): roles("admin", "system_owner", "mlops"),
    ("GET", "/v1/systems/{system_id}/model-versions"): ANY_ROLE,
    ("GET", "/v1/systems/{system_id}/history"): ANY_ROLE,
    ("POST", "/v1/deployment-decisions"): PIPELINES,
    ("GET", "/v1/deployment-decisions/{decision_id}"): ANY_ROLE,
    ("POST", "/v1/deployments"): PIPELINES,
    # Systems in operation. Oversight and plans: the domain also lets only the system's
    # own owner (or an admin) set them; observations come from monitoring jobs.
    ("PUT", "/v1/systems/{system_id}/oversight"): OWNERS,
    ("GET", "/v1/systems/{system_id}/oversight"): ANY_ROLE,
    ("PUT", "/v1/systems/{system_id}/monitoring"): OWNERS,
    ("GET", "/v1/systems/{system_id}/monitoring"): ANY_ROLE,
    ("POST", "/v1/systems/{system_id}/observations"): PIPELINES,
    ("GET", "/v1/breaches"): ANY_ROLE,
    ("GET", "/v1/systems/{system_id}/breaches"): ANY_ROLE,
    ("GET", "/v1/systems/{system_id}/breaches/{breach_id}"): ANY_ROLE,
    ("POST", "/v1/systems/{system_id}/breaches/{breach_id}/review"): APPROVERS,
    # Resources of systems. Responsibilities: the domain lets only the system's own owner
    # (or an admin) set them. Datasets: linking one to a system is for that system's owner,
    # an admin or the pipeline (mlops); changing one is for its owner or an admin.
    ("PUT", "/v1/systems/{system_id}/responsibilities"): OWNERS,
    ("GET", "/v1/systems/{system_id}/responsibilities"): ANY_ROLE,
    ("POST", "/v1/datasets"): roles("admin", "system_owner", "mlops"),
    ("GET", "/v1/datasets"): ANY_ROLE,
    ("GET", "/v1/datasets/{dataset_id}"): ANY_ROLE,
    ("PATCH", "/v1/datasets/{dataset_id}"): roles("admin", "system_owner", "mlops"),
    ("GET", "/v1/systems/{system_id}/dossier"): ANY_ROLE,
    ("GET", "/v1/gate-policy"): ANY_ROLE,
    ("PUT", "/v1/gate-policy"): roles("admin"),
    # Shared routes: the separation-of-duties policy and the four-eyes approvals.
    **POLICY_ACCESS,
    **APPROVAL_ACCESS,
}
