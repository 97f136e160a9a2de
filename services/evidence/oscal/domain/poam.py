"""The OSCAL plan of action and milestones: nonconformities and their corrective actions.

Each nonconformity (10.2) is a POA&M item with a risk: its root cause is the risk
statement, each corrective action a remediation (planned or completed) with its due date
as a milestone, and containment, root cause, actions and closure the risk log. A
nonconformity raised by an audit finding points at that finding.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.evidence.oscal.domain.assessment import finding
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
)

OWNER_ROLE = ("action-owner", "Corrective action owner")
_LOGGED = {
    "NonconformityRaised": "Nonconformity raised",
    "ContainmentRecorded": "Containment recorded",
    "RootCauseRecorded": "Root cause recorded",
    "CorrectiveActionAdded": "Corrective action planned",
    "CorrectiveActionCompleted": "Corrective action completed",
    "NonconformityClosed": "Nonconformity closed after effectiveness review",
}


def poam(
    ncs: list[dict[str, Any]], findings: list[dict[str, Any]], changed: Stamp, bases: Bases
) -> dict[str, Any]:
    """The plan-of-action-and-milestones document (`{"plan-of-action-and-milestones": ...}`)."""
    people = {e["actor"] for nc in ncs for e in nc["events"]} | {nc["owner"] for nc in ncs}
    people |= {f["raised_by"] for f in findings}
    people |= {str(a["owner"]) for nc in ncs for a in _actions(nc)}
    known = {str(f["id"]) for f in findings}
    doc: dict[str, Any] = {
        "uuid": oscal_uuid("poam", "nonconformities"),
        "metadata": metadata("Nonconformities and corrective actions (ISO/IEC 42001 10.2)",
                             changed, people=people, roles=[OWNER_ROLE],
                             links=[link(bases.href("evidence", "/v1/nonconformities"),
                                         "Nonconformities")]),
        "system-id": {"identifier-type": "https://ietf.org/rfc/rfc4122",
                      "id": oscal_uuid("system", "aims")},
        "poam-items": [_item(nc, known, bases) for nc in ncs] or [_nothing_yet(bases)],
    }  # fmt: skip
    if ncs:
        doc["risks"] = [_risk(nc) for nc in ncs]
    if findings:
        doc["findings"] = [finding(f, bases, observed=False) for f in findings]
    return {"plan-of-action-and-milestones": doc}


def _item(nc: dict[str, Any], known: set[str], bases: Bases) -> dict[str, Any]:
    raised = _first(nc, "NonconformityRaised")
    description = str(raised["data"].get("description") or nc["title"]) if raised else nc["title"]
    props = [prop("nc-status", nc["status"]), prop("owner", nc["owner"])]
    props += [prop(k.replace("_", "-"), nc[k]) for k in ("reference", "system_id") if nc.get(k)]
    out: dict[str, Any] = {
        "uuid": oscal_uuid("poam-item", nc["id"]), "title": line(nc["title"]),
        "description": description, "props": props,
        "links": [link(bases.href("evidence", f"/v1/nonconformities/{nc['id']}"),
                       "Nonconformity record")],
        "related-risks": [{"risk-uuid": oscal_uuid("risk", nc["id"])}],
    }  # fmt: skip
    if nc.get("finding_id") and str(nc["finding_id"]) in known:
        out["related-findings"] = [{"finding-uuid": oscal_uuid("finding", nc["finding_id"])}]
    return out


def _risk(nc: dict[str, Any]) -> dict[str, Any]:
    cause = _first(nc, "RootCauseRecorded", last=True)
    actions = _actions(nc)
    closed = nc["status"] == "closed"
    open_dues = [a["due"] for a in actions if a["lifecycle"] == "planned"]
    out: dict[str, Any] = {
        "uuid": oscal_uuid("risk", nc["id"]), "title": line(nc["title"]),
        "description": f"Nonconformity owned by {nc['owner']}.",
        "statement": str(cause["data"]["root_cause"]) if cause else "Root cause not yet recorded.",
        "status": "closed" if closed else "remediating" if actions else "open",
    }  # fmt: skip
    entries = [_entry(e) for e in nc["events"] if e["type"] in _LOGGED]
    if entries:
        out["risk-log"] = {"entries": entries}
    if open_dues and not closed:
        out["deadline"] = stamp(max(open_dues))
    if actions:
        out["remediations"] = [_remediation(nc, a) for a in actions]
    return out


def _actions(nc: dict[str, Any]) -> list[dict[str, Any]]:
    done = {str(e["data"]["action_id"]) for e in nc["events"]
            if e["type"] == "CorrectiveActionCompleted"}  # fmt: skip
    return [
        {**e["data"], "id": str(e["data"]["action_id"]),
         "due": date.fromisoformat(str(e["data"]["due"])),
         "lifecycle": "completed" if str(e["data"]["action_id"]) in done else "planned"}
        for e in nc["events"] if e["type"] == "CorrectiveActionAdded"
    ]  # fmt: skip


def _remediation(nc: dict[str, Any], a: dict[str, Any]) -> dict[str, Any]:
    return {
        "uuid": oscal_uuid("corrective-action", a["id"]), "lifecycle": a["lifecycle"],
        "title": line(a["description"], 120), "description": a["description"],
        "props": [prop("owner", a["owner"])],
        "origins": [{"actors": [{"type": "party", "actor-uuid": party_uuid(str(a["owner"]))}]}],
        "tasks": [{"uuid": oscal_uuid("corrective-action-due", a["id"]), "type": "milestone",
                   "title": "Corrective action due",
                   "timing": {"on-date": {"date": stamp(a["due"])}},
                   "responsible-roles": [{"role-id": OWNER_ROLE[0],
                                          "party-uuids": [party_uuid(str(a["owner"]))]}]}],
    }  # fmt: skip


def _entry(e: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "uuid": oscal_uuid("event", e["id"]), "title": _LOGGED[e["type"]],
        "start": stamp(e["recorded_at"]), "logged-by": [{"party-uuid": party_uuid(e["actor"])}],
    }  # fmt: skip
    text = {"ContainmentRecorded": "action", "RootCauseRecorded": "root_cause",
            "CorrectiveActionAdded": "description",
            "NonconformityClosed": "effectiveness_review"}.get(e["type"])  # fmt: skip
    if text and e["data"].get(text):
        out["description"] = str(e["data"][text])
    if e["type"] == "NonconformityClosed":
        out["status-change"] = "closed"
    return out


def _first(nc: dict[str, Any], type_: str, last: bool = False) -> dict[str, Any] | None:
    found = [e for e in nc["events"] if e["type"] == type_]
    return (found[-1] if last else found[0]) if found else None


def _nothing_yet(bases: Bases) -> dict[str, Any]:
    """OSCAL needs at least one POA&M item: one that says none is open or recorded."""
    return {
        "uuid": oscal_uuid("poam-item", "none"), "title": "No nonconformity recorded",
        "description": "aims holds no nonconformity yet: nothing to remediate.",
        "links": [link(bases.href("evidence", "/v1/nonconformities"), "Nonconformities")],
    }  # fmt: skip
