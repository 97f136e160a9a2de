"""The risk service's things whose protective changes wait for a second person."""

from __future__ import annotations

from services.risk.criteria.handlers import CRITERIA
from services.risk.register.handlers import RISKS
from services.risk.soa.handlers import SOA
from shared.domain.approvals import Kinds

KINDS: Kinds = {"risk": RISKS, "soa": SOA, "criteria": CRITERIA}
# The events that carry out an approved change (they cite it in `approval`).
EFFECTS = frozenset(
    {"RiskAssessed", "ResidualRiskAssessed", "RiskClosed", "SoAEntrySet", "RiskCriteriaSet"}
)
