"""Who answers for an AI system (5.3, A.3.2): stream `responsibilities-<system_id>`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.contract.events.registry import ResponsibilitiesAssigned
from shared.domain.aggregate import Aggregate, DomainEvent


@dataclass
class Responsibilities(Aggregate):
    """The system's RACI: one accountable person, the responsible, consulted and informed."""

    category = "responsibilities"
    accountable: str = ""
    responsible: list[str] = field(default_factory=list)
    consulted: list[str] = field(default_factory=list)
    informed: list[str] = field(default_factory=list)
    updated_by: str | None = None

    def assign(
        self, accountable: str, responsible: Sequence[str], consulted: Sequence[str],
        informed: Sequence[str],
    ) -> None:  # fmt: skip
        """Record who answers for the system; the same assignment again records nothing."""
        new = (accountable, list(responsible), list(consulted), list(informed))
        if self.version and new == self._current():
            return
        self._emit(ResponsibilitiesAssigned(
            system_id=self.id, accountable=accountable, responsible=list(responsible),
            consulted=list(consulted), informed=list(informed),
        ))  # fmt: skip

    @property
    def assigned(self) -> bool:
        """True once someone is accountable."""
        return bool(self.accountable)

    def _current(self) -> tuple[str, list[str], list[str], list[str]]:
        return self.accountable, self.responsible, self.consulted, self.informed

    def apply(self, event: DomainEvent) -> None:
        match event:
            case ResponsibilitiesAssigned():
                self.accountable, self.responsible = event.accountable, list(event.responsible)
                self.consulted, self.informed = list(event.consulted), list(event.informed)

    def recorded(self, event: DomainEvent, actor: str | None, at: datetime | None) -> None:
        self.updated_by = actor
