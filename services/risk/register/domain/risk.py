"""The risk aggregate (6.1.2, 6.1.3): assessment, treatment, residual level, status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from services.risk.criteria.domain import RiskCriteria, above_appetite, score
from shared.contract import annex_a
from shared.contract.events.approvals import ApprovalRef
from shared.contract.events.risk import (
    Option,
    ResidualRiskAssessed,
    RiskAssessed,
    RiskClosed,
    RiskIdentified,
    RiskTreatmentCompleted,
    RiskTreatmentPlanned,
)
from shared.domain.aggregate import DomainEvent
from shared.domain.approvals import ChangeControlled, ChangeRequest
from shared.domain.errors import Conflict, Invalid, NotFound

# Changes after which an acceptance of the earlier risk no longer holds.
MATERIAL = (RiskIdentified, RiskAssessed, RiskTreatmentPlanned, ResidualRiskAssessed)
# Separation-of-duties decisions: changes that lower protection wait for a second person.
LOWERED = "risk.lowered_to_appetite"
CLOSED_ABOVE = "risk.closed_above_appetite"


@dataclass(frozen=True)
class Score:
    likelihood: int
    consequence: int
    level: str
    criteria_version: int


@dataclass
class Treatment:
    id: UUID
    option: Option
    controls: list[str]
    plan: str
    owner: str
    due: date
    status: str = "planned"


@dataclass
class Risk(ChangeControlled):
    category = "risk"
    system_id: UUID | None = None
    title: str = ""
    description: str = ""
    risk_category: str = ""
    source: str = ""
    affects: list[str] = field(default_factory=list)
    owner: str = ""
    inherent: Score | None = None
    residual: Score | None = None
    reassessed: bool = False
    treatments: dict[UUID, Treatment] = field(default_factory=dict)
    closed_reason: str | None = None
    material_version: int = 0

    @classmethod
    def identify(
        cls, id: UUID, criteria: RiskCriteria, *, system_id: UUID, title: str, category: str,
        affects: list[str], likelihood: int, consequence: int, owner: str,
        description: str = "", source: str = "",
    ) -> Risk:  # fmt: skip
        """A new risk of an AI system, scored with the current criteria."""
        level = score(criteria.current, likelihood, consequence)
        risk = cls(id)
        risk._emit(
            RiskIdentified(
                risk_id=id,
                system_id=system_id,
                title=title,
                description=description,
                category=category,
                source=source,
                affects=list(dict.fromkeys(affects)),
                likelihood=likelihood,
                consequence=consequence,
                level=level,
                criteria_version=criteria.criteria_version,
                owner=owner,
            )  # fmt: skip
        )
        return risk

    @property
    def status(self) -> str:
        """identified -> assessed -> treatment_planned -> treated, or closed."""
        if self.closed_reason is not None:
            return "closed"
        if self.treatments:
            done = all(t.status == "completed" for t in self.treatments.values())
            return "treated" if done else "treatment_planned"
        return "assessed" if self.reassessed else "identified"

    @property
    def inherent_score(self) -> Score:
        """The inherent score (every risk is scored when it is identified)."""
        assert self.inherent is not None
        return self.inherent

    @property
    def current(self) -> Score:
        """The residual score once assessed, else the inherent one."""
        return self.residual or self.inherent_score

    def above_appetite(self, criteria: RiskCriteria) -> bool:
        """Whether the current level exceeds the appetite of the criteria that scored it."""
        return above_appetite(
            criteria.of_version(self.current.criteria_version), self.current.level
        )

    def changed_since(self, version: int) -> bool:
        """True when a material change happened after stream version `version`."""
        return self.material_version > version

    def _open(self) -> UUID:
        """The risk's AI system; refuses any change once the risk is closed."""
        if self.closed_reason is not None:
            raise Conflict("the risk is closed", code="risk_closed")
        assert self.system_id is not None  # RiskIdentified names it; nothing happens before
        return self.system_id

    def _lowers(self, criteria: RiskCriteria, new_level: str) -> bool:
        """Whether a new current level would bring the risk from above appetite to within it."""
        return self.above_appetite(criteria) and not above_appetite(criteria.current, new_level)

    def reassess_decision(
        self, criteria: RiskCriteria, likelihood: int | None, consequence: int | None
    ) -> str | None:
        """The decision a reassessment needs from a second person, if it lowers protection."""
        self._open()
        if self.residual is not None:  # the residual score stays the current one
            return None
        lk = self.inherent_score.likelihood if likelihood is None else likelihood
        cq = self.inherent_score.consequence if consequence is None else consequence
        return LOWERED if self._lowers(criteria, score(criteria.current, lk, cq)) else None

    def residual_decision(
        self, criteria: RiskCriteria, likelihood: int, consequence: int
    ) -> str | None:
        """The decision a residual score needs from a second person, if it lowers protection."""
        self._open()
        return (
            LOWERED
            if self._lowers(criteria, score(criteria.current, likelihood, consequence))
            else None
        )

    def close_decision(self, criteria: RiskCriteria) -> str | None:
        """Closing a risk above appetite needs a second person."""
        self._open()
        return CLOSED_ABOVE if self.above_appetite(criteria) else None

    def basis(self, criteria: RiskCriteria) -> dict[str, Any]:
        """What a requested change is asked against: the risk's scores and the criteria."""
        cur = self.current
        return {
            "material_version": self.material_version, "closed": self.closed_reason is not None,
            "current": [cur.likelihood, cur.consequence, cur.level, cur.criteria_version],
            "criteria_version": criteria.criteria_version,
        }  # fmt: skip

    def carry_out(self, req: ChangeRequest, criteria: RiskCriteria, ref: ApprovalRef) -> None:
        """Make an approved change take effect, citing its approval."""
        self.check_basis(req, self.basis(criteria))
        c = req.change
        match c["op"]:
            case "reassess":
                self.reassess(criteria, c["likelihood"], c["consequence"], c["reason"], ref)
            case "residual":
                self.assess_residual(criteria, c["likelihood"], c["consequence"], ref)
            case "close":
                self.close(c["reason"], ref)
            case op:
                raise ValueError(f"unknown risk change {op!r}")

    def reassess(
        self, criteria: RiskCriteria, likelihood: int | None, consequence: int | None,
        reason: str, approval: ApprovalRef | None = None,
    ) -> None:  # fmt: skip
        """Score the inherent risk again (new values, or new criteria); a material change."""
        system_id = self._open()
        lk = self.inherent_score.likelihood if likelihood is None else likelihood
        cq = self.inherent_score.consequence if consequence is None else consequence
        level = score(criteria.current, lk, cq)
        self._emit(
            RiskAssessed(
                risk_id=self.id,
                system_id=system_id,
                likelihood=lk,
                consequence=cq,
                level=level,
                criteria_version=criteria.criteria_version,
                reason=reason,
                approval=approval,
            )  # fmt: skip
        )

    def plan_treatment(
        self, treatment_id: UUID, *, option: Option, controls: list[str], plan: str, owner: str,
        due: date,
    ) -> None:  # fmt: skip
        """Plan a treatment with Annex A controls; unknown controls are refused (Invalid)."""
        unknown = annex_a.unknown(controls)
        if unknown:
            errs = [
                {"loc": ["body", "controls", str(i)], "msg": f"{c} is not an Annex A control",
                 "type": "unknown_control"}
                for i, c in enumerate(controls) if c in unknown
            ]  # fmt: skip
            raise Invalid(
                f"unknown Annex A controls: {', '.join(unknown)}", code="unknown_control",
                errors=errs, unknown_controls=unknown,
            )  # fmt: skip
        system_id = self._open()
        self._emit(
            RiskTreatmentPlanned(
                risk_id=self.id,
                system_id=system_id,
                treatment_id=treatment_id,
                option=option,
                controls=list(dict.fromkeys(controls)),
                plan=plan,
                owner=owner,
                due=due,
            )  # fmt: skip
        )

    def complete_treatment(
        self, treatment_id: UUID, criteria: RiskCriteria, accepted: bool
    ) -> None:
        """Mark a treatment done; retaining a risk above appetite needs a valid acceptance."""
        system_id = self._open()
        treatment = self.treatments.get(treatment_id)
        if treatment is None:
            raise NotFound("the risk has no such treatment", code="no_treatment")
        if treatment.status == "completed":
            return
        if treatment.option == "retain" and self.above_appetite(criteria) and not accepted:
            raise Conflict(
                "retaining a risk above the appetite needs an approved acceptance of it",
                code="acceptance_required",
            )
        self._emit(
            RiskTreatmentCompleted(risk_id=self.id, system_id=system_id,
                                   treatment_id=treatment_id)
        )  # fmt: skip

    def assess_residual(
        self, criteria: RiskCriteria, likelihood: int, consequence: int,
        approval: ApprovalRef | None = None,
    ) -> None:  # fmt: skip
        """Score the risk left after treatment; a material change."""
        system_id = self._open()
        level = score(criteria.current, likelihood, consequence)
        new = Score(likelihood, consequence, level, criteria.criteria_version)
        if new == self.residual and approval is None:
            return
        self._emit(
            ResidualRiskAssessed(
                risk_id=self.id,
                system_id=system_id,
                likelihood=likelihood,
                consequence=consequence,
                level=level,
                criteria_version=criteria.criteria_version,
                approval=approval,
            )  # fmt: skip
        )

    def close(self, reason: str, approval: ApprovalRef | None = None) -> None:
        """Close the risk (it no longer applies); closing twice is refused."""
        system_id = self._open()
        self._emit(RiskClosed(risk_id=self.id, system_id=system_id, reason=reason,
                              approval=approval))  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        self.track_approvals(event)
        if isinstance(event, MATERIAL):
            # The version this event lands at, whether replayed or just emitted.
            self.material_version = self.version + len(self.pending) + 1
        match event:
            case RiskIdentified():
                self._identified(event)
            case RiskAssessed():
                self.inherent = _score(event)
                self.reassessed = True
            case RiskTreatmentPlanned():
                self.treatments[event.treatment_id] = Treatment(
                    event.treatment_id, event.option, list(event.controls), event.plan,
                    event.owner, event.due,
                )  # fmt: skip
            case RiskTreatmentCompleted():
                self.treatments[event.treatment_id].status = "completed"
            case ResidualRiskAssessed():
                self.residual = _score(event)
            case RiskClosed():
                self.closed_reason = event.reason

    def _identified(self, e: RiskIdentified) -> None:
        self.system_id, self.title, self.description = e.system_id, e.title, e.description
        self.risk_category, self.source, self.affects = e.category, e.source, list(e.affects)
        self.owner, self.inherent = e.owner, _score(e)


def _score(e: Any) -> Score:
    return Score(e.likelihood, e.consequence, e.level, e.criteria_version)
