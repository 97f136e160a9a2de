"""What may be asked of interested parties and of the AIMS scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from shared.contract.events.risk import PartyKind


@dataclass(frozen=True)
class PartyContent:
    """Who the party is and what it requires of the AI management system."""

    name: str
    kind: PartyKind
    description: str = ""
    requirements: tuple[tuple[str, str], ...] = ()  # (requirement, source)
    system_ids: tuple[UUID, ...] = ()
    owner: str | None = None  # None: whoever records it, and later the owner so far

    def document(self, owner: str) -> dict[str, Any]:
        """The content as the events record it (`owner` when it names none)."""
        return {
            "name": self.name, "kind": self.kind, "description": self.description,
            "requirements": [{"requirement": r, "source": s} for r, s in self.requirements],
            "system_ids": list(self.system_ids), "owner": self.owner or owner,
        }  # fmt: skip


@dataclass(frozen=True)
class RecordParty:
    content: PartyContent


@dataclass(frozen=True)
class ReviseParty:
    party_id: UUID
    content: PartyContent
    expected_version: int | None = None


@dataclass(frozen=True)
class RetireParty:
    party_id: UUID
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True)
class ScopeContent:
    """The scope statement, its boundaries and exclusions, and the AI systems inside it."""

    statement: str
    boundaries: str = ""
    exclusions: str = ""
    system_ids: tuple[UUID, ...] = ()
    owner: str | None = None  # None: whoever writes the first version, later the owner so far

    def document(self, owner: str) -> dict[str, Any]:
        return {
            "statement": self.statement, "boundaries": self.boundaries,
            "exclusions": self.exclusions, "system_ids": list(self.system_ids),
            "owner": self.owner or owner,
        }  # fmt: skip


@dataclass(frozen=True)
class SetScope:
    """Write a new version of the scope; it takes effect once approved."""

    content: ScopeContent
    expected_version: int | None = None


@dataclass(frozen=True)
class ApproveScope:
    comment: str = ""
    expected_version: int | None = None
