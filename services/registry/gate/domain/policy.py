"""The gate policy: allowed lifecycle moves and the rules each gate applies, as data."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from services.registry.gate.domain.rules import KINDS, RULES

DEFAULT_POLICY = Path(__file__).resolve().parent.parent / "policy.yaml"
STAGES = (
    "inception", "design", "verification", "deployment", "operation", "re_evaluation", "retired"
)  # fmt: skip


class PolicyError(ValueError):
    """The policy file is not a valid gate policy."""


@dataclass(frozen=True)
class Requirement:
    """One rule of a gate with its parameters."""

    rule: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GatePolicy:
    """A loaded policy: its version, the sha256 of its source, moves and gates."""

    version: str
    sha256: str
    transitions: Mapping[str, tuple[str, ...]]
    gates: Mapping[str, tuple[Requirement, ...]]
    deployment_gate: tuple[Requirement, ...]

    def allows(self, frm: str, to: str) -> bool:
        """True when the policy permits moving from `frm` to `to` at all."""
        return to in self.transitions.get(frm, ())

    def gate(self, to: str) -> tuple[Requirement, ...]:
        """The requirements of entering stage `to`."""
        return self.gates.get(to, ())

    @cached_property
    def deployment_kinds(self) -> frozenset[str]:
        """The fact kinds the deployment gate's rules read (asked on every decision)."""
        return fact_kinds(self.deployment_gate)


def fact_kinds(requirements: tuple[Requirement, ...]) -> frozenset[str]:
    """The fact kinds the rules of `requirements` read."""
    return frozenset().union(*(KINDS.get(r.rule, frozenset()) for r in requirements))


def load_policy(path: Path | None = None) -> GatePolicy:
    """Read and validate a policy file (the packaged default when `path` is None)."""
    raw = (path or DEFAULT_POLICY).read_bytes()
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise PolicyError(f"gate policy is not valid YAML: {exc}") from exc
    return parse_policy(doc, hashlib.sha256(raw).hexdigest())


def parse_policy(doc: Any, sha256: str) -> GatePolicy:
    """A policy from its parsed document; raises PolicyError naming what is wrong."""
    if not isinstance(doc, dict) or not isinstance(doc.get("version"), str | int | float):
        raise PolicyError("gate policy needs a mapping with a `version`")
    named = {
        name: _requirements(reqs, {}, f"requirements.{name}")
        for name, reqs in (doc.get("requirements") or {}).items()
    }
    transitions = {s: tuple(_stages(t, f"transitions.{s}")) for s, t in _map(doc, "transitions")}
    for stage in transitions:
        _stages([stage], "transitions")
    gates = {s: _requirements(r, named, f"gates.{s}") for s, r in _map(doc, "gates")}
    _stages(list(gates), "gates")
    deployment = _requirements(doc.get("deployment_gate") or [], named, "deployment_gate")
    return GatePolicy(str(doc["version"]), sha256, transitions, gates, deployment)


def _map(doc: dict[str, Any], key: str) -> list[tuple[str, Any]]:
    value = doc.get(key) or {}
    if not isinstance(value, dict):
        raise PolicyError(f"`{key}` must be a mapping")
    return list(value.items())


def _stages(names: Any, where: str) -> list[str]:
    if not isinstance(names, list) or any(n not in STAGES for n in names):
        raise PolicyError(f"{where}: stages must be a list of {', '.join(STAGES)}")
    return names


def _requirements(
    items: Any, named: Mapping[str, tuple[Requirement, ...]], where: str
) -> tuple[Requirement, ...]:
    if not isinstance(items, list):
        raise PolicyError(f"{where} must be a list")
    out: list[Requirement] = []
    for item in items:
        if isinstance(item, dict) and "use" in item:
            if item["use"] not in named:
                raise PolicyError(f"{where}: unknown requirement set {item['use']!r}")
            out.extend(named[item["use"]])
        elif isinstance(item, dict) and item.get("rule") in RULES:
            params = {k: v for k, v in item.items() if k != "rule"}
            out.append(Requirement(item["rule"], params))
        else:
            raise PolicyError(f"{where}: {item!r} names no known rule ({', '.join(RULES)})")
    return tuple(out)
