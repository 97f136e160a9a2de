"""The human-readable report of an audit pack: one AI system traced end to end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

import orjson

from services.evidence.trail import domain as trail

SECTIONS: list[tuple[str, str, frozenset[str]]] = [
    ("inventory", "Inventory and lifecycle", frozenset({
        "SystemRegistered", "SystemUpdated", "SystemOwnerAssigned", "ModelVersionRegistered",
        "SystemRetired"})),
    ("impact", "Impact assessment (6.1.4)", frozenset({
        "ImpactAssessmentDrafted", "ImpactAssessmentRevised", "ImpactAssessmentSubmitted",
        "ImpactAssessmentApproved", "ImpactAssessmentReviewDue"})),
    ("risks", "Risks and treatment (6.1.2, 6.1.3)", frozenset({
        "RiskCriteriaSet", "RiskIdentified", "RiskAssessed", "RiskTreatmentPlanned",
        "RiskTreatmentCompleted", "ResidualRiskAssessed", "RiskClosed"})),
    ("controls", "Controls (SoA) and evidence (7.5, 9.1)", frozenset({
        "SoAEntrySet", "EvidenceRecorded", "EvidenceSuperseded"})),
    ("acceptances", "Risk acceptances", frozenset({
        "AcceptanceRequested", "AcceptanceApproved", "AcceptanceRejected", "AcceptanceVoided"})),
    ("resources", "Responsibilities and data (5.3, A.3.2, A.7; EU AI Act Art. 10)", frozenset({
        "ResponsibilitiesAssigned", "DatasetRegistered", "DatasetRevised"})),
    ("approvals", "Four-eyes changes (5.3, A.3.2)", frozenset({
        "ChangeRequested", "ChangeRejected"})),
    ("gates", "Gate decisions", frozenset({
        "SystemStageChanged", "DeploymentDecisionMade", "GatePolicyAdopted"})),
    ("deployments", "Deployments", frozenset({"DeploymentRecorded"})),
    ("findings", "Audits, findings and corrective actions (9.2, 10.2)", frozenset({
        "AuditPlanned", "FindingRaised", "AuditCompleted", "NonconformityRaised",
        "ContainmentRecorded", "RootCauseRecorded", "CorrectiveActionAdded",
        "CorrectiveActionCompleted", "NonconformityClosed"})),
    ("operation", "Oversight and monitoring (9.1, A.6.2.6; EU AI Act Art. 14, 72)", frozenset({
        "OversightAssigned", "MonitoringPlanSet", "MonitoringPlanReviewed",
        "ObservationsSummarized", "MonitoringThresholdBreached", "MonitoringBreachReviewed"})),
    ("reviews", "Management reviews (9.3)", frozenset({"ManagementReviewRecorded"})),
    ("records", "Management system records (4-7, A.2-A.4, A.10)", frozenset({
        "PolicyDrafted", "PolicyRevised", "PolicyApproved", "PolicyReviewed",
        "PolicyAcknowledged", "AIRoleDefined", "AIRoleRevised", "AIRoleRetired",
        "TrainingRecorded", "TrainingRecordWithdrawn", "ObjectiveSet", "ObjectiveRevised",
        "ObjectiveApproved", "ObjectiveMeasured", "SupplierRegistered", "SupplierRevised",
        "SupplierReviewed", "SupplierApproved", "SupplierRetired", "InterestedPartyRecorded",
        "InterestedPartyRevised", "InterestedPartyRetired", "AIMSScopeSet",
        "AIMSScopeApproved"})),
    ("incidents", "AI incidents and concerns (A.3.3, A.8.4, 10.2; EU AI Act Art. 73)", frozenset({
        "IncidentReported", "IncidentReclassified", "IncidentStatusChanged",
        "IncidentNotificationSent", "IncidentNonconformityRaised", "IncidentClosed",
        "ConcernRaised", "ConcernTriaged"})),
]  # fmt: skip
_SECTION_OF = {t: key for key, _, types in SECTIONS for t in types}
MAX_ROWS = 1000  # per section; events.jsonl always has them all

CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:4px 6px;
text-align:left;vertical-align:top}th{background:#f6f6f6}.muted{color:#777}code{font-size:12px}
.unverified{border:2px solid #b3261e;background:#fdecea;padding:.75rem 1rem;margin:1rem 0}"""
BANNER = (
    "<div class='unverified' role='note' id='unverified-context'><strong>Unverified context."
    "</strong> This report and soa.json come from the service's read models, which whoever"
    " operates the database can change. They are <strong>not covered by the proofs</strong> in"
    " this pack, and manifest.json lists them as <code>unverified_context</code>. What is"
    " proven is events.jsonl: each event's inclusion proof (proofs.jsonl) in the log's signed"
    " checkpoint (checkpoint.txt). Check it with <code>aims verify --pack</code> and rely on"
    " events.jsonl where this report differs.</div>"
)


class Trace:
    """Rows of the report, per section, gathered while the events stream past: every event
    is counted, the first MAX_ROWS of each section are kept."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[str, ...]]] = {key: [] for key, _, _ in SECTIONS}
        self.rows["other"] = []
        self.types: Counter[str] = Counter()
        self.full: set[str] = set()  # types whose section has no room left: add() can be skipped
        self.deadlines = Deadlines()

    def count(self, types: Iterable[str]) -> None:
        """Count events by type (all of them, whether their row is kept or not)."""
        self.types.update(types)

    def add(self, type_: str, time: str, position: int, actor: str, data_json: str) -> None:
        """Keep an event's row, summarising its data, while its section has room."""
        rows = self.rows[_SECTION_OF.get(type_, "other")]
        if len(rows) < MAX_ROWS:
            data = orjson.loads(data_json)
            rows.append((time, str(position), type_, actor, trail.summary(type_, data)))
            self.deadlines.add(type_, data)
        else:
            self.full.add(type_)

    def counted(self, key: str) -> int:
        """Events of a section."""
        return sum(n for t, n in self.types.items() if _SECTION_OF.get(t, "other") == key)


_DEADLINE_FIELDS = ("serious", "notification_due_at", "deadline_rule", "deadline_article")


class Deadlines:
    """Serious incidents and their Art. 73 notification, folded from the incident events."""

    HEADERS = ["incident", "title", "aware at", "notify by", "rule", "initial notification",
               "on time", "status"]  # fmt: skip

    def __init__(self) -> None:
        self.incidents: dict[str, dict[str, Any]] = {}

    def add(self, type_: str, data: dict[str, Any]) -> None:
        inc = self.incidents.get(str(data.get("incident_id")))
        match type_:
            case "IncidentReported":
                self.incidents[str(data["incident_id"])] = {**data, "status": "detected"}
            case "IncidentReclassified" if inc is not None:
                inc.update({k: data.get(k) for k in _DEADLINE_FIELDS})
            case "IncidentStatusChanged" if inc is not None:
                inc["status"] = data["to"]
            case "IncidentClosed" if inc is not None:
                inc["status"] = "closed"
            case "IncidentNotificationSent" if inc is not None and data["kind"] == "initial":
                inc["initial"], inc["on_time"] = data["sent_at"], data.get("on_time")

    def rows(self) -> list[tuple[str, ...]]:
        """One row per serious incident: its deadline, rule and initial notification."""
        return [
            (key, i["title"], str(i["aware_at"]), str(i.get("notification_due_at")),
             f"{i.get('deadline_rule')} ({i.get('deadline_article')})",
             str(i.get("initial") or "not sent"),
             {True: "yes", False: "no", None: "-"}[i.get("on_time")], i["status"])
            for key, i in self.incidents.items() if i.get("serious")
        ]  # fmt: skip


def _table(headers: list[str], rows: Sequence[tuple[Any, ...]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def render(
    trace: Trace, system: dict[str, Any] | None, soa: list[dict[str, Any]], scope: dict[str, Any]
) -> bytes:
    """The report as HTML bytes, under a banner saying it is unverified context."""
    title = (
        f"AI system {system['name']}"
        if system
        else (
            f"AI system {scope['system_id']}"
            if scope["system_id"]
            else "the whole management system"
        )
    )
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>aims audit pack: "
             f"{escape(title)}</title><style>{CSS}</style></head><body>",
             f"<h1>Audit pack: {escape(title)}</h1>", BANNER,
             f"<p class='muted'>{scope['events']} events, period "
             f"{escape(str(scope['from'] or 'start'))}"
             f" to {escape(str(scope['to'] or 'now'))}; proven against the checkpoint of"
             f" {escape(scope['origin'])} at tree size {scope['tree_size']} (root"
             f" <code>{escape(scope['root_hash'])}</code>).</p>"]  # fmt: skip
    if system:
        parts.append(
            _table(
                ["name", "owner", "EU AI Act tier", "stage"],
                [(system["name"], system["owner"], system["eu_ai_act_tier"], system["stage"])],
            )
        )
    for key, heading, _ in [*SECTIONS, ("other", "Other events", frozenset())]:
        rows = trace.rows[key]
        if key == "other" and not rows:
            continue
        parts.append(f"<h2>{escape(heading)}</h2>")
        if key == "controls":
            applicable = [(r["control_id"], r["title"], str(r.get("applicable")), r["status"],
                           r.get("justification") or "") for r in soa]  # fmt: skip
            parts.append("<h3>Statement of Applicability</h3>")
            parts.append(_table(["control", "title", "applicable", "status", "justification"],
                                applicable))  # fmt: skip
        if key == "incidents" and trace.deadlines.rows():
            parts.append("<h3>Serious incidents: notification deadlines (Art. 73)</h3>")
            parts.append(_table(Deadlines.HEADERS, trace.deadlines.rows()))
        if rows:
            parts.append(_table(["time", "position", "event", "actor", "what"], rows))
            more = trace.counted(key) - len(rows)
            if more > 0:
                parts.append(f"<p class='muted'>{more} more in events.jsonl</p>")
        else:
            parts.append("<p class='muted'>No records.</p>")
    parts.append("</body></html>")
    return "\n".join(parts).encode()
