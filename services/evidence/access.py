"""Who may call which evidence route: the single source of truth for its authorisation."""

from shared.auth import AccessTable

ACCESS: AccessTable = {}
