"""An organisation-level AI role (5.3, A.3.2): what it answers for, the competences it needs
(7.2, A.4.6) and the people who hold it. The holders of active roles are the roster the
competence gaps and the AI policy's acknowledgements are counted against."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self
from uuid import UUID

from shared.contract.events.risk import AIRoleDefined, AIRoleRetired, AIRoleRevised
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict

CONTENT = ("name", "description", "responsibilities", "competences", "members", "owner")


@dataclass
class AIRole(Aggregate):
    category = "airole"
    content: dict[str, Any] = field(default_factory=dict)
    status: str = "active"
    defined_by: str = ""
    revisers: list[str] = field(default_factory=list)
    retired_reason: str | None = None

    @classmethod
    def define(cls, id: UUID, content: dict[str, Any], by: str) -> Self:
        """A new role on the organisation's list."""
        role = cls(id)
        role._emit(AIRoleDefined(role_id=id, defined_by=by, **content))
        return role

    def revise(self, content: dict[str, Any], by: str) -> None:
        """Change the role (nothing when it is unchanged); a retired role stays retired."""
        self._check_active()
        if content == self.content:
            return
        self._emit(AIRoleRevised(role_id=self.id, revised_by=by, **content))

    def retire(self, reason: str, by: str) -> None:
        """Take the role off the list."""
        self._check_active()
        self._emit(AIRoleRetired(role_id=self.id, reason=reason, retired_by=by))

    def _check_active(self) -> None:
        if self.status == "retired":
            raise Conflict("the role is retired", code="role_retired")

    def apply(self, event: DomainEvent) -> None:
        match event:
            case AIRoleDefined():
                self.content = {k: getattr(event, k) for k in CONTENT}
                self.defined_by = event.defined_by
            case AIRoleRevised():
                self.content = {k: getattr(event, k) for k in CONTENT}
                if event.revised_by not in self.revisers:
                    self.revisers.append(event.revised_by)
            case AIRoleRetired():
                self.status, self.retired_reason = "retired", event.reason
