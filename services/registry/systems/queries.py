"""Read-side queries of the inventory: the system list, MLflow name claims, history."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from shared.http.pagination import Page, keyset_page

_SYSTEM_COLUMNS = (
    "id, name, owner, eu_ai_act_tier, provider_role, stage, tags, mlflow_model_names,"
    " model_versions, last_decision, last_decision_id, last_decision_at, version,"
    " created_at, updated_at, created_position"
)
_HISTORY_COLUMNS = "position, stream_id, version, type, data, metadata, recorded_at"
# The system's own stream and the streams of the decisions made about it.
# The system's own stream, those keyed by its id (oversight, monitoring, responsibilities),
# and those of its decisions, breaches and the datasets that name it.
_STREAMS_OF_SYSTEM = (
    "stream_id IN (SELECT c || '-' || {0}::uuid"
    " FROM unnest(ARRAY['system', 'oversight', 'monitoring', 'responsibilities']) AS c"
    " UNION ALL SELECT 'decision-' || id FROM registry_decision WHERE system_id = {0}::uuid"
    " UNION ALL SELECT 'breach-' || id FROM registry_breach WHERE system_id = {0}::uuid"
    " UNION ALL SELECT 'dataset-' || id FROM registry_dataset WHERE system_ids @> ARRAY[{0}::uuid])"
)


async def list_systems(
    pool: asyncpg.Pool, *, cursor: str | None, limit: int, stage: str | None = None,
    tier: str | None = None, owner: str | None = None, tag: str | None = None,
    last_decision: str | None = None,
) -> Page:  # fmt: skip
    """Systems matching the filters given (None: any), newest first, keyset-paginated."""
    conditions = [
        ("stage = {}", stage), ("eu_ai_act_tier = {}", tier), ("owner = {}", owner),
        ("last_decision = {}", last_decision),
        ("tags @> {}::text[]", None if tag is None else [tag]),
    ]  # fmt: skip
    return await keyset_page(
        pool, "registry_system", conditions, cursor=cursor, limit=limit,
        columns=_SYSTEM_COLUMNS, keep_key=False,
    )  # fmt: skip


async def claimed_elsewhere(
    pool: asyncpg.Pool, names: Sequence[str], system_id: UUID
) -> dict[str, UUID]:
    """Names in `names` that another system already claims, with that system."""
    names = [n for n in names if "\x00" not in n]  # unstorable, so unclaimed (the append says why)
    if not names:
        return {}
    rows = await pool.fetch(
        "SELECT name, system_id FROM registry_model_name"
        " WHERE name = ANY($1::text[]) AND system_id <> $2",
        names, system_id,
    )  # fmt: skip
    return {r["name"]: r["system_id"] for r in rows}


async def history(pool: asyncpg.Pool, system_id: UUID, *, cursor: str | None, limit: int) -> Page:
    """The events of the system and of the records about it, oldest first."""
    return await keyset_page(
        pool, "events", [(_STREAMS_OF_SYSTEM, system_id)], cursor=cursor, limit=limit,
        key="position", columns=_HISTORY_COLUMNS, ascending=True,
    )  # fmt: skip
