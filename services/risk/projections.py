"""Every projection of the risk service, in the order the runner starts them."""

from __future__ import annotations

from services.risk import approvals
from services.risk.competence.projections import TrainingList
from services.risk.impact.projections import ImpactList
from services.risk.objectives.projections import ObjectiveList
from services.risk.policies.projections import PolicyList
from services.risk.posture.projections import MonitoringReviews
from services.risk.register.projections import RiskRegister
from services.risk.register.reactor import Reactor
from services.risk.roles.projections import RoleList
from services.risk.scope.projections import PartyList, ScopeStatement
from services.risk.soa.projections import ControlEvidence, SoAEntries
from services.risk.suppliers.projections import SupplierList
from shared.http.approvals import approval_list
from shared.kernel.projections import Projection

PROJECTIONS: list[Projection] = [
    RiskRegister(), ImpactList(), SoAEntries(), ControlEvidence(), MonitoringReviews(),
    Reactor(), approval_list("risk", approvals.KINDS, approvals.EFFECTS),
    PolicyList(), RoleList(), TrainingList(), ObjectiveList(), SupplierList(), PartyList(),
    ScopeStatement(),
]  # fmt: skip
