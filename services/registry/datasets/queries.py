"""Read-side queries of datasets."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.http.pagination import Page, keyset_page

_COLUMNS = (
    "id, name, owner, source, provenance, licence, personal_data, data_version, digest, use,"
    " system_ids, model_version_ids, version, created_at, updated_at, created_position"
)


async def datasets(
    pool: asyncpg.Pool, *, system_id: UUID | None, model_version_id: UUID | None,
    use: str | None, cursor: str | None, limit: int,
) -> Page:  # fmt: skip
    """Datasets linked to a system or model version (None: any), newest first."""
    conditions = [
        ("system_ids @> ARRAY[{}]::uuid[]", system_id),
        ("model_version_ids @> ARRAY[{}]::uuid[]", model_version_id),
        ("use = {}", use),
    ]
    return await keyset_page(pool, "registry_dataset", conditions, cursor=cursor, limit=limit,
                             columns=_COLUMNS, keep_key=False)  # fmt: skip
