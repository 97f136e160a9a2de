"""Read models of the context: one row per interested party, one for the scope."""

from __future__ import annotations

from typing import Any

import orjson

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid

_COLUMNS = "name, kind, description, requirements, system_ids, owner"
_SET = ", ".join(f"{c} = ${i}" for i, c in enumerate(_COLUMNS.split(", "), start=2))


class PartyList(WritesProjection):
    """One row per interested party, its requirements as JSON."""

    name = "risk.interested_parties"
    tables = ("risk_interested_party",)
    types = frozenset({"InterestedPartyRecorded", "InterestedPartyRevised",
                       "InterestedPartyRetired"})  # fmt: skip

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d = e.data
        key, pid = [("party", d["party_id"])], uid(d["party_id"])
        if e.type == "InterestedPartyRecorded":
            w.add(key,
                  f"INSERT INTO risk_interested_party (id, {_COLUMNS}, recorded_by, status,"
                  " version, created_position, created_at, updated_at) VALUES ($1, $2, $3, $4,"
                  " $5::text::jsonb, $6, $7, $8, 'active', $9, $10, $11, $11)"
                  " ON CONFLICT DO NOTHING",
                  pid, *_content(d), d["recorded_by"], e.version, e.position,
                  e.recorded_at)  # fmt: skip
        elif e.type == "InterestedPartyRevised":
            w.add(key,
                  f"UPDATE risk_interested_party SET {_SET.replace('$5', '$5::text::jsonb')},"
                  " version = $8, updated_at = $9 WHERE id = $1",
                  pid, *_content(d), e.version, e.recorded_at)  # fmt: skip
        else:
            w.add(key,
                  "UPDATE risk_interested_party SET status = 'retired', version = $2,"
                  " updated_at = $3 WHERE id = $1",
                  pid, e.version, e.recorded_at)  # fmt: skip


def _content(d: dict[str, Any]) -> tuple[Any, ...]:
    return (
        d["name"], d["kind"], d.get("description", ""),
        orjson.dumps(d.get("requirements") or []).decode(),
        [uid(s) for s in d.get("system_ids") or []], d["owner"],
    )  # fmt: skip


class ScopeStatement(WritesProjection):
    """The scope of the AI management system: its latest version and the one in force."""

    name = "risk.aims_scope"
    tables = ("risk_aims_scope",)
    types = frozenset({"AIMSScopeSet", "AIMSScopeApproved"})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d, key = e.data, [("scope",)]
        if e.type == "AIMSScopeSet":
            w.add(key,
                  "INSERT INTO risk_aims_scope (id, scope_version, statement, boundaries,"
                  " exclusions, system_ids, owner, set_by, approval_status, version, updated_at)"
                  " VALUES (true, $1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9)"
                  " ON CONFLICT (id) DO UPDATE SET scope_version = $1, statement = $2,"
                  " boundaries = $3, exclusions = $4, system_ids = $5, owner = $6, set_by = $7,"
                  " approval_status = 'pending', version = $8, updated_at = $9",
                  d["scope_version"], d["statement"], d.get("boundaries", ""),
                  d.get("exclusions", ""), [uid(s) for s in d.get("system_ids") or []],
                  d["owner"], d["set_by"], e.version, e.recorded_at)  # fmt: skip
        else:
            w.add(key,
                  "UPDATE risk_aims_scope SET approval_status = 'approved', in_force_version = $1,"
                  " in_force_system_ids = $2, approved_by = $3, approved_at = $4, version = $5,"
                  " updated_at = $4",
                  d["scope_version"], [uid(s) for s in d.get("system_ids") or []],
                  d["approved_by"], e.recorded_at, e.version)  # fmt: skip
