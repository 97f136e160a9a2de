"""Every projection of the registry, one per feature that keeps a read model."""

from services.registry.gate.projections import GateFactsProjection
from services.registry.systems.projections import SystemList
from shared.kernel.projections import Projection

PROJECTIONS: list[Projection] = [SystemList(), GateFactsProjection()]
