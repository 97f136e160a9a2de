"""Every projection of the risk service, in the order the runner starts them."""

from __future__ import annotations

from services.risk.impact.projections import ImpactList
from services.risk.register.projections import RiskRegister
from services.risk.register.reactor import Reactor
from services.risk.soa.projections import ControlEvidence, SoAEntries
from shared.kernel.projections import Projection

PROJECTIONS: list[Projection] = [
    RiskRegister(), ImpactList(), SoAEntries(), ControlEvidence(), Reactor(),
]  # fmt: skip
