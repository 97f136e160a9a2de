"""Registry read models, folded from the global log: the system list and its decisions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from services.registry.gate_facts import GateFactsProjection
from shared.eventstore import StoredEvent
from shared.projections import Projection, Writes

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
        w = Writes()
        for e in events:
            _apply(w, e)
        await w.flush(conn)


# Row keys for `Writes`: a system's row, a decision's row, and every name claim together
# (claims of different systems conflict on the name, so they keep their order).
_NAMES = ("names",)


def _apply(w: Writes, e: StoredEvent) -> None:
    d = e.data
    match e.type:
        case "SystemRegistered":
            _insert_system(w, e)
            _claim(w, UUID(d["system_id"]), d.get("mlflow_model_names", []), e)
        case "DeploymentDecisionMade":
            _insert_decision(w, e)
        case "DeploymentRecorded":
            w.add(
                [("decision", UUID(d["decision_id"]))],
                "UPDATE registry_decision SET deployed_at = $2, deployed_by = $3 WHERE id = $1",
                UUID(d["decision_id"]), e.recorded_at, d["deployed_by"],
            )  # fmt: skip
        case _:
            _update_system(w, e)


def _insert_system(w: Writes, e: StoredEvent) -> None:
    d = e.data
    w.add(
        [("system", UUID(d["system_id"]))],
        "INSERT INTO registry_system (id, name, owner, eu_ai_act_tier, stage, provider_role,"
        " tags, mlflow_model_names, version, created_position, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, 'inception', $5, $6, $7, $8, $9, $10, $10)"
        " ON CONFLICT (id) DO NOTHING",
        UUID(d["system_id"]), d["name"], d["owner"], d["eu_ai_act_tier"], d["provider_role"],
        d["tags"], d.get("mlflow_model_names", []), e.version, e.position, e.recorded_at,
    )  # fmt: skip


def _update_system(w: Writes, e: StoredEvent) -> None:
    d, system_id = e.data, UUID(e.data["system_id"])
    changes: dict[str, Any] = {}
    match e.type:
        case "SystemUpdated":
            changes = {k: v for k, v in d["changes"].items() if k in LISTED}
            if "mlflow_model_names" in changes:
                _reclaim(w, system_id, changes["mlflow_model_names"], e)
        case "SystemOwnerAssigned":
            changes = {"owner": d["owner"]}
        case "SystemStageChanged":
            changes = {"stage": d["to"]}
        case "SystemRetired":
            w.add(_NAMES, "DELETE FROM registry_model_name WHERE system_id = $1", system_id)
    sets = "".join(f", {k} = ${i}" for i, k in enumerate(changes, start=4))
    counted = ", model_versions = model_versions + 1" if e.type == "ModelVersionRegistered" else ""
    w.add(
        [("system", system_id)],
        f"UPDATE registry_system SET version = $2, updated_at = $3{sets}{counted} WHERE id = $1",
        system_id, e.version, e.recorded_at, *changes.values(),
    )  # fmt: skip


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


def _insert_decision(w: Writes, e: StoredEvent) -> None:
    d = e.data
    decision_id, system_id = UUID(d["decision_id"]), UUID(d["system_id"])
    w.add(
        [("decision", UUID(d["decision_id"]))],
        "INSERT INTO registry_decision (id, system_id, model_version, environment, decision,"
        " mode, reasons, policy_version, expires_at, created_position, created_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::timestamptz, $10, $11)"
        " ON CONFLICT (id) DO NOTHING",
        decision_id, system_id, d["model_version"], d["environment"], d["decision"], d["mode"],
        d["reasons"], d["policy_version"], d["expires_at"], e.position, e.recorded_at,
    )  # fmt: skip
    w.add(
        [("system", system_id)],
        "UPDATE registry_system SET last_decision = $2, last_decision_id = $3,"
        " last_decision_at = $4 WHERE id = $1",
        system_id, d["decision"], decision_id, e.recorded_at,
    )  # fmt: skip


PROJECTIONS: list[Projection] = [SystemList(), GateFactsProjection()]
