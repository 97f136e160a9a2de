"""Human oversight of a system in use (A.9, EU AI Act Art. 14): stream `oversight-<system_id>`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.contract.events.registry import OversightAssigned
from shared.domain.aggregate import Aggregate, DomainEvent


@dataclass
class Oversight(Aggregate):
    """Who oversees a system, the measures they take, and how they stop it."""

    category = "oversight"
    overseers: list[str] = field(default_factory=list)
    measures: str = ""
    can_override: bool = False
    stop_procedure: str = ""
    updated_by: str | None = None

    def assign(
        self, overseers: Sequence[str], measures: str, can_override: bool, stop_procedure: str
    ) -> None:
        """Record the oversight arrangement; the same arrangement again records nothing."""
        new = (list(overseers), measures, can_override, stop_procedure)
        if self.version and new == self._current():
            return
        self._emit(OversightAssigned(
            system_id=self.id, overseers=list(overseers), measures=measures,
            can_override=can_override, stop_procedure=stop_procedure,
        ))  # fmt: skip

    @property
    def assigned(self) -> bool:
        """True when at least one overseer is named."""
        return bool(self.overseers)

    def _current(self) -> tuple[list[str], str, bool, str]:
        return self.overseers, self.measures, self.can_override, self.stop_procedure

    def apply(self, event: DomainEvent) -> None:
        match event:
            case OversightAssigned():
                self.overseers, self.measures = list(event.overseers), event.measures
                self.can_override, self.stop_procedure = event.can_override, event.stop_procedure

    def recorded(self, event: DomainEvent, actor: str | None, at: datetime | None) -> None:
        self.updated_by = actor
