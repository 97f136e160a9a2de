"""Who may call which registry route: the single source of truth for its authorisation."""

from shared.http.auth import ANY_ROLE, roles

OWNERS = roles("admin", "system_owner")
PIPELINES = roles("admin", "mlops")

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
}
