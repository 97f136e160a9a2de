"""The read model of AI roles: one row per role, with its competences and holders."""

from __future__ import annotations

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid

_COLUMNS = "name, description, owner, responsibilities, competences, members"
_SET = ", ".join(f"{c} = ${i}" for i, c in enumerate(_COLUMNS.split(", "), start=2))


class RoleList(WritesProjection):
    """One row per AI role."""

    name = "risk.ai_roles"
    tables = ("risk_ai_role",)
    types = frozenset({"AIRoleDefined", "AIRoleRevised", "AIRoleRetired"})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d = e.data
        key, rid = [("airole", d["role_id"])], uid(d["role_id"])
        content = (
            d.get("name"), d.get("description", ""), d.get("owner"),
            d.get("responsibilities") or [], d.get("competences") or [], d.get("members") or [],
        )  # fmt: skip
        if e.type == "AIRoleDefined":
            w.add(key,
                  f"INSERT INTO risk_ai_role (id, {_COLUMNS}, defined_by, status, version,"
                  " created_position, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6,"
                  " $7, $8, 'active', $9, $10, $11, $11) ON CONFLICT DO NOTHING",
                  rid, *content, d["defined_by"], e.version, e.position, e.recorded_at)  # fmt: skip
        elif e.type == "AIRoleRevised":
            w.add(key,
                  f"UPDATE risk_ai_role SET {_SET}, version = $8, updated_at = $9 WHERE id = $1",
                  rid, *content, e.version, e.recorded_at)  # fmt: skip
        else:
            w.add(key,
                  "UPDATE risk_ai_role SET status = 'retired', version = $2, updated_at = $3"
                  " WHERE id = $1",
                  rid, e.version, e.recorded_at)  # fmt: skip
