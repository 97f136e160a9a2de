"""Read side of the MLflow webhook: which system claims a registered-model name."""

from __future__ import annotations

from uuid import UUID

import asyncpg


async def claimant(pool: asyncpg.Pool, name: str) -> UUID | None:
    """The system that claims an MLflow registered-model name, if any."""
    if "\x00" in name:
        return None  # PostgreSQL text cannot hold NUL: no system can have claimed it
    value = await pool.fetchval("SELECT system_id FROM registry_model_name WHERE name = $1", name)
    return value if value is None else UUID(str(value))
