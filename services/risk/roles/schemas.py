"""AI role request bodies (each builds its command) and the role as JSON."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import MISSING

from services.risk.fields import In, Name, Text
from services.risk.records.schemas import Competences, Items, People, Person, ReasonIn
from services.risk.roles.commands import DefineRole, RetireRole, ReviseRole, RoleContent
from services.risk.roles.domain import AIRole


class _RoleFields(In):
    name: Name
    description: Text = ""
    responsibilities: Items = []
    competences: Competences = []  # identifiers training records name, e.g. `bias-testing`
    members: People = []  # the people who hold the role (token subjects)
    owner: Person | MISSING = MISSING  # left out: the author (new), else unchanged

    def content(self) -> RoleContent:
        return RoleContent(
            self.name, self.description, tuple(self.responsibilities), tuple(self.competences),
            tuple(self.members), None if self.owner is MISSING else self.owner,
        )  # fmt: skip


class RoleIn(_RoleFields):
    def to_command(self) -> DefineRole:
        return DefineRole(self.content())


class RoleRevisionIn(_RoleFields):
    def to_command(self, role_id: UUID, expected_version: int | None) -> ReviseRole:
        return ReviseRole(role_id, self.content(), expected_version)


class RoleRetireIn(ReasonIn):
    def to_command(self, role_id: UUID, expected_version: int | None) -> RetireRole:
        return RetireRole(role_id, self.reason, expected_version)


def role_out(r: AIRole) -> dict[str, Any]:
    return {
        "id": r.id, **r.content, "status": r.status, "retired_reason": r.retired_reason,
        "defined_by": r.defined_by, "revisers": r.revisers, "version": r.version,
        "created_at": r.created_at, "updated_at": r.last_event_at,
    }  # fmt: skip
