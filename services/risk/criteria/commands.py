"""What may be asked of the risk criteria."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SetCriteria:
    """Adopt new risk criteria (a new version when anything differs)."""

    likelihood_labels: tuple[str, ...]
    consequence_labels: tuple[str, ...]
    levels: tuple[str, ...]
    matrix: tuple[tuple[str, ...], ...]
    appetite: str
    expected_version: int | None = None

    def document(self) -> dict[str, Any]:
        """The criteria document the domain checks and the event records."""
        return {
            "likelihood_labels": list(self.likelihood_labels),
            "consequence_labels": list(self.consequence_labels),
            "levels": list(self.levels),
            "matrix": [list(row) for row in self.matrix],
            "appetite": self.appetite,
        }
