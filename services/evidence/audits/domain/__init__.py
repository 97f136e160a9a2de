"""Aggregates of audits, nonconformities and management reviews (no HTTP, no SQL)."""
