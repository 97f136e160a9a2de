"""Who may call which risk route: the single source of truth for its authorisation."""

from shared.auth import AccessTable

ACCESS: AccessTable = {}
