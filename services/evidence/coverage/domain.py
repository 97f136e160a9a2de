"""Coverage of a framework's requirements from what aims records (pure: rows in, answer out).

The rule, for every requirement of ISO/IEC 42001, the EU AI Act or the NIST AI RMF
(shared/contract/crosswalk.py maps each to ISO clauses, Annex A controls and event types):

- An Annex A control is *met* when the Statement of Applicability excludes it (with its
  justification), or when it has current evidence (not superseded, `valid_until` unset or
  in the future) or its records rule is met, and the SoA declares it `implemented`; with
  current evidence or met records but no `implemented` SoA entry it is *partial*. With only
  evidence past its `valid_until` it is *expired*; with nothing, *missing*.
- A records rule is *met* when every `met` event type is in the log (each newest one at
  most `within_days` old, else *expired*), *partial* when some of them or any `partial`
  type is, *missing* otherwise.
- A clause or a crosswalked requirement combines its elements (its controls, its clauses,
  its own records rule): *met* when every element is met, *partial* when some element is
  met or partial, else *expired* when some element is expired, else *missing*. A clause
  aims keeps no record of has no element and is *missing*.

With a system, evidence and records count when they name that system or no system at all;
records of an `organisation` rule count whatever systems they name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.contract import crosswalk, eu_ai_act
from shared.contract.crosswalk import Records, Requirement

MET, PARTIAL, EXPIRED, MISSING = "met", "partial", "expired", "missing"
_RANK = {MISSING: 0, EXPIRED: 1, PARTIAL: 2, MET: 3}
EVIDENCE_SHOWN = 10  # newest pieces of evidence listed per control; the list link has all

# Where the resource behind a stream is read: category -> (service, path).
RESOURCES = {
    "system": ("registry", "/v1/systems/{id}"),
    "decision": ("registry", "/v1/deployment-decisions/{id}"),
    "oversight": ("registry", "/v1/systems/{id}/oversight"),
    "monitoring": ("registry", "/v1/systems/{id}/monitoring"),
    "criteria": ("risk", "/v1/criteria"),
    "risk": ("risk", "/v1/risks/{id}"),
    "acceptance": ("risk", "/v1/acceptances/{id}"),
    "impact": ("risk", "/v1/impact-assessments/{id}"),
    "soa": ("risk", "/v1/soa"),
    "policy": ("risk", "/v1/policies/{id}"),
    "objective": ("risk", "/v1/objectives/{id}"),
    "supplier": ("risk", "/v1/suppliers/{id}"),
    "airole": ("risk", "/v1/ai-roles/{id}"),
    "training": ("risk", "/v1/training-records/{id}"),
    "party": ("risk", "/v1/interested-parties/{id}"),
    "scope": ("risk", "/v1/scope"),
    "evidence": ("evidence", "/v1/evidence/{id}"),
    "audit": ("evidence", "/v1/audits/{id}"),
    "nc": ("evidence", "/v1/nonconformities/{id}"),
    "review": ("evidence", "/v1/management-reviews/{id}"),
    "incident": ("evidence", "/v1/incidents/{id}"),
    "concern": ("evidence", "/v1/concerns/{id}"),
    "checkpoint": ("evidence", "/v1/log/checkpoint"),
}


@dataclass(frozen=True)
class Found:
    """The newest record of one event type in scope, and how many there are."""

    type: str
    count: int
    position: int
    stream_id: str
    summary: str
    recorded_at: datetime


@dataclass
class Facts:
    """What aims holds, in the scope asked for (rows from queries.py)."""

    now: datetime
    soa: dict[str, dict[str, Any]]  # control_id -> evidence_soa row
    evidence: dict[str, list[dict[str, Any]]]  # control_id -> rows, current first
    records: dict[str, Found]  # in scope: the system's and organisation-wide
    everywhere: dict[str, Found]  # whatever systems they name
    system_id: str | None = None
    tier: str | None = None


@dataclass
class Status:
    status: str
    sources: list[dict[str, Any]] = field(default_factory=list)


def watched() -> list[str]:
    """Every event type some records rule of a framework names."""
    rules = [r.records for f in crosswalk.FRAMEWORKS for r in crosswalk.framework(f).requirements
             if r.records is not None]  # fmt: skip
    return sorted({t for rule in rules for t in rule.types})


def combine(statuses: list[str]) -> str:
    """The status of a requirement from the statuses of its elements."""
    if not statuses:
        return MISSING
    if all(s == MET for s in statuses):
        return MET
    if any(s in (MET, PARTIAL) for s in statuses):
        return PARTIAL
    return EXPIRED if EXPIRED in statuses else MISSING


class Coverage:
    """Evaluates requirements against the facts, each element once."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._controls: dict[str, Status] = {}
        self._clauses: dict[str, Status] = {}

    def report(self, framework: str) -> dict[str, Any]:
        """The coverage answer of one framework."""
        fw = crosswalk.framework(framework)
        rows = [self.requirement(r, framework) for r in fw.requirements]
        tally = {s: sum(1 for r in rows if r["status"] == s) for s in (MET, PARTIAL, EXPIRED,
                                                                      MISSING)}  # fmt: skip
        return {
            "framework": framework, "title": fw.title, "version": fw.version,
            "system_id": self.facts.system_id, "computed_at": self.facts.now, "summary": tally,
            "references": [{"title": s.title, "href": s.href} for s in fw.sources],
            "requirements": rows,
        }  # fmt: skip

    def requirement(self, req: Requirement, framework: str) -> dict[str, Any]:
        control = req.id in crosswalk.controls()
        found = self.control(req.id) if control else self.combined(req)
        row: dict[str, Any] = {
            "id": req.id, "title": req.title, "status": found.status, "sources": found.sources,
            "group": req.group, "description": req.description,
            "maps_to": {"clauses": list(req.clauses), "controls": list(req.controls)},
        }  # fmt: skip
        if framework == "eu-ai-act" and self.facts.tier is not None:
            row["applies"] = req.id in eu_ai_act.obligations(self.facts.tier)
        return row

    def combined(self, req: Requirement) -> Status:
        parts = [self.control(c) for c in req.controls] + [self.clause(c) for c in req.clauses]
        if req.records is not None:
            parts.append(self.records(req.records))
        return Status(combine([p.status for p in parts]), _unique(p.sources for p in parts))

    def clause(self, clause_id: str) -> Status:
        if clause_id not in self._clauses:
            self._clauses[clause_id] = self.combined(crosswalk.clauses()[clause_id])
        return self._clauses[clause_id]

    def control(self, cid: str) -> Status:
        if cid not in self._controls:
            self._controls[cid] = self._control(cid)
        return self._controls[cid]

    def _control(self, cid: str) -> Status:
        entry = self.facts.soa.get(cid)
        sources = [_soa_source(cid, entry)] if entry else []
        if entry is not None and not entry["applicable"]:
            return Status(MET, sources)
        rows = self.facts.evidence.get(cid, [])
        sources += [self._evidence_source(r) for r in rows] + self._evidence_list(cid, rows)
        status = MET if any(r["current"] for r in rows) else EXPIRED if rows else MISSING
        rule = crosswalk.controls()[cid].records
        if rule is not None:
            records = self.records(rule)
            sources += records.sources
            status = max(status, records.status, key=_RANK.__getitem__)
        if status == MET and (entry is None or entry["status"] != "implemented"):
            status = PARTIAL
        return Status(status, sources)

    def records(self, rule: Records) -> Status:
        found = self.facts.everywhere if rule.organisation else self.facts.records
        present = [found[t] for t in rule.types if t in found]
        sources = [_record_source(f) for f in present]
        if all(t in found for t in rule.met):
            fresh = rule.within_days is None or all(
                found[t].recorded_at >= self.facts.now - timedelta(days=rule.within_days)
                for t in rule.met
            )  # fmt: skip
            return Status(MET if fresh else EXPIRED, sources)
        return Status(PARTIAL if present else MISSING, sources)

    def _evidence_source(self, r: dict[str, Any]) -> dict[str, Any]:
        return {
            "kind": "evidence", "id": str(r["id"]), "title": r["title"],
            "status": "current" if r["current"] else "expired", "valid_until": r["valid_until"],
            "service": "evidence", "href": f"/v1/evidence/{r['id']}",
        }  # fmt: skip

    def _evidence_list(self, cid: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not rows or rows[0]["total"] <= len(rows):
            return []
        scope = f"&system_id={self.facts.system_id}" if self.facts.system_id else ""
        total = rows[0]["total"]
        return [{"kind": "evidence_list", "id": cid, "count": total,
                 "title": f"all {total} pieces of evidence for {cid}", "service": "evidence",
                 "href": f"/v1/evidence?control_id={cid}{scope}"}]  # fmt: skip


def _soa_source(cid: str, entry: dict[str, Any]) -> dict[str, Any]:
    decided = "applicable" if entry["applicable"] else "excluded"
    return {
        "kind": "soa_entry", "id": cid, "status": decided,
        "title": f"SoA {cid}: {decided}, {entry['status']}: {entry['justification']}"[:300],
        "service": "risk", "href": "/v1/soa",
    }  # fmt: skip


def _record_source(f: Found) -> dict[str, Any]:
    service, href = resource(f.stream_id, f.type)
    return {
        "kind": "record", "id": str(f.position), "event_type": f.type, "count": f.count,
        "title": f.summary, "recorded_at": f.recorded_at, "service": service, "href": href,
    }  # fmt: skip


def resource(stream_id: str, event_type: str) -> tuple[str, str]:
    """The service and path of the resource a stream holds (else the audit trail's events
    of that type)."""
    category, _, sid = stream_id.partition("-")
    if category in RESOURCES:
        service, path = RESOURCES[category]
        return service, path.format(id=sid)
    return "evidence", f"/v1/audit-trail?type={event_type}"


def _unique(groups: Any) -> list[dict[str, Any]]:
    seen: set[tuple[str, str, str]] = set()
    out: list[dict[str, Any]] = []
    for sources in groups:
        for s in sources:
            key = (s["kind"], s["id"], s.get("event_type", ""))
            if key not in seen:
                seen.add(key)
                out.append(s)
    return out
