"""Separation of duties as data: who may request, who may decide, who is excluded.

The rules live in one YAML file (`shared/contract/separation_of_duties.yaml` unless
`AIMS_SOD_POLICY_FILE` names another). A service loads and validates it at start and
refuses to start on a file that names an unknown decision, role or relation, or leaves
out a decision the code takes. Domain code describes how people relate to the thing
decided (`Relations`); the policy says which of those relations exclude.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shared.domain.errors import NotAllowed
from shared.kernel.requestctx import Actor

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "contract" / "separation_of_duties.yaml"
ROLES = frozenset(
    {"admin", "system_owner", "risk_officer", "approver", "mlops", "auditor", "viewer"}
)
RELATIONS = frozenset({
    "requester", "author", "revisers", "submitters", "risk_owner", "system_owner",
    "proposed_owner", "raiser", "owner", "action_owners", "reporter", "concern_reporter",
})  # fmt: skip
# Every decision the code takes: a policy must say something about each.
DECISIONS = frozenset({
    "risk.lowered_to_appetite", "risk.closed_above_appetite", "system.tier_downgrade",
    "system.owner_reassignment", "soa.exclusion", "criteria.change", "risk.acceptance",
    "impact_assessment.approval", "nonconformity.closure", "incident.closure", "concern.triage",
    "breach.review",
    "gate_policy.change",
    "policy.approval", "scope.approval", "objective.approval", "supplier.approval",
})  # fmt: skip

# relation -> the people standing in it to the thing decided
Relations = Mapping[str, Iterable[str]]


class SodPolicyError(ValueError):
    """The separation-of-duties file is not a valid policy."""


@dataclass(frozen=True)
class Rule:
    decision: str
    description: str
    request: frozenset[str]
    approve: frozenset[str]
    exclude: tuple[str, ...]


@dataclass(frozen=True)
class SodPolicy:
    version: str
    sha256: str
    rules: Mapping[str, Rule]

    def rule(self, decision: str) -> Rule:
        return self.rules[decision]

    def check_requester(self, decision: str, actor: Actor) -> None:
        """Refuse (403) an actor whose roles may not ask for `decision`."""
        rule = self.rules[decision]
        if not actor.has(*rule.request):
            raise NotAllowed(
                f"{_roles(rule.request)} may ask for {rule.description}",
                code="not_allowed_to_request", decision=decision,
            )  # fmt: skip

    def excluded(self, decision: str, relations: Relations) -> dict[str, list[str]]:
        """Who may not decide, per excluding relation (relations the rule ignores left out)."""
        rule = self.rules[decision]
        out: dict[str, list[str]] = {}
        for relation in rule.exclude:
            people = sorted({p for p in relations.get(relation, ()) if p})
            if people:
                out[relation] = people
        return out

    def check_excluded(self, decision: str, sub: str, relations: Relations) -> None:
        """Refuse (403) someone standing in a relation that excludes them from `decision`."""
        rule = self.rules[decision]
        for relation in rule.exclude:
            if sub in set(relations.get(relation, ())):
                raise NotAllowed(
                    f"separation of duties: the {_label(relation)} may not decide"
                    f" {rule.description}", code="separation_of_duties", decision=decision,
                    relation=relation,
                )  # fmt: skip

    def check_decider(self, decision: str, actor: Actor, relations: Relations) -> None:
        """Refuse (403) an actor standing in an excluded relation or without a deciding role."""
        rule = self.rules[decision]
        self.check_excluded(decision, actor.sub, relations)
        if not actor.has(*rule.approve):
            raise NotAllowed(
                f"{_roles(rule.approve)} may decide {rule.description}",
                code="not_approver", decision=decision,
            )  # fmt: skip

    def reference(self) -> dict[str, str]:
        """What events record of the policy in force."""
        return {"version": self.version, "sha256": self.sha256}

    def document(self) -> dict[str, Any]:
        """The policy as served: its version, sha256 and rules."""
        return {
            "version": self.version,
            "sha256": self.sha256,
            "decisions": {
                r.decision: {
                    "description": r.description, "request": sorted(r.request),
                    "approve": sorted(r.approve), "exclude": list(r.exclude),
                }
                for r in self.rules.values()
            },
        }  # fmt: skip


def _roles(names: Iterable[str]) -> str:
    return "only " + " or ".join(sorted(names))


def _label(relation: str) -> str:
    singular = {"revisers": "reviser", "submitters": "submitter", "action_owners": "action owner"}
    return singular.get(relation, relation).replace("_", " ")


@cache
def default_policy() -> SodPolicy:
    """The packaged policy (what domain code uses when no service passes one)."""
    return load_sod_policy()


def load_sod_policy(path: Path | None = None) -> SodPolicy:
    """Read and validate a policy file (the packaged default when `path` is None)."""
    raw = (path or DEFAULT_FILE).read_bytes()
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise SodPolicyError(f"separation-of-duties policy is not valid YAML: {exc}") from exc
    return parse_sod_policy(doc, hashlib.sha256(raw).hexdigest())


def parse_sod_policy(doc: Any, sha256: str) -> SodPolicy:
    """A policy from its parsed document; raises SodPolicyError naming what is wrong."""
    if not isinstance(doc, dict) or not isinstance(doc.get("version"), str | int | float):
        raise SodPolicyError("separation-of-duties policy needs a mapping with a `version`")
    decisions = doc.get("decisions")
    if not isinstance(decisions, dict):
        raise SodPolicyError("`decisions` must be a mapping of decision -> rule")
    unknown, missing = set(decisions) - DECISIONS, DECISIONS - set(decisions)
    if unknown or missing:
        raise SodPolicyError(f"decisions: unknown {sorted(unknown)}, missing {sorted(missing)}")
    rules = {name: _rule(name, body) for name, body in decisions.items()}
    return SodPolicy(str(doc["version"]), sha256, rules)


def _rule(name: str, body: Any) -> Rule:
    if not isinstance(body, dict):
        raise SodPolicyError(f"decisions.{name} must be a mapping")
    extra = set(body) - {"description", "request", "approve", "exclude"}
    if extra:
        raise SodPolicyError(f"decisions.{name}: unknown keys {sorted(extra)}")
    request = _names(body.get("request"), ROLES, f"decisions.{name}.request", "role")
    approve = _names(body.get("approve"), ROLES, f"decisions.{name}.approve", "role")
    exclude = _names(body.get("exclude", []), RELATIONS, f"decisions.{name}.exclude", "relation")
    if not request or not approve:
        raise SodPolicyError(f"decisions.{name}: `request` and `approve` need a role each")
    description = str(body.get("description") or name)
    return Rule(name, description, frozenset(request), frozenset(approve), tuple(exclude))


def _names(value: Any, known: frozenset[str], where: str, kind: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SodPolicyError(f"{where} must be a list of {kind}s")
    unknown = sorted(set(value) - known)
    if unknown:
        raise SodPolicyError(f"{where}: unknown {kind}s {unknown} (known: {sorted(known)})")
    return list(dict.fromkeys(value))
