"""Every read model of the evidence service: the feature packages' projections, in order."""

from __future__ import annotations

from services.evidence.audits.projections import Audits, Nonconformities, Reviews, SystemOwners
from services.evidence.concerns.projections import Concerns
from services.evidence.incidents.projections import Incidents
from services.evidence.integrity.projections import StatementOfApplicability
from services.evidence.records.projections import EvidenceList
from services.evidence.subscriptions.projections import Subscriptions
from services.evidence.trail.projections import AuditTrail
from shared.kernel.projections import Projection

PROJECTIONS: list[Projection] = [
    EvidenceList(), SystemOwners(), StatementOfApplicability(), Audits(), Nonconformities(),
    Reviews(), Incidents(), Concerns(), AuditTrail(), Subscriptions(),
]  # fmt: skip
