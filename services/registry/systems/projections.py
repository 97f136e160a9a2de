"""The inventory's read models, folded from the global log: the system list and its decisions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Projection, Rows, Writes, instant, uid

LISTED = ("name", "owner", "eu_ai_act_tier", "provider_role", "tags", "mlflow_model_names")
SYSTEM_EVENTS = frozenset({
    "SystemRegistered", "SystemUpdated", "SystemOwnerAssigned", "SystemStageChanged",
    "SystemRetired", "ModelVersionRegistered", "ModelVersionTagSet", "ModelVersionAliasSet",
})  # fmt: skip


class SystemList(Projection):
    """One row per AI system (stage, tier, owner, last decision), its decisions and name claims."""

    name = "registry.system_list"
    tables = ("registry_system", "registry_decision", "registry_model_name")
    types = SYSTEM_EVENTS | {"DeploymentDecisionMade", "DeploymentRecorded"}

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        await self.handle_batch([e], conn)

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        b = _Batch()
        await b.systems.load(conn, (uid(e.data["system_id"]) for e in events))
        decided = (uid(e.data["decision_id"]) for e in events if "decision_id" in e.data)
        await b.decisions.load(conn, decided)
        for e in events:
            _apply(b, e)
        await b.systems.flush(conn)
        await b.decisions.flush(conn)
        await b.names.flush(conn)


class _Batch:
    """A batch's system and decision rows, and its name-claim statements."""

    def __init__(self) -> None:
        self.systems = Rows("registry_system", SYSTEM_COLUMNS)
        self.decisions = Rows("registry_decision", DECISION_COLUMNS)
        self.names = Writes()  # claims of different systems conflict on the name: in order


SYSTEM_COLUMNS = (
    "id", "name", "owner", "eu_ai_act_tier", "provider_role", "stage", "tags",
    "mlflow_model_names", "model_versions", "last_decision", "last_decision_id",
    "last_decision_at", "version", "created_position", "created_at", "updated_at",
)  # fmt: skip
DECISION_COLUMNS = (
    "id", "system_id", "model_version", "environment", "decision", "mode", "reasons",
    "policy_version", "expires_at", "deployed_at", "deployed_by", "created_position",
    "created_at",
)  # fmt: skip
_NAMES = ("names",)


def _apply(b: _Batch, e: StoredEvent) -> None:
    d, system_id = e.data, uid(e.data["system_id"])
    if e.type == "SystemRegistered":
        new = b.systems.add({
            "id": system_id, "name": d["name"], "owner": d["owner"],
            "eu_ai_act_tier": d["eu_ai_act_tier"], "stage": "inception",
            "provider_role": d["provider_role"], "tags": d["tags"],
            "mlflow_model_names": d.get("mlflow_model_names", []), "model_versions": 0,
            "version": e.version, "created_position": e.position, "created_at": e.recorded_at,
            "updated_at": e.recorded_at,
        })  # fmt: skip
        if new:
            _claim(b.names, system_id, d.get("mlflow_model_names", []), e)
    elif e.type == "DeploymentDecisionMade":
        decision_id = uid(d["decision_id"])
        b.decisions.add({
            "id": decision_id, "system_id": system_id, "model_version": d["model_version"],
            "environment": d["environment"], "decision": d["decision"], "mode": d["mode"],
            "reasons": d["reasons"], "policy_version": d["policy_version"],
            "expires_at": instant(d["expires_at"]),
            "created_position": e.position, "created_at": e.recorded_at,
        })  # fmt: skip
        b.systems.change(
            system_id, last_decision=d["decision"], last_decision_id=decision_id,
            last_decision_at=e.recorded_at,
        )  # fmt: skip
    elif e.type == "DeploymentRecorded":
        b.decisions.change(
            uid(d["decision_id"]), deployed_at=e.recorded_at, deployed_by=d["deployed_by"]
        )
    else:
        _update_system(b, e, system_id)


def _update_system(b: _Batch, e: StoredEvent, system_id: UUID) -> None:
    d, row = e.data, b.systems.get(system_id)
    if row is None:
        return
    changes: dict[str, Any] = {}
    match e.type:
        case "SystemUpdated":
            changes = {k: v for k, v in d["changes"].items() if k in LISTED}
            if "mlflow_model_names" in changes:
                _reclaim(b.names, system_id, changes["mlflow_model_names"], e)
        case "SystemOwnerAssigned":
            changes = {"owner": d["owner"]}
        case "SystemStageChanged":
            changes = {"stage": d["to"]}
        case "SystemRetired":
            b.names.add(_NAMES, "DELETE FROM registry_model_name WHERE system_id = $1", system_id)
        case "ModelVersionRegistered":
            changes = {"model_versions": row["model_versions"] + 1}
    b.systems.change(system_id, version=e.version, updated_at=e.recorded_at, **changes)


def _claim(w: Writes, system_id: UUID, names: list[str], e: StoredEvent) -> None:
    """Claim MLflow names for a system; a name another system holds stays with it."""
    if names:
        w.add(
            _NAMES,
            "INSERT INTO registry_model_name (name, system_id, claimed_at)"
            " SELECT n, $2, $3 FROM unnest($1::text[]) AS n ON CONFLICT (name) DO NOTHING",
            names, system_id, e.recorded_at,
        )  # fmt: skip


def _reclaim(w: Writes, system_id: UUID, names: list[str], e: StoredEvent) -> None:
    w.add(
        _NAMES,
        "DELETE FROM registry_model_name WHERE system_id = $1 AND NOT name = ANY($2::text[])",
        system_id, names,
    )  # fmt: skip
    _claim(w, system_id, names, e)
