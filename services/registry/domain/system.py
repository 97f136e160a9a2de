"""The AI system aggregate: inventory entry and lifecycle stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from shared.aggregate import Aggregate, DomainEvent
from shared.errors import Conflict
from shared.events.registry import SystemRegistered, SystemUpdated


@dataclass
class AISystem(Aggregate):
    category = "system"
    name: str = ""
    purpose: str = ""
    owner: str = ""
    provider_role: str = ""
    eu_ai_act_tier: str = "unassessed"
    intended_use: str = ""
    tags: list[str] = field(default_factory=list)
    stage: str = "inception"

    @classmethod
    def register(
        cls, id: UUID, *, name: str, purpose: str, owner: str, provider_role: str,
        eu_ai_act_tier: str, intended_use: str = "", tags: list[str] | None = None,
    ) -> AISystem:  # fmt: skip
        """A new inventory entry at the inception stage."""
        system = cls(id)
        system._emit(
            SystemRegistered(
                system_id=id,
                name=name,
                purpose=purpose,
                owner=owner,
                provider_role=provider_role,
                eu_ai_act_tier=eu_ai_act_tier,  # type: ignore[arg-type]
                intended_use=intended_use,
                tags=tags or [],
            )  # fmt: skip
        )
        return system

    def update(self, changes: dict[str, object]) -> None:
        """Change inventory fields; a tier or purpose change is significant."""
        if self.stage == "retired":
            raise Conflict("a retired system cannot change", code="retired")
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if changed:
            significant = bool({"eu_ai_act_tier", "purpose", "intended_use"} & changed.keys())
            self._emit(SystemUpdated(system_id=self.id, changes=changed, significant=significant))

    def apply(self, event: DomainEvent) -> None:
        match event:
            case SystemRegistered():
                self.name, self.purpose, self.owner = event.name, event.purpose, event.owner
                self.provider_role, self.eu_ai_act_tier = event.provider_role, event.eu_ai_act_tier
                self.intended_use, self.tags = event.intended_use, list(event.tags)
            case SystemUpdated():
                for k, v in event.changes.items():
                    setattr(self, k, v)
