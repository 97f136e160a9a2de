"""The OSCAL assessment results of the internal audits (9.2) and their findings.

One result per audit (its scope, criteria, dates, auditors and log of planning and
completion); each finding is an OSCAL finding on its clause or Annex A control (a
nonconformity is `not-satisfied`, an observation or improvement `satisfied`) backed by an
observation, with a link to the nonconformity it raised.
"""

from __future__ import annotations

from typing import Any

from services.evidence.oscal.domain.common import (
    Bases,
    Stamp,
    line,
    link,
    metadata,
    oscal_uuid,
    party_uuid,
    prop,
    stamp,
    token,
)

NC_KINDS = frozenset({"major_nc", "minor_nc"})
AUDITOR_ROLE = ("auditor", "Internal auditor")
PROGRAMME = oscal_uuid("resource", "audit-programme")  # no OSCAL plan: aims' audit programme


def assessment_results(
    audits: list[dict[str, Any]], findings: list[dict[str, Any]], changed: Stamp, bases: Bases
) -> dict[str, Any]:
    """The assessment-results document (`{"assessment-results": ...}`)."""
    people = {p for a in audits for p in a["auditors"]} | {f["raised_by"] for f in findings}
    people |= {e["actor"] for a in audits for e in a["events"]}
    results = [_result(a, [f for f in findings if f["audit_id"] == a["id"]], bases)
               for a in audits] or [_nothing_yet(changed, bases)]  # fmt: skip
    return {"assessment-results": {
        "uuid": oscal_uuid("assessment-results", "internal-audits"),
        "metadata": metadata("Internal audits of the AI management system (ISO/IEC 42001 9.2)",
                             changed, people=people, roles=[AUDITOR_ROLE],
                             links=[link(bases.href("evidence", "/v1/audits"), "Audits")]),
        "import-ap": {"href": f"#{PROGRAMME}",
                      "remarks": "The audit programme: each audit's scope and criteria."},
        "results": results,
        "back-matter": {"resources": [{
            "uuid": PROGRAMME, "title": "Internal audit programme (aims audits)",
            "rlinks": [{"href": bases.href("evidence", "/v1/audits"),
                        "media-type": "application/json"}],
        }]},
    }}  # fmt: skip


def _result(audit: dict[str, Any], findings: list[dict[str, Any]], bases: Bases) -> dict[str, Any]:
    planned = next((e for e in audit["events"] if e["type"] == "AuditPlanned"), None)
    done = next((e for e in audit["events"] if e["type"] == "AuditCompleted"), None)
    criteria = str((planned or {}).get("data", {}).get("criteria") or "")
    description = f"Scope: {audit['scope']}" + (f"\n\nCriteria: {criteria}" if criteria else "")
    out: dict[str, Any] = {
        "uuid": oscal_uuid("audit", audit["id"]), "title": line(audit["title"]),
        "description": description,
        "start": stamp(audit["starts_on"]),
        "end": stamp(done["recorded_at"]) if done else None,
        "props": [prop("audit-status", audit["status"]), prop("ends-on", audit["ends_on"])]
        + [prop("system-id", s) for s in audit["system_ids"]],
        "links": [link(bases.href("evidence", f"/v1/audits/{audit['id']}"), "Audit record")],
        "reviewed-controls": {"description": criteria or "As set out in the audit's criteria.",
                              "control-selections": [{"include-all": {}}]},
        "attestations": [{"responsible-parties": [_auditors(audit)], "parts": [{
            "name": "audit-summary", "ns": "https://aims.dev/ns/oscal",
            "prose": str(done["data"].get("summary") or "") if done else "Audit not completed.",
        }]}] if audit["auditors"] else None,
    }  # fmt: skip
    entries = [
        _log_entry(e) for e in audit["events"] if e["type"] in ("AuditPlanned", "AuditCompleted")
    ]
    if entries:
        out["assessment-log"] = {"entries": entries}
    if findings:
        out["observations"] = [observation(f, bases) for f in findings]
        out["findings"] = [finding(f, bases) for f in findings]
    return {k: v for k, v in out.items() if v is not None}


def _auditors(audit: dict[str, Any]) -> dict[str, Any]:
    return {"role-id": AUDITOR_ROLE[0], "party-uuids": [party_uuid(p) for p in audit["auditors"]]}


def _log_entry(e: dict[str, Any]) -> dict[str, Any]:
    title = "Audit planned" if e["type"] == "AuditPlanned" else "Audit completed"
    return {"uuid": oscal_uuid("event", e["id"]), "title": title, "start": stamp(e["recorded_at"]),
            "logged-by": [{"party-uuid": party_uuid(e["actor"])}]}  # fmt: skip


def observation(f: dict[str, Any], bases: Bases) -> dict[str, Any]:
    """The observation an auditor made that a finding rests on."""
    return {
        "uuid": oscal_uuid("observation", f["id"]), "title": line(f"Observed: {f['reference']}"),
        "description": f["description"], "methods": ["EXAMINE"], "types": ["finding"],
        "origins": [{"actors": [{"type": "party", "actor-uuid": party_uuid(f["raised_by"])}]}],
        "relevant-evidence": [{"href": bases.href("evidence", f"/v1/audits/{f['audit_id']}"),
                               "description": "The audit record holding this finding."}],
        "collected": stamp(f["created_at"]),
    }  # fmt: skip


def finding(f: dict[str, Any], bases: Bases, observed: bool = True) -> dict[str, Any]:
    """An audit finding on its clause or Annex A control."""
    nonconformity = f["kind"] in NC_KINDS
    state = {"state": "not-satisfied" if nonconformity else "satisfied",
             "reason": "fail" if nonconformity else "pass"}  # fmt: skip
    links = [link(bases.href("evidence", f"/v1/audits/{f['audit_id']}"), "Audit record")]
    if f.get("nc_id"):
        links.append(link(bases.href("evidence", f"/v1/nonconformities/{f['nc_id']}"),
                          "Nonconformity raised"))  # fmt: skip
    props = [prop("finding-kind", f["kind"]), prop("reference", f["reference"])]
    if f.get("system_id"):
        props.append(prop("system-id", f["system_id"]))
    out: dict[str, Any] = {
        "uuid": oscal_uuid("finding", f["id"]),
        "title": line(f"{f['kind'].replace('_', ' ')} against {f['reference']}"),
        "description": f["description"], "props": props, "links": links,
        "origins": [{"actors": [{"type": "party", "actor-uuid": party_uuid(f["raised_by"])}]}],
        "target": {"type": "objective-id", "target-id": token(f["reference"]),
                   "title": line(f"ISO/IEC 42001 {f['reference']}"), "status": state},
    }  # fmt: skip
    if observed:
        out["related-observations"] = [{"observation-uuid": oscal_uuid("observation", f["id"])}]
    return out


def _nothing_yet(changed: Stamp, bases: Bases) -> dict[str, Any]:
    """OSCAL needs at least one result: one that says no audit is recorded yet."""
    return {
        "uuid": oscal_uuid("audit", "none"), "title": "No internal audit recorded yet",
        "description": "aims holds no internal audit yet; plan one with POST /v1/audits.",
        "start": stamp(changed.at),
        "links": [link(bases.href("evidence", "/v1/audits"), "Audits")],
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
    }  # fmt: skip
