"""What callers ask about datasets: typed commands, built by the API schemas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from services.registry.datasets.domain import Record


@dataclass(frozen=True)
class RegisterDataset:
    """Enter a data resource with its provenance, linked to systems and model versions."""

    record: Record


@dataclass(frozen=True)
class ReviseDataset:
    """Change fields of a dataset (a new data version, provenance, checks, links...)."""

    dataset_id: UUID
    changes: dict[str, Any]
    expected_version: int | None = None
