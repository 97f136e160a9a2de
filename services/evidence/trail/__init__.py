"""Audit trail: every decision of the three services, with actor, basis and links."""
