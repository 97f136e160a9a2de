"""The register's domain: risks, their treatments, and acceptances (no HTTP, no SQL)."""

from services.risk.register.domain.acceptance import OPEN, Acceptance
from services.risk.register.domain.risk import Risk, Score, Treatment

__all__ = ["OPEN", "Acceptance", "Risk", "Score", "Treatment"]
