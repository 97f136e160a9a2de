"""Who may call which registry route: the single source of truth for its authorisation."""

from shared.auth import ANY_ROLE, roles

OWNERS = roles("admin", "system_owner")

ACCESS = {
    ("POST", "/v1/systems"): OWNERS,
    ("GET", "/v1/systems"): ANY_ROLE,
    ("GET", "/v1/systems/{system_id}"): ANY_ROLE,
    ("PATCH", "/v1/systems/{system_id}"): OWNERS,
}
