"""What may be asked of the Statement of Applicability."""

from __future__ import annotations

from dataclasses import dataclass

from services.risk.soa.domain import Status


@dataclass(frozen=True)
class SetSoAEntry:
    """Record whether an Annex A control applies, and why (either way)."""

    control_id: str
    applicable: bool
    justification: str
    status: Status | None = None
    owner: str = ""
    deployment_gate: bool = False
    expected_version: int | None = None
