"""How each event reads in the audit trail: a one-line summary, its basis and its links."""

from __future__ import annotations

from string import Formatter
from typing import Any
from uuid import UUID

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import named_systems

_SUMMARIES = {
    "SystemRegistered": "registered AI system '{name}' (owner {owner}, tier {eu_ai_act_tier})",
    "SystemUpdated": "changed {changes}",
    "SystemOwnerAssigned": "owner {previous_owner} -> {owner}",
    "SystemStageChanged": "lifecycle {frm} -> {to}: {reason}",
    "SystemRetired": "retired: {reason}",
    "ModelVersionRegistered": "model version {name} {version} ({digest})",
    "DeploymentDecisionMade": "gate: {decision} {model_version} to {environment} ({mode})",
    "DeploymentRecorded": "deployed {model_version} to {environment}",
    "ResponsibilitiesAssigned": "accountable {accountable}, responsible {responsible}",
    "DatasetRegistered": "dataset '{name}' version {version} registered ({use}, owner {owner})",
    "DatasetRevised": "dataset '{name}' version {version} revised: {changed}",
    "RiskCriteriaSet": "risk criteria version {criteria_version} (appetite {appetite})",
    "RiskIdentified": "identified risk '{title}' ({level}, owner {owner})",
    "RiskAssessed": "re-assessed risk: {level}",
    "RiskTreatmentPlanned": "treatment {option} with controls {controls}",
    "RiskTreatmentCompleted": "treatment completed",
    "ResidualRiskAssessed": "residual risk {level}",
    "RiskClosed": "risk closed: {reason}",
    "AcceptanceRequested": "acceptance of a {level} risk requested by {requested_by}",
    "AcceptanceApproved": "risk acceptance approved by {approved_by} until {expires_at}",
    "AcceptanceRejected": "risk acceptance rejected by {rejected_by}",
    "AcceptanceVoided": "risk acceptance void: {reason}",
    "ImpactAssessmentDrafted": "impact assessment drafted by {author}",
    "ImpactAssessmentRevised": "impact assessment revised",
    "ImpactAssessmentSubmitted": "impact assessment submitted by {submitted_by}",
    "ImpactAssessmentApproved": "impact assessment approved by {approved_by}",
    "ImpactAssessmentReviewDue": "impact assessment review due: {reason}",
    "SoAEntrySet": "SoA {control_id}: applicable={applicable}, {status}",
    "PolicyDrafted": "AI policy '{title}' version {policy_version} drafted by {author}",
    "PolicyRevised": "AI policy '{title}' version {policy_version} written by {revised_by}",
    "PolicyApproved": "AI policy version {policy_version} approved by {approved_by}",
    "PolicyReviewed": "AI policy version {policy_version} confirmed at review by {reviewed_by}",
    "PolicyAcknowledged": "AI policy version {policy_version} acknowledged by {person}",
    "AIRoleDefined": "AI role '{name}' defined: competences {competences}, held by {members}",
    "AIRoleRevised": "AI role '{name}' revised: competences {competences}, held by {members}",
    "AIRoleRetired": "AI role retired: {reason}",
    "TrainingRecorded": "{person} trained in {competence}, completed {completed_at}",
    "TrainingRecordWithdrawn": "training record of {person} withdrawn: {reason}",
    "ObjectiveSet": "AI objective '{title}' set: {direction} {target} by {due}, owner {owner}",
    "ObjectiveRevised": "AI objective '{title}' revised: {direction} {target} by {due}",
    "ObjectiveApproved": "AI objective approved by {approved_by}",
    "ObjectiveMeasured": "AI objective measured: {value} at {measured_at}",
    "SupplierRegistered": "supplier '{name}' registered (due diligence {due_diligence})",
    "SupplierRevised": "supplier '{name}' revised (due diligence {due_diligence})",
    "SupplierReviewed": "supplier reviewed by {reviewed_by}: due diligence {due_diligence}",
    "SupplierApproved": "supplier approved for use by {approved_by}",
    "SupplierRetired": "supplier retired: {reason}",
    "InterestedPartyRecorded": "interested party '{name}' ({kind}) recorded",
    "InterestedPartyRevised": "interested party '{name}' ({kind}) revised",
    "InterestedPartyRetired": "interested party retired: {reason}",
    "AIMSScopeSet": "AIMS scope version {scope_version} written by {set_by}",
    "AIMSScopeApproved": "AIMS scope version {scope_version} approved by {approved_by}",
    "EvidenceRecorded": "evidence '{title}' ({kind}) for controls {control_ids}",
    "EvidenceSuperseded": "evidence superseded by {superseded_by}",
    "AuditPlanned": "audit '{title}' planned, auditors {auditors}",
    "FindingRaised": "finding {kind} against {reference}: {description}",
    "AuditCompleted": "audit completed by {completed_by}",
    "NonconformityRaised": "nonconformity '{title}' raised, owner {owner}",
    "ContainmentRecorded": "containment: {action}",
    "RootCauseRecorded": "root cause: {root_cause}",
    "CorrectiveActionAdded": "corrective action for {owner} due {due}: {description}",
    "CorrectiveActionCompleted": "corrective action completed",
    "NonconformityClosed": "nonconformity closed by {closed_by} (effective={effective})",
    "ManagementReviewRecorded": "management review held {held_on}, {attendees}",
    "IncidentReported": (
        "AI incident '{title}' reported: {severity}, serious={serious},"
        " notify by {notification_due_at} ({deadline_article})"
    ),
    "IncidentReclassified": (
        "incident reclassified: {severity}, serious={serious},"
        " notify by {notification_due_at} ({deadline_article}): {reason}"
    ),
    "IncidentStatusChanged": "incident {frm} -> {to}: {comment}",
    "IncidentNotificationSent": (
        "{kind} notification to {authority} sent {sent_at}"
        " (reference {reference}, on time: {on_time})"
    ),
    "IncidentNonconformityRaised": "incident raised nonconformity {nc_id}",
    "IncidentClosed": "incident closed by {closed_by}: {resolution}",
    "ConcernRaised": "concern raised (anonymous={anonymous}): {description}",
    "ConcernTriaged": "concern triaged by {triaged_by}: {outcome} ({reason})",
    "CheckpointSigned": "checkpoint signed at position {position} (key {key_id})",
    "LogCheckpointSigned": "checkpoint of the log's first {tree_size} events signed ({origin})",
}
_BASIS_KEYS = ("risk_version", "policy_version", "policy_hash", "criteria_version")
MAX_SUMMARY = 300


# The fields each template names, found once: a summary converts only those to text.
_FIELDS = {t: [f for _, f, _, _ in Formatter().parse(s) if f] for t, s in _SUMMARIES.items()}


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(_text, value)) or "none"
    if isinstance(value, dict):
        return ", ".join(value) or "nothing"
    return str(value)


def summary(type_: str, data: dict[str, Any]) -> str:
    """A short human sentence for an event (types added later read as their name)."""
    template = _SUMMARIES.get(type_)
    if template is None:
        return type_
    get = data.get  # most values are text already: they skip _text (str of a str is itself)
    fields = {k: v if (v := get(k, "?")).__class__ is str else _text(v) for k in _FIELDS[type_]}
    text = template.format_map(fields)
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1] + "…"


def system_ids(data: dict[str, Any]) -> list[UUID]:
    """The AI systems an event is about."""
    return named_systems(data)


def basis(data: dict[str, Any]) -> dict[str, Any] | None:
    """What a decision relied on: its recorded basis, or the versions it was bound to."""
    recorded = data.get("basis")
    if isinstance(recorded, dict) and recorded:
        return recorded
    found = {k: data[k] for k in _BASIS_KEYS if k in data}
    return found or None


_LINK_SUFFIXES, _LINK_KEYS = ("_id", "_ids"), frozenset({"supersedes", "superseded_by"})


# The link fields of each shape of data (its field names in order), found once per shape:
# the events of one type come in a few shapes, and most of their fields are no link.
_LINK_FIELDS: dict[tuple[str, ...], tuple[str, ...]] = {}


def links(e: StoredEvent) -> dict[str, Any]:
    """Ids of the entities an event connects (systems, risks, decisions, findings...)."""
    data, out = e.data, {"stream": e.stream_id}
    names = _LINK_FIELDS.get(shape := tuple(data))
    if names is None:
        names = tuple(k for k in shape if k.endswith(_LINK_SUFFIXES) or k in _LINK_KEYS)
        if len(_LINK_FIELDS) < 4096:  # shapes are the contract's; odd data cannot grow it
            _LINK_FIELDS[shape] = names
    for k in names:
        if v := data[k]:
            out[k] = v
    return out


def actor(e: StoredEvent) -> str:
    a = (e.metadata or {}).get("actor") or {}
    return str(a.get("sub") or "unknown")


def row(e: StoredEvent) -> tuple[Any, ...]:
    """The audit-trail row of an event."""
    return (
        e.position, e.id, e.type, e.stream_id, actor(e), str(e.metadata.get("source") or ""),
        e.recorded_at, summary(e.type, e.data), system_ids(e.data), basis(e.data), links(e),
    )  # fmt: skip
