"""risk read models, folded from the global log."""

from shared.projections import Projection

PROJECTIONS: list[Projection] = []
