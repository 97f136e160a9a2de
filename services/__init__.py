"""The three aims services: registry, risk and evidence."""

from __future__ import annotations

from shared.kernel.projections import Projection


def all_projections() -> list[Projection]:
    """Every projection of every service (for `aims replay`)."""
    from services.evidence.projections import PROJECTIONS as evidence
    from services.registry.projections import PROJECTIONS as registry
    from services.risk.projections import PROJECTIONS as risk

    return [*registry, *risk, *evidence]
