"""The register's vocabulary: Annex C risk taxonomy, who a risk affects, and statuses."""

from __future__ import annotations

from typing import Literal

from shared.contract.events.risk import Option

# Annex C objectives a risk threatens (the register's `category`).
Category = Literal[
    "accountability", "ai_expertise", "data_quality", "environmental_impact", "fairness",
    "maintainability", "privacy", "robustness", "safety", "security", "transparency",
    "explainability",
]  # fmt: skip
Affected = Literal["organisation", "individuals", "groups", "society"]
RiskStatus = Literal[
    "identified", "assessed", "treatment_planned", "treated", "accepted", "closed"
]  # fmt: skip
TreatmentStatus = Literal["planned", "completed"]
# As the register lists them; a single acceptance also reads `expired` once past its expiry.
AcceptanceStatus = Literal["requested", "approved", "rejected", "voided"]

__all__ = [
    "AcceptanceStatus", "Affected", "Category", "Option", "RiskStatus", "TreatmentStatus",
]  # fmt: skip
