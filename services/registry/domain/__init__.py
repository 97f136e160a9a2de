"""The registry service's domain: aggregates, commands and rules (no HTTP, no SQL)."""
