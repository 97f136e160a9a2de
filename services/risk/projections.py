"""Risk read models, folded from the global log."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from services.risk.domain.criteria import above_appetite
from services.risk.governance_projections import ControlEvidence, ImpactList, SoAEntries
from services.risk.reactor import Reactor
from shared.criteria import DEFAULT
from shared.eventstore import StoredEvent
from shared.projections import Projection

MATERIAL = {"RiskIdentified", "RiskAssessed", "RiskTreatmentPlanned", "ResidualRiskAssessed"}


async def _above(conn: asyncpg.Connection, level: str, version: int) -> bool:
    """Whether `level` exceeds the appetite of the criteria version that scored it."""
    doc: dict[str, Any] = DEFAULT
    if version:
        row = await conn.fetchrow(
            "SELECT levels, appetite FROM risk_criteria WHERE criteria_version = $1", version
        )
        doc = {"levels": list(row["levels"]), "appetite": row["appetite"]} if row else DEFAULT
    return above_appetite(doc, level)


class RiskRegister(Projection):
    """Criteria versions, risks, treatments and acceptances, for lists and posture."""

    name = "risk.register"
    tables = ("risk_criteria", "risk_risk", "risk_treatment", "risk_acceptance")
    types = frozenset({
        "RiskCriteriaSet", "RiskIdentified", "RiskAssessed", "RiskTreatmentPlanned",
        "RiskTreatmentCompleted", "ResidualRiskAssessed", "RiskClosed", "AcceptanceRequested",
        "AcceptanceApproved", "AcceptanceRejected", "AcceptanceVoided",
    })  # fmt: skip

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        d = e.data
        if e.type in MATERIAL and e.type != "RiskIdentified":
            await conn.execute(
                "UPDATE risk_risk SET material_version = $2, accepted_by_id = NULL WHERE id = $1",
                UUID(d["risk_id"]), e.version,
            )  # fmt: skip
        if e.category == "risk" and e.type != "RiskIdentified":
            await conn.execute(
                "UPDATE risk_risk SET version = $2, updated_at = $3 WHERE id = $1",
                UUID(d["risk_id"]), e.version, e.recorded_at,
            )  # fmt: skip
        await getattr(self, "_" + e.type)(e, d, conn)

    async def _RiskCriteriaSet(self, e: StoredEvent, d: dict[str, Any], conn: Any) -> None:
        await conn.execute(
            "INSERT INTO risk_criteria (criteria_version, levels, appetite, set_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            d["criteria_version"], d["levels"], d["appetite"], e.recorded_at,
        )  # fmt: skip

    async def _RiskIdentified(self, e: StoredEvent, d: dict[str, Any], conn: Any) -> None:
        above = await _above(conn, d["level"], d["criteria_version"])
        await conn.execute(
            "INSERT INTO risk_risk (id, system_id, title, category, owner, likelihood,"
            " consequence, level, criteria_version, above_appetite, progress, material_version,"
            " version, created_position, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6,"
            " $7, $8, $9, $10, 'identified', $11, $11, $12, $13, $13) ON CONFLICT DO NOTHING",
            UUID(d["risk_id"]), UUID(d["system_id"]), d["title"], d["category"], d["owner"],
            d["likelihood"], d["consequence"], d["level"], d["criteria_version"], above,
            e.version, e.position, e.recorded_at,
        )  # fmt: skip

    async def _RiskAssessed(self, e: StoredEvent, d: dict[str, Any], conn: Any) -> None:
        await conn.execute(
            "UPDATE risk_risk SET likelihood = $2, consequence = $3, level = $4,"
            " criteria_version = $5, progress = CASE WHEN progress = 'identified'"
            " THEN 'assessed' ELSE progress END WHERE id = $1",
            UUID(d["risk_id"]), d["likelihood"], d["consequence"], d["level"],
            d["criteria_version"],
        )  # fmt: skip
        await self._reappetite(conn, UUID(d["risk_id"]))

    async def _ResidualRiskAssessed(self, e: StoredEvent, d: dict[str, Any], conn: Any) -> None:
        await conn.execute(
            "UPDATE risk_risk SET residual_likelihood = $2, residual_consequence = $3,"
            " residual_level = $4, residual_criteria_version = $5 WHERE id = $1",
            UUID(d["risk_id"]), d["likelihood"], d["consequence"], d["level"],
            d["criteria_version"],
        )  # fmt: skip
        await self._reappetite(conn, UUID(d["risk_id"]))

    async def _reappetite(self, conn: Any, risk_id: UUID) -> None:
        row = await conn.fetchrow(
            "SELECT coalesce(residual_level, level) AS lvl,"
            " coalesce(residual_criteria_version, criteria_version) AS cv"
            " FROM risk_risk WHERE id = $1",
            risk_id,
        )
        if row:
            above = await _above(conn, row["lvl"], row["cv"])
            await conn.execute("UPDATE risk_risk SET above_appetite = $2 WHERE id = $1",
                               risk_id, above)  # fmt: skip

    async def _RiskTreatmentPlanned(self, e: StoredEvent, d: dict[str, Any], conn: Any) -> None:
        await conn.execute(
            "INSERT INTO risk_treatment (id, risk_id, system_id, option, controls, plan, owner,"
            " due, status, created_position, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7,"
            " $8::text::date, 'planned', $9, $10) ON CONFLICT DO NOTHING",
            UUID(d["treatment_id"]), UUID(d["risk_id"]), UUID(d["system_id"]), d["option"],
            d["controls"], d["plan"], d["owner"], d["due"], e.position, e.recorded_at,
        )  # fmt: skip
        await conn.execute(
            "UPDATE risk_risk SET progress = 'treatment_planned'"
            " WHERE id = $1 AND progress <> 'closed'",
            UUID(d["risk_id"]),
        )  # fmt: skip

    async def _RiskTreatmentCompleted(self, e: StoredEvent, d: dict[str, Any], conn: Any) -> None:
        await conn.execute(
            "UPDATE risk_treatment SET status = 'completed', completed_at = $2 WHERE id = $1",
            UUID(d["treatment_id"]), e.recorded_at,
        )  # fmt: skip
        await conn.execute(
            "UPDATE risk_risk SET progress = 'treated' WHERE id = $1 AND progress <> 'closed'"
            " AND NOT EXISTS (SELECT 1 FROM risk_treatment t WHERE t.risk_id = $1"
            " AND t.status = 'planned')",
            UUID(d["risk_id"]),
        )  # fmt: skip

    async def _RiskClosed(self, e: StoredEvent, d: dict[str, Any], conn: Any) -> None:
        await conn.execute("UPDATE risk_risk SET progress = 'closed' WHERE id = $1",
                           UUID(d["risk_id"]))  # fmt: skip

    async def _AcceptanceRequested(self, e: StoredEvent, d: dict[str, Any], conn: Any) -> None:
        await conn.execute(
            "INSERT INTO risk_acceptance (id, risk_id, system_id, risk_version, level,"
            " justification, expires_at, requested_by, status, created_position, created_at,"
            " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7::text::timestamptz, $8,"
            " 'requested', $9, $10, $10) ON CONFLICT DO NOTHING",
            UUID(d["acceptance_id"]), UUID(d["risk_id"]), UUID(d["system_id"]),
            d["risk_version"], d["level"], d["justification"], d["expires_at"],
            d["requested_by"], e.position, e.recorded_at,
        )  # fmt: skip

    async def _decided(self, e: StoredEvent, d: dict[str, Any], conn: Any, **cols: Any) -> None:
        sets = ", ".join(f"{k} = ${i}" for i, k in enumerate(cols, start=3))
        await conn.execute(
            f"UPDATE risk_acceptance SET updated_at = $2, {sets} WHERE id = $1",
            UUID(d["acceptance_id"]), e.recorded_at, *cols.values(),
        )  # fmt: skip

    async def _AcceptanceApproved(self, e: StoredEvent, d: dict[str, Any], conn: Any) -> None:
        await self._decided(e, d, conn, status="approved", decided_by=d["approved_by"])
        # Counts only if the risk has not changed materially since the version it names.
        await conn.execute(
            "UPDATE risk_risk SET accepted_by_id = $2 WHERE id = $1 AND material_version <= $3",
            UUID(d["risk_id"]), UUID(d["acceptance_id"]), d["risk_version"],
        )  # fmt: skip

    async def _AcceptanceRejected(self, e: StoredEvent, d: dict[str, Any], conn: Any) -> None:
        await self._decided(e, d, conn, status="rejected", decided_by=d["rejected_by"])

    async def _AcceptanceVoided(self, e: StoredEvent, d: dict[str, Any], conn: Any) -> None:
        await self._decided(e, d, conn, status="voided", void_reason=d["reason"])
        await conn.execute(
            "UPDATE risk_risk SET accepted_by_id = NULL WHERE id = $1 AND accepted_by_id = $2",
            UUID(d["risk_id"]), UUID(d["acceptance_id"]),
        )  # fmt: skip


PROJECTIONS: list[Projection] = [
    RiskRegister(), ImpactList(), SoAEntries(), ControlEvidence(), Reactor(),
]  # fmt: skip
