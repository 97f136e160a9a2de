"""Registry read models, folded from the global log."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.eventstore import StoredEvent
from shared.projections import Projection


class SystemList(Projection):
    """One row per AI system for lists and dashboards."""

    name = "registry.system_list"
    tables = ("registry_system",)
    types = frozenset({"SystemRegistered", "SystemUpdated"})

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        d = e.data
        match e.type:
            case "SystemRegistered":
                await conn.execute(
                    "INSERT INTO registry_system (id, name, owner, eu_ai_act_tier, stage,"
                    " provider_role, tags, version, created_position, created_at, updated_at)"
                    " VALUES ($1, $2, $3, $4, 'inception', $5, $6, $7, $8, $9, $9)"
                    " ON CONFLICT (id) DO NOTHING",
                    UUID(d["system_id"]), d["name"], d["owner"], d["eu_ai_act_tier"],
                    d["provider_role"], d["tags"], e.version, e.position, e.recorded_at,
                )  # fmt: skip
            case "SystemUpdated":
                allowed = {"name", "eu_ai_act_tier", "provider_role", "tags"}
                changes = {k: v for k, v in d["changes"].items() if k in allowed}
                sets = ", ".join(f"{k} = ${i}" for i, k in enumerate(changes, start=4))
                await conn.execute(
                    f"UPDATE registry_system SET version = $2, updated_at = $3"
                    f"{', ' + sets if sets else ''} WHERE id = $1",
                    UUID(d["system_id"]), e.version, e.recorded_at, *changes.values(),
                )  # fmt: skip


PROJECTIONS: list[Projection] = [SystemList()]
