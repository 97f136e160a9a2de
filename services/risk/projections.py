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
from shared.projections import Projection, Writes

MATERIAL = {"RiskIdentified", "RiskAssessed", "RiskTreatmentPlanned", "ResidualRiskAssessed"}


def _above(criteria: dict[int, dict[str, Any]], level: str, version: int | None) -> bool:
    """Whether `level` exceeds the appetite of the criteria version that scored it."""
    doc: dict[str, Any] = DEFAULT
    if version:
        doc = criteria.get(version, DEFAULT)
    return above_appetite(doc, level)


class _Scores:
    """What the register's appetite checks read, as of the event being applied.

    `criteria` holds every stored criteria version; `risks` the scoring columns (level,
    criteria_version, residual_level, residual_criteria_version) of the risks a batch
    touches. Both are read once per batch and kept current as its events are applied.
    """

    def __init__(self, criteria: dict[int, dict[str, Any]], risks: dict[UUID, list[Any]]) -> None:
        self.criteria, self.risks = criteria, risks

    @classmethod
    async def load(cls, conn: asyncpg.Connection, risk_ids: list[UUID]) -> _Scores:
        criteria = {
            r["criteria_version"]: {"levels": list(r["levels"]), "appetite": r["appetite"]}
            for r in await conn.fetch(
                "SELECT criteria_version, levels, appetite FROM risk_criteria"
            )
        }
        rows = await conn.fetch(
            "SELECT id, level, criteria_version, residual_level, residual_criteria_version"
            " FROM risk_risk WHERE id = ANY($1::uuid[])",
            risk_ids,
        )
        return cls(criteria, {r["id"]: list(r.values())[1:] for r in rows})

    def above(self, risk_id: UUID) -> bool | None:
        """The risk's appetite flag from its current scores; None if it has no row."""
        row = self.risks.get(risk_id)
        if row is None:
            return None
        level, cv, residual, residual_cv = row
        lvl = residual if residual is not None else level
        return _above(self.criteria, lvl, residual_cv if residual_cv is not None else cv)


class RiskRegister(Projection):
    """Criteria versions, risks, treatments and acceptances, for lists and posture.

    A batch's statements go through `Writes` (keyed by risk, treatment and acceptance);
    the appetite checks read `_Scores`, kept in memory in step with the statements.
    A treatment's statements also carry its risk's key, since a risk's progress reads
    the states of its treatments.
    """

    name = "risk.register"
    tables = ("risk_criteria", "risk_risk", "risk_treatment", "risk_acceptance")
    types = frozenset({
        "RiskCriteriaSet", "RiskIdentified", "RiskAssessed", "RiskTreatmentPlanned",
        "RiskTreatmentCompleted", "ResidualRiskAssessed", "RiskClosed", "AcceptanceRequested",
        "AcceptanceApproved", "AcceptanceRejected", "AcceptanceVoided",
    })  # fmt: skip

    async def handle(self, e: StoredEvent, conn: asyncpg.Connection) -> None:
        await self.handle_batch([e], conn)

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        risk_ids = list({UUID(e.data["risk_id"]) for e in events if "risk_id" in e.data})
        scores = await _Scores.load(conn, risk_ids)
        w = Writes()
        for e in events:
            self._apply(w, scores, e)
        await w.flush(conn)

    def _apply(self, w: Writes, scores: _Scores, e: StoredEvent) -> None:
        d = e.data
        if e.type in MATERIAL and e.type != "RiskIdentified":
            w.add(
                _risk(d),
                "UPDATE risk_risk SET material_version = $2, accepted_by_id = NULL WHERE id = $1",
                UUID(d["risk_id"]), e.version,
            )  # fmt: skip
        if e.category == "risk" and e.type != "RiskIdentified":
            w.add(
                _risk(d),
                "UPDATE risk_risk SET version = $2, updated_at = $3 WHERE id = $1",
                UUID(d["risk_id"]), e.version, e.recorded_at,
            )  # fmt: skip
        getattr(self, "_" + e.type)(e, d, w, scores)

    def _RiskCriteriaSet(self, e: StoredEvent, d: dict[str, Any], w: Writes, s: _Scores) -> None:
        s.criteria.setdefault(
            d["criteria_version"], {"levels": list(d["levels"]), "appetite": d["appetite"]}
        )
        w.add(
            [("criteria", d["criteria_version"])],
            "INSERT INTO risk_criteria (criteria_version, levels, appetite, set_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            d["criteria_version"], d["levels"], d["appetite"], e.recorded_at,
        )  # fmt: skip

    def _RiskIdentified(self, e: StoredEvent, d: dict[str, Any], w: Writes, s: _Scores) -> None:
        above = _above(s.criteria, d["level"], d["criteria_version"])
        s.risks.setdefault(UUID(d["risk_id"]), [d["level"], d["criteria_version"], None, None])
        w.add(
            _risk(d),
            "INSERT INTO risk_risk (id, system_id, title, category, owner, likelihood,"
            " consequence, level, criteria_version, above_appetite, progress, material_version,"
            " version, created_position, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6,"
            " $7, $8, $9, $10, 'identified', $11, $11, $12, $13, $13) ON CONFLICT DO NOTHING",
            UUID(d["risk_id"]), UUID(d["system_id"]), d["title"], d["category"], d["owner"],
            d["likelihood"], d["consequence"], d["level"], d["criteria_version"], above,
            e.version, e.position, e.recorded_at,
        )  # fmt: skip

    def _RiskAssessed(self, e: StoredEvent, d: dict[str, Any], w: Writes, s: _Scores) -> None:
        w.add(
            _risk(d),
            "UPDATE risk_risk SET likelihood = $2, consequence = $3, level = $4,"
            " criteria_version = $5, progress = CASE WHEN progress = 'identified'"
            " THEN 'assessed' ELSE progress END WHERE id = $1",
            UUID(d["risk_id"]), d["likelihood"], d["consequence"], d["level"],
            d["criteria_version"],
        )  # fmt: skip
        row = s.risks.get(UUID(d["risk_id"]))
        if row is not None:
            row[0], row[1] = d["level"], d["criteria_version"]
        self._reappetite(w, s, d)

    def _ResidualRiskAssessed(
        self, e: StoredEvent, d: dict[str, Any], w: Writes, s: _Scores
    ) -> None:
        w.add(
            _risk(d),
            "UPDATE risk_risk SET residual_likelihood = $2, residual_consequence = $3,"
            " residual_level = $4, residual_criteria_version = $5 WHERE id = $1",
            UUID(d["risk_id"]), d["likelihood"], d["consequence"], d["level"],
            d["criteria_version"],
        )  # fmt: skip
        row = s.risks.get(UUID(d["risk_id"]))
        if row is not None:
            row[2], row[3] = d["level"], d["criteria_version"]
        self._reappetite(w, s, d)

    def _reappetite(self, w: Writes, s: _Scores, d: dict[str, Any]) -> None:
        above = s.above(UUID(d["risk_id"]))
        if above is not None:
            w.add(_risk(d), "UPDATE risk_risk SET above_appetite = $2 WHERE id = $1",
                  UUID(d["risk_id"]), above)  # fmt: skip

    def _RiskTreatmentPlanned(
        self, e: StoredEvent, d: dict[str, Any], w: Writes, s: _Scores
    ) -> None:
        w.add(
            _treatment(d),
            "INSERT INTO risk_treatment (id, risk_id, system_id, option, controls, plan, owner,"
            " due, status, created_position, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7,"
            " $8::text::date, 'planned', $9, $10) ON CONFLICT DO NOTHING",
            UUID(d["treatment_id"]), UUID(d["risk_id"]), UUID(d["system_id"]), d["option"],
            d["controls"], d["plan"], d["owner"], d["due"], e.position, e.recorded_at,
        )  # fmt: skip
        w.add(
            _risk(d),
            "UPDATE risk_risk SET progress = 'treatment_planned'"
            " WHERE id = $1 AND progress <> 'closed'",
            UUID(d["risk_id"]),
        )  # fmt: skip

    def _RiskTreatmentCompleted(
        self, e: StoredEvent, d: dict[str, Any], w: Writes, s: _Scores
    ) -> None:
        w.add(
            _treatment(d),
            "UPDATE risk_treatment SET status = 'completed', completed_at = $2 WHERE id = $1",
            UUID(d["treatment_id"]), e.recorded_at,
        )  # fmt: skip
        w.add(
            _risk(d),
            "UPDATE risk_risk SET progress = 'treated' WHERE id = $1 AND progress <> 'closed'"
            " AND NOT EXISTS (SELECT 1 FROM risk_treatment t WHERE t.risk_id = $1"
            " AND t.status = 'planned')",
            UUID(d["risk_id"]),
        )  # fmt: skip

    def _RiskClosed(self, e: StoredEvent, d: dict[str, Any], w: Writes, s: _Scores) -> None:
        w.add(_risk(d), "UPDATE risk_risk SET progress = 'closed' WHERE id = $1",
              UUID(d["risk_id"]))  # fmt: skip

    def _AcceptanceRequested(
        self, e: StoredEvent, d: dict[str, Any], w: Writes, s: _Scores
    ) -> None:
        w.add(
            _acceptance(d),
            "INSERT INTO risk_acceptance (id, risk_id, system_id, risk_version, level,"
            " justification, expires_at, requested_by, status, created_position, created_at,"
            " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7::text::timestamptz, $8,"
            " 'requested', $9, $10, $10) ON CONFLICT DO NOTHING",
            UUID(d["acceptance_id"]), UUID(d["risk_id"]), UUID(d["system_id"]),
            d["risk_version"], d["level"], d["justification"], d["expires_at"],
            d["requested_by"], e.position, e.recorded_at,
        )  # fmt: skip

    def _decided(self, e: StoredEvent, d: dict[str, Any], w: Writes, **cols: Any) -> None:
        sets = ", ".join(f"{k} = ${i}" for i, k in enumerate(cols, start=3))
        w.add(
            _acceptance(d),
            f"UPDATE risk_acceptance SET updated_at = $2, {sets} WHERE id = $1",
            UUID(d["acceptance_id"]), e.recorded_at, *cols.values(),
        )  # fmt: skip

    def _AcceptanceApproved(self, e: StoredEvent, d: dict[str, Any], w: Writes, s: _Scores) -> None:
        self._decided(e, d, w, status="approved", decided_by=d["approved_by"])
        # Counts only if the risk has not changed materially since the version it names.
        w.add(
            _risk(d),
            "UPDATE risk_risk SET accepted_by_id = $2 WHERE id = $1 AND material_version <= $3",
            UUID(d["risk_id"]), UUID(d["acceptance_id"]), d["risk_version"],
        )  # fmt: skip

    def _AcceptanceRejected(self, e: StoredEvent, d: dict[str, Any], w: Writes, s: _Scores) -> None:
        self._decided(e, d, w, status="rejected", decided_by=d["rejected_by"])

    def _AcceptanceVoided(self, e: StoredEvent, d: dict[str, Any], w: Writes, s: _Scores) -> None:
        self._decided(e, d, w, status="voided", void_reason=d["reason"])
        w.add(
            _risk(d),
            "UPDATE risk_risk SET accepted_by_id = NULL WHERE id = $1 AND accepted_by_id = $2",
            UUID(d["risk_id"]), UUID(d["acceptance_id"]),
        )  # fmt: skip


def _risk(d: dict[str, Any]) -> list[tuple[str, UUID]]:
    return [("risk", UUID(d["risk_id"]))]


def _treatment(d: dict[str, Any]) -> list[tuple[str, UUID]]:
    return [("treatment", UUID(d["treatment_id"])), ("risk", UUID(d["risk_id"]))]


def _acceptance(d: dict[str, Any]) -> list[tuple[str, UUID]]:
    return [("acceptance", UUID(d["acceptance_id"]))]


PROJECTIONS: list[Projection] = [
    RiskRegister(), ImpactList(), SoAEntries(), ControlEvidence(), Reactor(),
]  # fmt: skip
