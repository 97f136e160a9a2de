"""Audits (9.2) with impartiality and findings, nonconformities (10.2), management reviews (9.3)."""
