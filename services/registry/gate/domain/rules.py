"""The gate rules the policy file can name; each is pure: facts and a clock in, outcome out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.registry.gate.domain.facts import Fact, GateFacts, Reason, parse_time
from shared.contract import eu_ai_act


@dataclass
class Outcome:
    """What a rule found missing, which streams it relied on, and when its answer lapses."""

    reasons: list[Reason] = field(default_factory=list)
    used: dict[str, int] = field(default_factory=dict)
    expires_at: datetime | None = None

    def use(self, *facts: Fact | None) -> None:
        for f in facts:
            if f is not None:
                self.used[f.stream_id] = max(f.version, self.used.get(f.stream_id, 0))

    def lapses(self, at: datetime | None) -> None:
        if at is not None and (self.expires_at is None or at < self.expires_at):
            self.expires_at = at


Rule = Callable[[Mapping[str, Any], GateFacts, datetime], Outcome]


def _fail(code: str, message: str, **refs: str) -> Outcome:
    return Outcome([Reason(code, message, refs)])


def tier_triaged(_: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    """The tier is an assessed one (the EU AI Act data says which are)."""
    if not eu_ai_act.triaged(f.system.eu_ai_act_tier):
        return _fail("tier_not_triaged", "the EU AI Act tier has not been assessed")
    return Outcome()


def not_prohibited(_: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    """The tier is not the one the Art. 5 rule of the EU AI Act data prohibits."""
    if eu_ai_act.prohibited(f.system.eu_ai_act_tier):
        ban = eu_ai_act.prohibition()
        return _fail(ban.code, ban.message)
    return Outcome()


def intended_use_stated(_: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    if not f.system.intended_use.strip():
        return _fail("intended_use_missing", "the intended use (A.9.4) is not stated")
    return Outcome()


def not_retired(_: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    if f.system.stage == "retired":
        return _fail("retired", "the system is retired")
    return Outcome()


def stage_in(params: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    stages = list(params.get("stages", []))
    if f.system.stage not in stages:
        return _fail(
            "stage_not_ready",
            f"the system is at stage {f.system.stage}; deployment needs one of {', '.join(stages)}",
            stage=f.system.stage,
        )
    return Outcome()


def model_version_registered(_: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    ref = f.model_version or ""
    if f.system.model_version(ref) is None:
        return _fail(
            "model_version_unknown",
            f"model version {ref!r} is not registered for this system",
            model_version=ref,
        )
    return Outcome()


def risk_identified(_: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    risks = f.of("risk")
    if not risks:
        return _fail("no_risk_identified", "no risk of the system has been identified (6.1.2)")
    out = Outcome()
    out.use(*risks)
    return out


def risks_accepted(params: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    """Every open risk above the appetite has a valid acceptance of its current version."""
    crit, crit_fact = f.criteria()
    inclusive = params.get("threshold", "above_appetite") == "at_or_above_appetite"
    out = Outcome()
    out.use(crit_fact)
    acceptances = f.of("acceptance")
    for risk in f.of("risk"):
        out.use(risk)
        d = risk.data
        level = d.get("residual_level") or d.get("level") or ""
        if d.get("closed") or not _exceeds(crit, level, inclusive):
            continue
        valid = [a for a in acceptances if _accepts(a, d, now)]
        if not valid:
            out.reasons.append(Reason(
                "risk_not_accepted",
                f"risk {d.get('title') or d.get('risk_id')!r} is {level}, above the appetite"
                f" ({crit['appetite']}), and has no approved, unexpired acceptance",
                {"risk_id": str(d.get("risk_id")), "level": level},
            ))  # fmt: skip
            continue
        out.use(*valid)
        out.lapses(max(t for a in valid if (t := parse_time(a.data["expires_at"])) is not None))
    return out


def _exceeds(crit: Mapping[str, Any], level: str, inclusive: bool) -> bool:
    levels = list(crit["levels"])
    if level not in levels or crit["appetite"] not in levels:
        return True  # a level the criteria do not know cannot be shown to be acceptable
    rank, appetite = levels.index(level), levels.index(crit["appetite"])
    return rank >= appetite if inclusive else rank > appetite


def _accepts(acceptance: Fact, risk: Mapping[str, Any], now: datetime) -> bool:
    """Approved, not voided or expired, and bound to the risk as it is now."""
    a = acceptance.data
    expires = parse_time(a.get("expires_at"))
    return (
        a.get("status") == "approved"
        and str(a.get("risk_id")) == str(risk.get("risk_id"))
        and int(a.get("risk_version") or 0) >= int(risk.get("material_version") or 0)
        and expires is not None
        and expires > now
    )


def impact_assessment_approved(params: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    tiers = list(params.get("tiers", ["high"]))
    if f.system.eu_ai_act_tier not in tiers:
        return Outcome()
    out = Outcome()
    approved = [a for a in f.of("impact") if a.data.get("status") == "approved"]
    out.use(*f.of("impact"))
    if not approved:
        out.reasons.append(Reason(
            "impact_assessment_missing",
            f"a {f.system.eu_ai_act_tier}-tier system needs an approved impact assessment"
            " (6.1.4) that is not due for review",
        ))  # fmt: skip
    return out


def control_evidence(params: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    """Current evidence linked to the system for every applicable gate control."""
    soa = {str(s.data.get("control_id")): s for s in f.of("soa")}
    controls = list(params.get("controls", []))
    out = Outcome()
    if params.get("soa_gate_controls"):
        out.use(*soa.values())
        controls += sorted(
            c for c, s in soa.items()
            if s.data.get("applicable") and s.data.get("deployment_gate") and c not in controls
        )  # fmt: skip
    evidence = f.of("evidence")
    for control in controls:
        entry = soa.get(control)
        out.use(entry)
        if entry is not None and not entry.data.get("applicable", True):
            continue
        current = [e for e in evidence if _current(e, control, now)]
        if not current:
            out.reasons.append(Reason(
                "evidence_missing",
                f"no current evidence for control {control} is linked to the system",
                {"control_id": control},
            ))  # fmt: skip
            continue
        out.use(*current)
        ends = [t for e in current if (t := parse_time(e.data.get("valid_until"))) is not None]
        out.lapses(max(ends) if len(ends) == len(current) else None)  # open-ended: no lapse
    return out


def _current(e: Fact, control: str, now: datetime) -> bool:
    until = parse_time(e.data.get("valid_until"))
    return (
        control in (e.data.get("control_ids") or [])
        and not e.data.get("superseded")
        and (until is None or until > now)
    )


def oversight_assigned(params: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    """Named overseers (A.9, EU AI Act Art. 14) for a system of one of `tiers`."""
    tiers = list(params.get("tiers", ["high"]))
    if f.system.eu_ai_act_tier not in tiers:
        return Outcome()
    out = Outcome()
    found = f.of("oversight")
    out.use(*found)
    if not any(o.data.get("overseers") for o in found):
        out.reasons.append(Reason(
            "oversight_missing",
            f"a {f.system.eu_ai_act_tier}-tier system needs named human overseers"
            " (A.9, EU AI Act Art. 14)",
        ))  # fmt: skip
    return out


def breaches_reviewed(_: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    """Every monitoring threshold breach of the system has an approver's review (9.1)."""
    out = Outcome()
    for b in f.of("breach"):
        if b.data.get("reviewed"):
            continue
        out.use(b)  # a new breach after an allow changes the basis: the deployment is refused
        out.reasons.append(Reason(
            "monitoring_breach",
            f"monitoring breach of {b.data.get('metric')!r} awaits an approver's review",
            {"breach_id": str(b.data.get("breach_id")), "metric": str(b.data.get("metric"))},
        ))  # fmt: skip
    return out


def no_open_serious_incident(_: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    """No serious incident naming the system is open (A.8.4, EU AI Act Art. 73)."""
    out = Outcome()
    for i in f.of("incident"):
        d = i.data
        if not d.get("serious") or d.get("closed") or not d.get("named", True):
            continue
        out.use(i)
        out.reasons.append(Reason(
            "open_serious_incident",
            f"serious incident {d.get('title') or d.get('incident_id')!r} naming the system"
            " is open",
            {"incident_id": str(d.get("incident_id")), "severity": str(d.get("severity"))},
        ))  # fmt: skip
    return out


def training_data_documented(params: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    """A model version of a system of one of `tiers` names training data with provenance.

    The version asked about (deployment gate), or every registered one (lifecycle gates):
    a dataset of use `training`, linked to that version, whose provenance is stated
    (A.7.5, EU AI Act Art. 10).
    """
    tiers = list(params.get("tiers", ["high"]))
    if f.system.eu_ai_act_tier not in tiers:
        return Outcome()
    if f.model_version is None:
        versions = list(f.system.model_versions)
    else:
        named = f.system.model_version(f.model_version)
        versions = [named] if named is not None else []
    out = Outcome()
    datasets = [d for d in f.of("dataset") if d.data.get("named", True)]
    for mv in versions:
        found = [d for d in datasets if _trains(d, mv.id)]
        out.use(*found)
        if not any(str(d.data.get("provenance") or "").strip() for d in found):
            out.use(*datasets)  # a dataset linked later changes the answer
            out.reasons.append(Reason(
                "training_data_missing",
                f"model version {mv.name}/{mv.version} of a {f.system.eu_ai_act_tier}-tier"
                " system names no training data with its provenance (A.7.5, EU AI Act Art. 10)",
                {"model_version_id": str(mv.id)},
            ))  # fmt: skip
    return out


def _trains(dataset: Fact, model_version_id: Any) -> bool:
    d = dataset.data
    return d.get("use") == "training" and str(model_version_id) in map(
        str, d.get("model_version_ids") or []
    )


def overseers_competent(params: Mapping[str, Any], f: GateFacts, now: datetime) -> Outcome:
    """Every overseer of a system of one of `tiers` holds current competence (7.2, A.4.6).

    Required of each overseer: the `competences` listed in the rule, plus (unless
    `from_roles: false`) those of every active AI role the overseer is a member of. A
    competence is held through a training record that is neither withdrawn nor expired;
    the answer lapses when the first record it relies on expires.
    """
    tiers = list(params.get("tiers", ["high"]))
    if f.system.eu_ai_act_tier not in tiers:
        return Outcome()
    out = Outcome()
    oversight = f.of("oversight")
    out.use(*oversight)
    overseers = sorted({p for o in oversight for p in o.data.get("overseers") or []})
    roles = [r for r in f.of("airole") if not r.data.get("retired")]
    records = [t for t in f.of("training") if not t.data.get("withdrawn")]
    for person in overseers:
        required = set(params.get("competences") or [])
        if params.get("from_roles", True):
            held_roles = [r for r in roles if person in (r.data.get("members") or [])]
            out.use(*held_roles)
            required.update(c for r in held_roles for c in r.data.get("competences") or [])
        for competence in sorted(required):
            _competence(out, person, competence, records, now)
    return out


def _competence(
    out: Outcome, person: str, competence: str, records: list[Fact], now: datetime
) -> None:
    mine = [t for t in records if (t.data.get("person"), t.data.get("competence")) == (
        person, competence)]  # fmt: skip
    out.use(*mine)  # a record that expires or is withdrawn changes the answer
    ends = [parse_time(t.data.get("expires_at")) for t in mine]
    current = [e for e in ends if e is None or e > now]
    if not current:
        out.reasons.append(Reason(
            "overseer_competence_missing",
            f"overseer {person!r} holds no current training for {competence!r}"
            " (7.2, A.4.6, EU AI Act Art. 14(4))",
            {"person": person, "competence": competence},
        ))  # fmt: skip
    elif None not in current:
        out.lapses(max(e for e in current if e is not None))


RULES: dict[str, Rule] = {
    "tier_triaged": tier_triaged,
    "not_prohibited": not_prohibited,
    "intended_use_stated": intended_use_stated,
    "not_retired": not_retired,
    "stage_in": stage_in,
    "model_version_registered": model_version_registered,
    "risk_identified": risk_identified,
    "risks_accepted": risks_accepted,
    "impact_assessment_approved": impact_assessment_approved,
    "control_evidence": control_evidence,
    "oversight_assigned": oversight_assigned,
    "breaches_reviewed": breaches_reviewed,
    "no_open_serious_incident": no_open_serious_incident,
    "training_data_documented": training_data_documented,
    "overseers_competent": overseers_competent,
}

# The fact kinds each rule reads (`GateFacts.of`): a decision loads only those its policy's
# rules need, so a policy without `overseers_competent` never loads the organisation's
# training records and AI roles. A test holds every rule to its entry.
KINDS: dict[str, frozenset[str]] = {
    "risk_identified": frozenset({"risk"}),
    "risks_accepted": frozenset({"criteria", "risk", "acceptance"}),
    "impact_assessment_approved": frozenset({"impact"}),
    "control_evidence": frozenset({"soa", "evidence"}),
    "oversight_assigned": frozenset({"oversight"}),
    "breaches_reviewed": frozenset({"breach"}),
    "no_open_serious_incident": frozenset({"incident"}),
    "training_data_documented": frozenset({"dataset"}),
    "overseers_competent": frozenset({"oversight", "airole", "training"}),
}  # the other rules read the system alone
