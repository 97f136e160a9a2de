"""The Annex IV technical documentation of a system, assembled from its events (pure).

Each section lists what the log says, with the events (and evidence) each line rests on,
and what is missing for that section to be complete. Nothing is taken from read models:
the dossier is a fold of events, so it can be checked against the log line by line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.contract import eu_ai_act
from shared.kernel.eventstore import StoredEvent

# Controls whose current evidence the default deployment approval asks for (gate policy).
DEPLOYMENT_CONTROLS = ("A.6.2.4", "A.6.2.5", "A.6.2.7")


@dataclass(frozen=True)
class Line:
    """One statement of a section, with the log positions and evidence it comes from."""

    text: str
    positions: tuple[int, ...] = ()
    evidence_ids: tuple[str, ...] = ()


@dataclass
class Section:
    key: str
    title: str
    basis: str  # where Annex IV (and ISO/IEC 42001) ask for it
    lines: list[Line] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def add(self, text: str, *events: StoredEvent, evidence: Iterable[str] = ()) -> None:
        self.lines.append(Line(text, tuple(e.position for e in events), tuple(evidence)))

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass
class Dossier:
    system: dict[str, Any]
    sections: list[Section]
    sources: list[StoredEvent]
    generated_at: datetime

    @property
    def missing(self) -> dict[str, list[str]]:
        return {s.key: s.missing for s in self.sections if s.missing}


class _Log:
    """The system's events by stream and type, latest-first helpers."""

    def __init__(self, events: Sequence[StoredEvent]) -> None:
        self.events = sorted(events, key=lambda e: e.position)

    def of(self, *types: str) -> list[StoredEvent]:
        return [e for e in self.events if e.type in types]

    def last(self, *types: str) -> StoredEvent | None:
        found = self.of(*types)
        return found[-1] if found else None

    def latest_by_stream(self, *types: str) -> list[StoredEvent]:
        """The latest event of each stream among `types`, oldest stream first."""
        latest: dict[str, StoredEvent] = {}
        for e in self.of(*types):
            latest[e.stream_id] = e
        return list(latest.values())


def _names(system_id: str, e: StoredEvent) -> bool:
    d = e.data
    return str(d.get("system_id")) == system_id or system_id in map(str, d.get("system_ids") or [])


def build(system: dict[str, Any], events: Sequence[StoredEvent], soa: Sequence[StoredEvent],
          now: datetime) -> Dossier:  # fmt: skip
    """The dossier of `system` (its current state as a dict) from the events naming it."""
    log = _Log(events)
    sid = str(system["id"])
    sections = [
        _general(system, log), _development(system, log, sid), _monitoring(system, log),
        _risk(system, log), _changes(log), _standards(system, log, soa, sid, now),
    ]  # fmt: skip
    sources = {e.position: e for e in [*events, *soa]}
    return Dossier(system, sections, [sources[p] for p in sorted(sources)], now)


def _general(system: dict[str, Any], log: _Log) -> Section:
    s = Section("general", "General description of the AI system", "Annex IV 1; 4.1, A.9.4")
    described = log.of("SystemRegistered", "SystemUpdated", "SystemOwnerAssigned")
    s.add(f"{system['name']}: {system['purpose']}", *described)
    s.add(f"Intended use: {system['intended_use'] or '(not stated)'}", *described)
    tier = system["eu_ai_act_tier"]
    info = eu_ai_act.tier(tier)
    s.add(f"Provider role: {system['provider_role']}; EU AI Act tier: {info.title}"
          f" ({', '.join(info.articles) or 'no article'})", *described)  # fmt: skip
    s.add(f"Owner: {system['owner']}", *described)
    raci = log.last("ResponsibilitiesAssigned")
    if raci is not None:
        d = raci.data
        s.add(f"Accountable: {d['accountable']}; responsible: {', '.join(d['responsible'])};"
              f" consulted: {', '.join(d['consulted']) or 'nobody'};"
              f" informed: {', '.join(d['informed']) or 'nobody'}", raci)  # fmt: skip
    else:
        s.missing.append("no responsibilities (accountable, responsible, consulted, informed)"
                         " are assigned (5.3, A.3.2)")  # fmt: skip
    if not str(system["intended_use"]).strip():
        s.missing.append("the intended use is not stated (A.9.4, Annex IV 1(a))")
    if not eu_ai_act.triaged(tier):
        s.missing.append("the EU AI Act tier has not been assessed")
    return s


def _development(system: dict[str, Any], log: _Log, sid: str) -> Section:
    s = Section("development", "Development of the system and its data",
                "Annex IV 2; A.6.2.3, A.7, EU AI Act Art. 10")  # fmt: skip
    versions = log.of("ModelVersionRegistered")
    for e in versions:
        d = e.data
        s.add(f"Model version {d['name']}/{d['version']} (sha256 {d['digest'] or '?'}) from"
              f" {d['source_uri']} ({d.get('source', 'api')})", e)  # fmt: skip
    if not versions:
        s.missing.append("no model version is registered")
    datasets = [e for e in log.latest_by_stream("DatasetRegistered", "DatasetRevised")
                if _names(sid, e)]  # fmt: skip
    trained: set[str] = set()
    for e in datasets:
        d = e.data
        checks = d["quality_checks"]
        s.add(f"Dataset {d['name']} version {d['version']} (sha256 {d['digest']}), used for"
              f" {d['use']}: source {d['source'] or '(not stated)'}; provenance"
              f" {d['provenance'] or '(not stated)'}; licence {d['licence'] or '(not stated)'};"
              f" personal data: {'yes' if d['personal_data'] else 'no'}; quality checks: "
              + (", ".join(f"{c['name']} {c['result']}" for c in checks) or "none"),
              e)  # fmt: skip
        if not str(d["provenance"]).strip():
            s.missing.append(f"dataset {d['name']}: provenance is not stated (A.7.5)")
        if not checks:
            s.missing.append(f"dataset {d['name']}: no quality check is recorded (A.7.4)")
        s.missing += [f"dataset {d['name']}: quality check {c['name']} failed"
                      for c in checks if c["result"] == "failed"]  # fmt: skip
        if d["use"] == "training" and str(d["provenance"]).strip():
            trained.update(map(str, d["model_version_ids"]))
    if not datasets:
        s.missing.append("no dataset is linked to the system (A.7, Art. 10)")
    s.missing += [f"model version {e.data['name']}/{e.data['version']} names no training data"
                  " with its provenance" for e in versions
                  if datasets and str(e.data["model_version_id"]) not in trained]  # fmt: skip
    _evidence(s, log, sid, ("A.6.2.3", "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6"))
    return s


def _monitoring(system: dict[str, Any], log: _Log) -> Section:
    s = Section("monitoring", "Monitoring, functioning and human oversight",
                "Annex IV 3; 9.1, A.6.2.6, A.9; EU AI Act Art. 14, 72")  # fmt: skip
    oversight = log.last("OversightAssigned")
    if oversight is not None and oversight.data["overseers"]:
        d = oversight.data
        s.add(f"Overseers: {', '.join(d['overseers'])}; measures: {d['measures'] or '-'};"
              f" can override: {'yes' if d['can_override'] else 'no'}; stop procedure:"
              f" {d['stop_procedure'] or '-'}", oversight)  # fmt: skip
    else:
        s.missing.append("no human overseer is named (A.9, Art. 14)")
    plan = log.last("MonitoringPlanSet")
    if plan is not None:
        metrics = ", ".join(
            f"{m['name']} ({m['kind']}, {m['threshold']['op']} {m['threshold']['value']})"
            for m in plan.data["metrics"]
        )
        reviews = log.of("MonitoringPlanReviewed")
        s.add(f"Monitoring plan: {metrics}; reviewed every {plan.data['review_every_days']} days",
              plan, *reviews)  # fmt: skip
    else:
        s.missing.append("no monitoring plan is set (9.1, Art. 72)")
    reviewed = {str(e.data["breach_id"]): e for e in log.of("MonitoringBreachReviewed")}
    for b in log.of("MonitoringThresholdBreached"):
        review = reviewed.get(str(b.data["breach_id"]))
        outcome = f"reviewed: {review.data['decision']}" if review else "awaiting review"
        s.add(f"Breach of {b.data['metric']} ({outcome})", *([b, review] if review else [b]))
        if review is None:
            s.missing.append(f"the breach of {b.data['metric']} awaits an approver's review")
    for e in log.latest_by_stream("IncidentReported", "IncidentReclassified", "IncidentClosed"):
        s.add(f"Incident {e.data.get('incident_id')}: {e.type}", e)
    return s


def _risk(system: dict[str, Any], log: _Log) -> Section:
    s = Section("risk", "Risk management", "Annex IV 5; 6.1.2-6.1.4, 8.2-8.4; Art. 9, 27")
    risks = log.of("RiskIdentified")
    for r in risks:
        later = [e for e in log.events if e.stream_id == r.stream_id and e is not r]
        s.add(f"Risk {r.data['title']} ({r.data['level']}, owner {r.data.get('owner', '?')})",
              r, *later)  # fmt: skip
    if not risks:
        s.missing.append("no risk of the system is identified (6.1.2)")
    for e in log.of("AcceptanceApproved"):
        s.add(f"Residual risk accepted by {e.data.get('approved_by')} until"
              f" {e.data.get('expires_at')}", e)  # fmt: skip
    impact = log.of("ImpactAssessmentApproved")
    for e in impact:
        s.add(f"Impact assessment approved by {e.data.get('approved_by')}", e)
    if not impact:
        s.missing.append("no impact assessment is approved (6.1.4, A.5, Art. 27)")
    return s


def _changes(log: _Log) -> Section:
    s = Section("changes", "Changes over the lifecycle", "Annex IV 6; 8.2-8.4, A.6.2.5")
    for e in log.of(
        "SystemRegistered",
        "SystemUpdated",
        "SystemOwnerAssigned",
        "SystemStageChanged",
        "DeploymentDecisionMade",
        "DeploymentRecorded",
    ):
        s.add(_change(e), e)
    if not log.of("SystemStageChanged"):
        s.missing.append("the system has not passed any lifecycle gate")
    return s


def _change(e: StoredEvent) -> str:
    d = e.data
    match e.type:
        case "SystemRegistered":
            return f"registered at inception (tier {d['eu_ai_act_tier']})"
        case "SystemUpdated":
            sig = " (significant: re-assessment due)" if d.get("significant") else ""
            return f"changed {', '.join(d['changes'])}{sig}"
        case "SystemOwnerAssigned":
            return f"owner {d['previous_owner']} -> {d['owner']}"
        case "SystemStageChanged":
            return f"{d['frm']} -> {d['to']} under gate policy {d['policy_version']}: {d['reason']}"
        case "DeploymentDecisionMade":
            return f"gate {d['decision']} for {d['model_version']} to {d['environment']}"
    return f"deployed {d['model_version']} to {d['environment']}"


def _standards(system: dict[str, Any], log: _Log, soa: Sequence[StoredEvent], sid: str,
               now: datetime) -> Section:  # fmt: skip
    s = Section("standards", "Standards and controls applied",
                "Annex IV 7; 6.1.3 (Statement of Applicability), Annex A")  # fmt: skip
    obligations = eu_ai_act.obligations(system["eu_ai_act_tier"])
    if obligations:
        s.add(f"EU AI Act obligations of its tier: {', '.join(obligations)}")
    policies = sorted({str(e.data["policy_version"]) for e in log.of("SystemStageChanged")})
    if policies:
        s.add(f"Gate policy versions applied: {', '.join(policies)}",
              *log.of("SystemStageChanged"))  # fmt: skip
    applicable = [e for e in soa if e.data.get("applicable")]
    excluded = [e for e in soa if not e.data.get("applicable")]
    if applicable:
        s.add(f"ISO/IEC 42001 Annex A controls applicable (SoA): {len(applicable)}; excluded:"
              f" {len(excluded)}", *soa)  # fmt: skip
    else:
        s.missing.append("no Statement of Applicability is recorded (6.1.3)")
    gated = {str(e.data["control_id"]) for e in applicable if e.data.get("deployment_gate")}
    wanted = sorted(set(DEPLOYMENT_CONTROLS) | gated)
    excluded_ids = {str(e.data["control_id"]) for e in excluded}
    for control in wanted:
        if control in excluded_ids:
            continue
        if not _evidence(s, log, sid, (control,), now):
            s.missing.append(f"no current evidence for {control} is linked to the system")
    return s


def _evidence(s: Section, log: _Log, sid: str, controls: Sequence[str],
              now: datetime | None = None) -> int:  # fmt: skip
    """Add the system's current evidence for `controls`; how many pieces were found."""
    superseded = {str(e.data.get("supersedes")) for e in log.of("EvidenceRecorded")}
    superseded |= {e.entity_id for e in log.of("EvidenceSuperseded")}
    found = 0
    for e in log.of("EvidenceRecorded"):
        d = e.data
        hits = [c for c in controls if c in (d.get("control_ids") or [])]
        until = d.get("valid_until")
        expired = now is not None and until and datetime.fromisoformat(
            str(until).replace("Z", "+00:00")) <= now  # fmt: skip
        if not hits or not _names(sid, e) or str(d["evidence_id"]) in superseded or expired:
            continue
        found += 1
        s.add(f"Evidence for {', '.join(hits)}: {d.get('title')} ({d.get('kind')})", e,
              evidence=[str(d["evidence_id"])])  # fmt: skip
    return found
