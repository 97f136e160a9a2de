"""What may be asked of AI roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class RoleContent:
    """What a role answers for, the competences it needs and who holds it."""

    name: str
    description: str = ""
    responsibilities: tuple[str, ...] = ()
    competences: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    owner: str | None = None  # None: whoever defines it, and later the owner so far

    def document(self, owner: str) -> dict[str, Any]:
        """The content as the events record it (`owner` when it names none)."""
        return {
            "name": self.name, "description": self.description,
            "responsibilities": list(self.responsibilities),
            "competences": list(self.competences), "members": list(self.members),
            "owner": self.owner or owner,
        }  # fmt: skip


@dataclass(frozen=True)
class DefineRole:
    """Add an AI role to the organisation's list."""

    content: RoleContent


@dataclass(frozen=True)
class ReviseRole:
    """Change a role (all of it: the body is the whole role)."""

    role_id: UUID
    content: RoleContent
    expected_version: int | None = None


@dataclass(frozen=True)
class RetireRole:
    """Take a role off the list; its holders no longer need its competences."""

    role_id: UUID
    reason: str
    expected_version: int | None = None
