"""The register's read model: criteria versions, risks, treatments and acceptances."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from services.risk.criteria.domain import above_appetite
from shared.contract.criteria import DEFAULT
from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Projection, Rows, instant, uid

MATERIAL = {"RiskIdentified", "RiskAssessed", "RiskTreatmentPlanned", "ResidualRiskAssessed"}


def _above(criteria: Rows, level: str, version: int | None) -> bool:
    """Whether `level` exceeds the appetite of the criteria version that scored it."""
    row = criteria.get(version) if version else None
    doc: dict[str, Any] = DEFAULT if row is None else row
    return above_appetite(doc, level)


class _Batch:
    """The register's rows a batch touches, folded in memory and written once.

    Criteria are few and all read; risks and their treatments (a risk's progress reads
    the states of its treatments) by the risks the batch names; acceptances by id.
    """

    def __init__(self) -> None:
        self.criteria = Rows("risk_criteria", ("criteria_version", "levels", "appetite", "set_at"))
        self.risks = Rows("risk_risk", RISK_COLUMNS)
        self.treatments = Rows("risk_treatment", TREATMENT_COLUMNS)
        self.acceptances = Rows("risk_acceptance", ACCEPTANCE_COLUMNS)
        self._by_risk: dict[UUID, list[dict[str, Any]]] | None = None

    async def load(self, conn: asyncpg.Connection, events: list[StoredEvent]) -> None:
        await self.criteria.load_all(conn)
        risk_ids = {uid(e.data["risk_id"]) for e in events if "risk_id" in e.data}
        await self.risks.load(conn, risk_ids)
        await self.treatments.load(conn, risk_ids, by="risk_id")
        accepted = (uid(e.data["acceptance_id"]) for e in events if "acceptance_id" in e.data)
        await self.acceptances.load(conn, accepted)

    async def flush(self, conn: asyncpg.Connection) -> None:
        for rows in (self.criteria, self.risks, self.treatments, self.acceptances):
            await rows.flush(conn)

    def reappetite(self, risk_id: UUID) -> None:
        risk = self.risks.get(risk_id)
        if risk is not None:
            residual = risk["residual_level"] is not None
            level = risk["residual_level"] if residual else risk["level"]
            version = risk["residual_criteria_version"] if residual else risk["criteria_version"]
            self.risks.change(risk_id, above_appetite=_above(self.criteria, level, version))

    def treatments_of(self, risk_id: UUID) -> list[dict[str, Any]]:
        if self._by_risk is None:  # built once per batch, when a completion first asks
            self._by_risk = {}
            for t in self.treatments.rows.values():
                self._by_risk.setdefault(t["risk_id"], []).append(t)
        return self._by_risk.get(risk_id, [])

    def add_treatment(self, row: dict[str, Any]) -> None:
        if self.treatments.add(row) and self._by_risk is not None:
            self._by_risk.setdefault(row["risk_id"], []).append(self.treatments.rows[row["id"]])

    def advance(self, risk_id: UUID, to: str) -> None:
        """Move a risk's progress on, unless it is closed."""
        risk = self.risks.get(risk_id)
        if risk is not None and risk["progress"] != "closed":
            self.risks.change(risk_id, progress=to)


RISK_COLUMNS = (
    "id",
    "system_id",
    "title",
    "category",
    "owner",
    "likelihood",
    "consequence",
    "level",
    "criteria_version",
    "residual_likelihood",
    "residual_consequence",
    "residual_level",
    "residual_criteria_version",
    "above_appetite",
    "progress",
    "accepted_by_id",
    "material_version",
    "version",
    "created_position",
    "created_at",
    "updated_at",
)  # fmt: skip  (status is generated from progress and accepted_by_id)
TREATMENT_COLUMNS = (
    "id", "risk_id", "system_id", "option", "controls", "plan", "owner", "due", "status",
    "created_position", "created_at", "completed_at",
)  # fmt: skip
ACCEPTANCE_COLUMNS = (
    "id", "risk_id", "system_id", "risk_version", "level", "justification", "expires_at",
    "requested_by", "status", "decided_by", "void_reason", "created_position", "created_at",
    "updated_at",
)  # fmt: skip


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
        await self.handle_batch([e], conn)

    async def handle_batch(self, events: list[StoredEvent], conn: asyncpg.Connection) -> None:
        b = _Batch()
        await b.load(conn, events)
        for e in events:
            self._apply(b, e)
        await b.flush(conn)

    def _apply(self, b: _Batch, e: StoredEvent) -> None:
        d = e.data
        if e.type in MATERIAL and e.type != "RiskIdentified":
            b.risks.change(uid(d["risk_id"]), material_version=e.version, accepted_by_id=None)
        if e.category == "risk" and e.type != "RiskIdentified":
            b.risks.change(uid(d["risk_id"]), version=e.version, updated_at=e.recorded_at)
        getattr(self, "_" + e.type)(e, d, b)

    def _RiskCriteriaSet(self, e: StoredEvent, d: dict[str, Any], b: _Batch) -> None:
        b.criteria.add({
            "criteria_version": d["criteria_version"], "levels": list(d["levels"]),
            "appetite": d["appetite"], "set_at": e.recorded_at,
        })  # fmt: skip

    def _RiskIdentified(self, e: StoredEvent, d: dict[str, Any], b: _Batch) -> None:
        b.risks.add({
            "id": uid(d["risk_id"]), "system_id": uid(d["system_id"]), "title": d["title"],
            "category": d["category"], "owner": d["owner"], "likelihood": d["likelihood"],
            "consequence": d["consequence"], "level": d["level"],
            "criteria_version": d["criteria_version"],
            "above_appetite": _above(b.criteria, d["level"], d["criteria_version"]),
            "progress": "identified", "material_version": e.version, "version": e.version,
            "created_position": e.position, "created_at": e.recorded_at,
            "updated_at": e.recorded_at,
        })  # fmt: skip

    def _RiskAssessed(self, e: StoredEvent, d: dict[str, Any], b: _Batch) -> None:
        risk_id = uid(d["risk_id"])
        b.risks.change(
            risk_id, likelihood=d["likelihood"], consequence=d["consequence"], level=d["level"],
            criteria_version=d["criteria_version"],
        )  # fmt: skip
        risk = b.risks.get(risk_id)
        if risk is not None and risk["progress"] == "identified":
            b.risks.change(risk_id, progress="assessed")
        b.reappetite(risk_id)

    def _ResidualRiskAssessed(self, e: StoredEvent, d: dict[str, Any], b: _Batch) -> None:
        risk_id = uid(d["risk_id"])
        b.risks.change(
            risk_id, residual_likelihood=d["likelihood"], residual_consequence=d["consequence"],
            residual_level=d["level"], residual_criteria_version=d["criteria_version"],
        )  # fmt: skip
        b.reappetite(risk_id)

    def _RiskTreatmentPlanned(self, e: StoredEvent, d: dict[str, Any], b: _Batch) -> None:
        b.add_treatment({
            "id": uid(d["treatment_id"]), "risk_id": uid(d["risk_id"]),
            "system_id": uid(d["system_id"]), "option": d["option"], "controls": d["controls"],
            "plan": d["plan"], "owner": d["owner"], "due": date.fromisoformat(d["due"]),
            "status": "planned", "created_position": e.position, "created_at": e.recorded_at,
        })  # fmt: skip
        b.advance(uid(d["risk_id"]), "treatment_planned")

    def _RiskTreatmentCompleted(self, e: StoredEvent, d: dict[str, Any], b: _Batch) -> None:
        risk_id = uid(d["risk_id"])
        b.treatments.change(uid(d["treatment_id"]), status="completed", completed_at=e.recorded_at)
        if not any(t["status"] == "planned" for t in b.treatments_of(risk_id)):
            b.advance(risk_id, "treated")

    def _RiskClosed(self, e: StoredEvent, d: dict[str, Any], b: _Batch) -> None:
        b.risks.change(uid(d["risk_id"]), progress="closed")

    def _AcceptanceRequested(self, e: StoredEvent, d: dict[str, Any], b: _Batch) -> None:
        b.acceptances.add({
            "id": uid(d["acceptance_id"]), "risk_id": uid(d["risk_id"]),
            "system_id": uid(d["system_id"]), "risk_version": d["risk_version"],
            "level": d["level"], "justification": d["justification"],
            "expires_at": instant(d["expires_at"]),
            "requested_by": d["requested_by"], "status": "requested",
            "created_position": e.position, "created_at": e.recorded_at,
            "updated_at": e.recorded_at,
        })  # fmt: skip

    def _AcceptanceApproved(self, e: StoredEvent, d: dict[str, Any], b: _Batch) -> None:
        b.acceptances.change(
            uid(d["acceptance_id"]), updated_at=e.recorded_at, status="approved",
            decided_by=d["approved_by"],
        )  # fmt: skip
        # Counts only if the risk has not changed materially since the version it names.
        risk = b.risks.get(uid(d["risk_id"]))
        if risk is not None and risk["material_version"] <= d["risk_version"]:
            b.risks.change(risk["id"], accepted_by_id=uid(d["acceptance_id"]))

    def _AcceptanceRejected(self, e: StoredEvent, d: dict[str, Any], b: _Batch) -> None:
        b.acceptances.change(
            uid(d["acceptance_id"]), updated_at=e.recorded_at, status="rejected",
            decided_by=d["rejected_by"],
        )  # fmt: skip

    def _AcceptanceVoided(self, e: StoredEvent, d: dict[str, Any], b: _Batch) -> None:
        b.acceptances.change(
            uid(d["acceptance_id"]), updated_at=e.recorded_at, status="voided",
            void_reason=d["reason"],
        )  # fmt: skip
        risk = b.risks.get(uid(d["risk_id"]))
        if risk is not None and risk["accepted_by_id"] == uid(d["acceptance_id"]):
            b.risks.change(risk["id"], accepted_by_id=None)
