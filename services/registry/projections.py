"""Every projection of the registry, one per feature that keeps a read model."""

from services.registry import approvals
from services.registry.datasets.projections import DatasetList
from services.registry.dossier.projections import SystemEventIndex
from services.registry.gate.domain import GatePolicy, load_policy
from services.registry.gate.projections import GateFactsProjection
from services.registry.operation.projections import OperationList
from services.registry.operation.reactor import BreachReactor
from services.registry.responsibilities.projections import ResponsibilityList
from services.registry.systems.projections import SystemList
from shared.http.approvals import approval_list
from shared.kernel.projections import Projection


def projections(policy: GatePolicy | None = None) -> list[Projection]:
    """The registry's projections; the breach reactor moves systems under `policy`."""
    reactor = BreachReactor(policy or load_policy())
    return [
        SystemList(), GateFactsProjection(), OperationList(), reactor,
        approval_list("registry", approvals.KINDS, approvals.EFFECTS),
        ResponsibilityList(), DatasetList(), SystemEventIndex(),
    ]  # fmt: skip


PROJECTIONS: list[Projection] = projections()
