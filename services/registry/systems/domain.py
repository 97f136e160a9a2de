"""The AI system aggregate: inventory entry, lifecycle stage and model versions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from services.registry.gate.domain import (
    Evaluation,
    GateFacts,
    GateNotSatisfied,
    GatePolicy,
    ModelVersionView,
    SystemView,
    evaluate,
)
from shared.contract import eu_ai_act
from shared.contract.events.approvals import ApprovalRef
from shared.contract.events.registry import (
    ModelVersionAliasSet,
    ModelVersionRegistered,
    ModelVersionTagSet,
    Stage,
    SystemOwnerAssigned,
    SystemRegistered,
    SystemRetired,
    SystemStageChanged,
    SystemUpdated,
)
from shared.domain.aggregate import DomainEvent
from shared.domain.approvals import ChangeControlled, ChangeRequest
from shared.domain.errors import Conflict, NotAllowed, NotFound
from shared.kernel.requestctx import Actor

# Changes that call for a new risk or impact assessment (8.2-8.4: "on significant change").
SIGNIFICANT = frozenset({"eu_ai_act_tier", "purpose", "intended_use", "provider_role"})
# Separation-of-duties decisions: changes that wait for a second person.
TIER_DOWNGRADE = "system.tier_downgrade"
OWNER_REASSIGNMENT = "system.owner_reassignment"
# How much protection a tier asks for ("unassessed" is no assessment, so not ranked): the
# ranks of the EU AI Act data (shared/contract/data/eu_ai_act.yaml).
TIER_RANK = eu_ai_act.tier_rank()


@dataclass
class ModelVersion:
    """A model version registered for a system."""

    id: UUID
    name: str
    version: str
    digest: str
    source_uri: str
    source: str = "api"
    run_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)


@dataclass
class AISystem(ChangeControlled):
    category = "system"
    name: str = ""
    purpose: str = ""
    owner: str = ""
    provider_role: str = ""
    eu_ai_act_tier: str = "unassessed"
    intended_use: str = ""
    tags: list[str] = field(default_factory=list)
    mlflow_model_names: list[str] = field(default_factory=list)
    stage: Stage = "inception"
    model_versions: list[ModelVersion] = field(default_factory=list)
    assessed_tier: str | None = None  # the latest tier other than "unassessed"

    @classmethod
    def register(cls, id: UUID, **fields: Any) -> AISystem:
        """A new inventory entry at the inception stage."""
        system = cls(id)
        system._emit(SystemRegistered(system_id=id, **fields))
        return system

    def check_changer(self, actor: Actor, *also: str) -> None:
        """Only the system's owner or an admin (or a role in `also`) changes a system (5.3)."""
        if actor.has("admin", *also) or actor.sub == self.owner:
            return
        raise NotAllowed(f"only the system's owner ({self.owner}) or an admin changes it",
                         code="not_system_owner", owner=self.owner)  # fmt: skip

    def update_decision(self, changes: dict[str, Any], actor: Actor) -> str | None:
        """The decision a change needs from a second person: a lower tier than the last
        assessed one, or an owner handing the system on (an admin reassigns directly)."""
        self.check_changer(actor)
        self._not_retired()
        tier = changes.get("eu_ai_act_tier")
        downgrade = (
            tier is not None and self.assessed_tier is not None and tier in TIER_RANK
            and TIER_RANK[tier] < TIER_RANK[self.assessed_tier]
        )  # fmt: skip
        owner = changes.get("owner")
        handover = owner is not None and owner != self.owner and not actor.has("admin")
        if downgrade and handover:
            raise Conflict("ask for the tier and the owner change separately: each needs its"
                           " own approval", code="split_change")  # fmt: skip
        return TIER_DOWNGRADE if downgrade else OWNER_REASSIGNMENT if handover else None

    def basis(self) -> dict[str, Any]:
        """What a requested change is asked against: the tier and the owner."""
        return {"eu_ai_act_tier": self.eu_ai_act_tier, "owner": self.owner}

    def carry_out(self, req: ChangeRequest, ref: ApprovalRef) -> None:
        """Make an approved change take effect, citing its approval."""
        self.check_basis(req, self.basis())
        self._not_retired()
        self._change(dict(req.change), ref)

    def update(self, changes: dict[str, Any], actor: Actor) -> None:
        """Change inventory fields; an owner change is its own event (5.3 accountability).

        Only the owner or an admin changes the system; changes that need a second person
        (`update_decision`) are refused here.
        """
        if self.update_decision(changes, actor) is not None:
            raise NotAllowed("this change needs an approval", code="approval_required")
        self._change(changes, None)

    def _change(self, changes: dict[str, Any], approval: ApprovalRef | None) -> None:
        owner = changes.pop("owner", None)
        if owner is not None and owner != self.owner:
            self._emit(SystemOwnerAssigned(
                system_id=self.id, owner=owner, previous_owner=self.owner, approval=approval
            ))  # fmt: skip
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if changed:
            significant = bool(SIGNIFICANT & changed.keys())
            self._emit(SystemUpdated(system_id=self.id, changes=changed, significant=significant,
                                     approval=approval))  # fmt: skip

    def check_move(self, to: Stage, policy: GatePolicy) -> None:
        """Refuse a move the lifecycle does not allow from the current stage."""
        if to == self.stage:
            raise Conflict(f"the system is already at stage {to}", code="same_stage")
        if not policy.allows(self.stage, to):
            allowed = ", ".join(policy.transitions.get(self.stage, ())) or "none"
            raise Conflict(
                f"cannot move from {self.stage} to {to}; allowed: {allowed}",
                code="invalid_transition", allowed=list(policy.transitions.get(self.stage, ())),
            )  # fmt: skip

    def move(
        self, to: Stage, reason: str, policy: GatePolicy, facts: GateFacts, now: datetime
    ) -> None:
        """Move to another stage when the policy allows it and the facts satisfy its gate."""
        self.transition(to, reason, policy, evaluate(policy.gate(to), facts, now))

    def transition(self, to: Stage, reason: str, policy: GatePolicy, gate: Evaluation) -> None:
        """Move to another stage when the policy allows it and its gate is satisfied."""
        self.check_move(to, policy)
        if not gate.satisfied:
            raise GateNotSatisfied(to, gate.reasons)
        self._emit(SystemStageChanged(
            system_id=self.id, frm=self.stage, to=to, reason=reason,
            policy_version=policy.version, policy_hash=policy.sha256, basis=gate.basis(),
        ))  # fmt: skip
        if to == "retired":
            self._emit(SystemRetired(system_id=self.id, reason=reason))

    def add_model_version(self, id: UUID, **fields: Any) -> tuple[ModelVersion, bool]:
        """Register a model version; the same digest (or name and version) again is a no-op."""
        self._not_retired()
        digest, name, version = fields["digest"], fields["name"], fields["version"]
        for mv in self.model_versions:
            if digest and mv.digest == digest:
                return mv, False
            if (mv.name, mv.version) == (name, version):
                if not digest or not mv.digest:
                    return mv, False
                raise Conflict(
                    f"{name} version {version} is already registered with another digest",
                    code="model_version_conflict", model_version_id=str(mv.id),
                )  # fmt: skip
        self._emit(ModelVersionRegistered(system_id=self.id, model_version_id=id, **fields))
        return self.model_versions[-1], True

    def tag_model_version(self, name: str, version: str, key: str, value: str) -> None:
        """Record a tag set on one of the system's model versions."""
        mv = self._version(name, version)
        if mv.tags.get(key) != value:
            self._emit(ModelVersionTagSet(system_id=self.id, model_version_id=mv.id, name=name,
                                          version=version, key=key, value=value))  # fmt: skip

    def alias_model_version(self, name: str, version: str, alias: str) -> None:
        """Record an alias pointed at one of the system's model versions."""
        mv = self._version(name, version)
        if alias not in mv.aliases:
            self._emit(ModelVersionAliasSet(system_id=self.id, model_version_id=mv.id,
                                            name=name, version=version, alias=alias))  # fmt: skip

    def view(self) -> SystemView:
        """What the gates read about this system."""
        return SystemView(
            self.id, self.stream_id, self.version, self.stage, self.eu_ai_act_tier,
            self.intended_use,
            tuple(ModelVersionView(m.id, m.name, m.version, m.digest) for m in self.model_versions),
        )  # fmt: skip

    def _assessed(self) -> None:
        if eu_ai_act.triaged(self.eu_ai_act_tier):
            self.assessed_tier = self.eu_ai_act_tier

    def _not_retired(self) -> None:
        if self.stage == "retired":
            raise Conflict("a retired system cannot change", code="retired")

    def _version(self, name: str, version: str) -> ModelVersion:
        for mv in self.model_versions:
            if (mv.name, mv.version) == (name, version):
                return mv
        raise NotFound(f"{name} version {version} is not registered for this system")

    def apply(self, event: DomainEvent) -> None:
        self.track_approvals(event)
        match event:
            case SystemRegistered():
                fields = event.model_dump(exclude={"system_id"})
                for k, v in fields.items():
                    setattr(self, k, list(v) if isinstance(v, list) else v)
                self._assessed()
            case SystemUpdated():
                for k, v in event.changes.items():
                    setattr(self, k, v)
                self._assessed()
            case SystemOwnerAssigned():
                self.owner = event.owner
            case SystemStageChanged():
                self.stage = event.to
            case ModelVersionRegistered():
                fields = event.model_dump(exclude={"system_id", "model_version_id"})
                self.model_versions.append(ModelVersion(event.model_version_id, **fields))
            case ModelVersionTagSet():
                self._version(event.name, event.version).tags[event.key] = event.value
            case ModelVersionAliasSet():
                for mv in self.model_versions:  # an alias points at one version at a time
                    if mv.name == event.name and event.alias in mv.aliases:
                        mv.aliases.remove(event.alias)
                self._version(event.name, event.version).aliases.append(event.alias)
            case SystemRetired():
                pass


def refuse_claimed(taken: Mapping[str, UUID]) -> None:
    """Refuse MLflow names another system already claims (one system per registered model)."""
    if taken:
        raise Conflict(
            f"MLflow model names already claimed: {', '.join(sorted(taken))}",
            code="model_name_claimed", claimed_by={n: str(s) for n, s in taken.items()},
        )  # fmt: skip
