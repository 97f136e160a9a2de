"""What callers ask about a system's responsibilities: typed commands, built by the schemas."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class AssignResponsibilities:
    """Name who is accountable, responsible, consulted and informed for a system."""

    system_id: UUID
    accountable: str
    responsible: tuple[str, ...]
    consulted: tuple[str, ...]
    informed: tuple[str, ...]
    expected_version: int | None = None
