"""BI-ready reporting: documented, read-only views in schema `reporting`, role aims_reporting.

The views are the stable contract for dashboards (Metabase, Grafana, a BI warehouse):
their names, columns and meanings change only with a new migration, whatever happens
to the projection tables underneath. They read projections, never the event log.
"""

from __future__ import annotations

import json
from pathlib import Path

from migrations import run_sql

revision = "0005"
down_revision = "0004"

ROLE = "aims_reporting"
_CONTROLS = Path(__file__).resolve().parents[2] / "shared" / "contract" / "data" / "annex_a.json"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _catalogue() -> str:
    doc = json.loads(_CONTROLS.read_text())
    rows = [
        f"({_q(cid)}, {_q(title)}, {_q(g['id'])}, {_q(g['title'])}, {n})"
        for n, (g, (cid, title)) in enumerate(
            ((g, c) for g in doc["groups"] for c in g["controls"]), start=1
        )
    ]
    return "SELECT * FROM (VALUES " + ", ".join(rows) + ") AS c"


EVIDENCE_STATUS = (
    "CASE WHEN e.superseded_by IS NOT NULL THEN 'superseded'"
    " WHEN e.valid_until IS NOT NULL AND e.valid_until <= now() THEN 'expired'"
    " ELSE 'current' END"
)

# name -> (comment, [(column, comment)], select); the column list names the SELECT's outputs.
VIEWS: dict[str, tuple[str, list[tuple[str, str]], str]] = {
    "annex_a_controls": (
        "The 38 Annex A controls of ISO/IEC 42001 (paraphrased titles), in the standard's order.",
        [("control_id", "Annex A control id, e.g. A.6.2.4"), ("title", "Control title"),
         ("group_id", "Control group, e.g. A.6"), ("group_title", "Title of the group"),
         ("sort_order", "Position in the standard (1-38)")],
        _catalogue(),
    ),
    "ai_systems": (
        "The AI system inventory (4.1, 4.3): one row per registered system, current state.",
        [("system_id", "Id of the AI system"), ("name", "Name"), ("owner", "Accountable owner"),
         ("eu_ai_act_tier", "EU AI Act tier: prohibited, high, limited, minimal, unassessed"),
         ("provider_role", "The organisation's role for this system (provider, deployer...)"),
         ("stage", "Lifecycle stage (inception ... retired)"), ("tags", "Free tags"),
         ("model_versions", "Number of registered model versions"),
         ("last_decision", "Last deployment-gate answer: allow or deny"),
         ("last_decision_at", "When the gate last answered"),
         ("registered_at", "When the system was registered"),
         ("updated_at", "When the system last changed")],
        "SELECT id, name, owner, eu_ai_act_tier, provider_role, stage, tags, model_versions,"
        " last_decision, last_decision_at, created_at, updated_at FROM public.registry_system",
    ),
    "risks": (
        "The risk register (6.1.2, 6.1.3): inherent and residual scores, status, acceptance.",
        [("risk_id", "Id of the risk"), ("system_id", "AI system the risk belongs to"),
         ("system_name", "Name of that system"), ("title", "Title"),
         ("category", "Annex C objective the risk threatens"), ("owner", "Risk owner"),
         ("likelihood", "Inherent likelihood (1 = rare)"),
         ("consequence", "Inherent consequence (1 = negligible)"),
         ("inherent_level", "Inherent level from the risk criteria"),
         ("residual_likelihood", "Likelihood after treatment (null until assessed)"),
         ("residual_consequence", "Consequence after treatment (null until assessed)"),
         ("residual_level", "Level after treatment (null until assessed)"),
         ("current_level", "Residual level if assessed, else inherent level"),
         ("above_appetite", "True when the current level exceeds the risk appetite"),
         ("status", "identified, treated, accepted or closed"),
         ("acceptance_id", "The valid acceptance of this risk, if any"),
         ("criteria_version", "Version of the risk criteria that scored it"),
         ("identified_at", "When the risk was identified"),
         ("updated_at", "When the risk last changed")],
        "SELECT r.id, r.system_id, s.name, r.title, r.category, r.owner, r.likelihood,"
        " r.consequence, r.level, r.residual_likelihood, r.residual_consequence,"
        " r.residual_level, coalesce(r.residual_level, r.level), r.above_appetite, r.status,"
        " r.accepted_by_id, r.criteria_version, r.created_at, r.updated_at"
        " FROM public.risk_risk r LEFT JOIN public.registry_system s ON s.id = r.system_id",
    ),
    "risk_acceptances": (
        "Acceptances of residual risk (6.1.3): who asked, who decided, until when.",
        [("acceptance_id", "Id of the acceptance"), ("risk_id", "Risk accepted"),
         ("system_id", "AI system of the risk"),
         ("risk_version", "Version of the risk the acceptance is bound to"),
         ("level", "Risk level when acceptance was requested"),
         ("justification", "Why the risk may be retained"),
         ("requested_by", "Who asked (risk owner, risk officer or admin)"),
         ("decided_by", "Approver who approved or rejected (never the requester)"),
         ("status", "requested, approved, rejected or voided, as recorded"),
         ("effective_status", "status, reading an open acceptance past its expiry as expired"),
         ("expires_at", "End of validity"), ("void_reason", "Why it was voided, if it was"),
         ("requested_at", "When acceptance was requested"),
         ("updated_at", "When it last changed")],
        "SELECT id, risk_id, system_id, risk_version, level, justification, requested_by,"
        " decided_by, status, CASE WHEN status IN ('requested', 'approved')"
        " AND expires_at <= now() THEN 'expired' ELSE status END, expires_at, void_reason,"
        " created_at, updated_at FROM public.risk_acceptance",
    ),
    "impact_assessments": (
        "AI system impact assessments (6.1.4, A.5): author, approver and status.",
        [("assessment_id", "Id of the assessment"), ("system_id", "AI system assessed"),
         ("author", "Who drafted it"), ("status", "draft, submitted, approved or review_due"),
         ("severity", "Assessed severity of impact"),
         ("approved_by", "Approver (never the author)"),
         ("review_reason", "Why the approval was called into review"),
         ("created_at", "When it was drafted"), ("updated_at", "When it last changed")],
        "SELECT id, system_id, author, status, severity, approved_by, review_reason,"
        " created_at, updated_at FROM public.risk_impact_assessment",
    ),
    "evidence": (
        "Evidence records: what they prove (controls), for which systems, and if still current.",
        [("evidence_id", "Id of the evidence"), ("kind", "Kind, e.g. test_report, policy"),
         ("title", "Title"), ("sha256", "SHA-256 of the content"),
         ("uri", "Where the content is kept"), ("system_ids", "AI systems it concerns"),
         ("control_ids", "Annex A controls it supports"), ("risk_ids", "Risks it concerns"),
         ("stored", "True when aims stores the uploaded bytes"), ("size", "Bytes, if stored"),
         ("media_type", "Media type, if stored"), ("source", "Where it came from"),
         ("collected_at", "When it was collected"), ("valid_until", "End of validity"),
         ("status", "current, expired or superseded"),
         ("superseded_by", "The evidence that replaced it"),
         ("recorded_by", "Who recorded it"), ("recorded_at", "When it was recorded")],
        "SELECT e.id, e.kind, e.title, e.sha256, e.uri, e.system_ids, e.control_ids,"
        " e.risk_ids, e.stored, e.size, e.media_type, e.source, e.collected_at,"
        f" e.valid_until, {EVIDENCE_STATUS}, e.superseded_by, e.recorded_by, e.created_at"
        " FROM public.evidence_evidence e",
    ),
    "soa_coverage": (
        "Statement of Applicability (6.1.3) with evidence coverage: one row per Annex A control.",
        [("control_id", "Annex A control id"), ("title", "Control title"),
         ("group_id", "Control group"), ("decided", "True when the SoA has an entry"),
         ("applicable", "Included (true) or excluded (false); null when not decided"),
         ("justification", "Why the control is included or excluded"),
         ("status", "Implementation status"), ("owner", "Control owner"),
         ("deployment_gate", "True when every deployment needs evidence for it"),
         ("current_evidence", "Number of current evidence records supporting it"),
         ("expired_evidence", "Number of expired evidence records supporting it"),
         ("evidence_status", "current, expired or missing"),
         ("updated_at", "When the SoA entry last changed"), ("sort_order", "Standard order")],
        "SELECT c.control_id, c.title, c.group_id, s.control_id IS NOT NULL, s.applicable,"
        " s.justification, s.status, s.owner, coalesce(s.deployment_gate, false),"
        " count(*) FILTER (WHERE ev.status = 'current'),"
        " count(*) FILTER (WHERE ev.status = 'expired'),"
        " CASE WHEN count(*) FILTER (WHERE ev.status = 'current') > 0 THEN 'current'"
        " WHEN count(*) FILTER (WHERE ev.status = 'expired') > 0 THEN 'expired'"
        " ELSE 'missing' END, s.updated_at, c.sort_order"
        " FROM reporting.annex_a_controls c"
        " LEFT JOIN public.risk_soa_entry s ON s.control_id = c.control_id"
        " LEFT JOIN reporting.evidence ev ON c.control_id = ANY(ev.control_ids)"
        " AND ev.status <> 'superseded'"
        " GROUP BY c.control_id, c.title, c.group_id, c.sort_order, s.control_id,"
        " s.applicable, s.justification, s.status, s.owner, s.deployment_gate, s.updated_at",
    ),
    "gate_decisions": (
        "Deployment-gate decisions (A.6.2.5): every allow and deny, and the deployment citing it.",
        [("decision_id", "Id of the decision"), ("system_id", "AI system"),
         ("system_name", "Name of that system"), ("model_version", "Model version asked about"),
         ("environment", "Target environment"), ("decision", "allow or deny"),
         ("mode", "Gate mode of the environment: enforce, warn or off"),
         ("reason_codes", "Codes of what was missing (empty for a clean allow)"),
         ("reasons", "What was missing, with messages (JSON)"),
         ("policy_version", "Version of the gate policy applied"),
         ("expires_at", "Until when an allow may be cited by a deployment"),
         ("deployed_at", "When a deployment cited it, if one did"),
         ("deployed_by", "Who recorded that deployment"), ("decided_at", "When it was made")],
        "SELECT d.id, d.system_id, s.name, d.model_version, d.environment, d.decision, d.mode,"
        " ARRAY(SELECT x->>'code' FROM jsonb_array_elements(d.reasons) x), d.reasons,"
        " d.policy_version, d.expires_at, d.deployed_at, d.deployed_by, d.created_at"
        " FROM public.registry_decision d LEFT JOIN public.registry_system s ON s.id = d.system_id",
    ),
    "audits": (
        "The internal audit programme (9.2).",
        [("audit_id", "Id of the audit"), ("title", "Title"), ("scope", "Scope"),
         ("status", "planned or completed"), ("auditors", "Auditors"),
         ("system_ids", "AI systems in scope"), ("starts_on", "First day"),
         ("ends_on", "Last day"), ("findings", "Number of findings"),
         ("created_at", "When it was planned")],
        "SELECT id, title, scope, status, auditors, system_ids, starts_on, ends_on, findings,"
        " created_at FROM public.evidence_audit",
    ),
    "audit_findings": (
        "Audit findings: nonconformities, observations and improvement opportunities.",
        [("finding_id", "Id of the finding"), ("audit_id", "Audit it belongs to"),
         ("kind", "major_nc, minor_nc, observation or improvement"),
         ("reference", "Clause or Annex A control"), ("description", "What was found"),
         ("system_id", "AI system concerned, if any"), ("raised_by", "Auditor"),
         ("raised_at", "When it was raised")],
        "SELECT id, audit_id, kind, reference, description, system_id, raised_by, created_at"
        " FROM public.evidence_finding",
    ),
    "nonconformities": (
        "Nonconformities and their corrective action (10.2).",
        [("nc_id", "Id of the nonconformity"), ("title", "Title"), ("owner", "Owner"),
         ("status", "open or closed"), ("system_id", "AI system concerned, if any"),
         ("finding_id", "Finding that raised it, if any"), ("audit_id", "Audit, if any"),
         ("reference", "Clause or Annex A control"),
         ("open_actions", "Corrective actions not yet completed"),
         ("closed_by", "Who reviewed effectiveness and closed it (never the owner)"),
         ("closed_at", "When it was closed"), ("raised_at", "When it was raised")],
        "SELECT id, title, owner, status, system_id, finding_id, audit_id, reference,"
        " actions_open, closed_by, closed_at, created_at FROM public.evidence_nc",
    ),
    "management_reviews": (
        "Management reviews (9.3): when they were held, who attended, how much was decided.",
        [("review_id", "Id of the review"), ("title", "Title"), ("held_on", "Date held"),
         ("attendees", "Attendees"), ("decisions", "Number of decisions"),
         ("actions", "Number of actions"), ("recorded_by", "Who recorded the minutes"),
         ("recorded_at", "When the minutes were recorded")],
        "SELECT id, title, held_on, attendees, decisions, actions, recorded_by, created_at"
        " FROM public.evidence_review",
    ),
    "audit_trail": (
        "Decision history across the three services: one row per event, newest positions last.",
        [("position", "Position of the event in the log"), ("event_id", "Id of the event"),
         ("type", "Event type, e.g. AcceptanceApproved"), ("stream_id", "Stream written"),
         ("actor", "Who acted (token subject)"), ("source", "Service that wrote it"),
         ("recorded_at", "When it was recorded"), ("summary", "One-line description"),
         ("system_ids", "AI systems the event is about"),
         ("basis", "What a decision relied on (stream versions, policy), JSON"),
         ("links", "Ids of the entities the event connects, JSON")],
        "SELECT position, event_id, type, stream_id, actor, source, recorded_at, summary,"
        " system_ids, basis, links FROM public.evidence_trail",
    ),
}  # fmt: skip


def upgrade() -> None:
    statements = [
        "CREATE SCHEMA reporting",
        "COMMENT ON SCHEMA reporting IS 'aims reporting: documented, stable, read-only views"
        " over the read models, for dashboards and BI tools'",
    ]
    for name, (comment, columns, select) in VIEWS.items():
        names = ", ".join(c for c, _ in columns)
        statements.append(f"CREATE VIEW reporting.{name} ({names}) AS {select}")
        statements.append(f"COMMENT ON VIEW reporting.{name} IS {_q(comment)}")
        statements += [
            f"COMMENT ON COLUMN reporting.{name}.{c} IS {_q(text)}" for c, text in columns
        ]
    run_sql(";\n".join(statements) + ";")
    # The reporting role reads the views and nothing else. It is created only when the
    # migration role may create roles; otherwise an operator creates it and re-grants.
    run_sql(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}')
               AND (SELECT rolsuper OR rolcreaterole FROM pg_roles
                    WHERE rolname = current_user) THEN
                BEGIN
                    CREATE ROLE {ROLE} LOGIN;
                EXCEPTION WHEN insufficient_privilege THEN
                    CREATE ROLE {ROLE} NOLOGIN;
                END;
                EXECUTE 'ALTER ROLE {ROLE} SET default_transaction_read_only = on';
            END IF;
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
                EXECUTE 'GRANT USAGE ON SCHEMA reporting TO {ROLE}';
                EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO {ROLE}';
                EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA reporting
                         GRANT SELECT ON TABLES TO {ROLE}';
            END IF;
        END $$;
        """
    )


def downgrade() -> None:
    # The role is cluster-wide (other databases may use it), so it is left in place.
    run_sql(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
                EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA reporting
                         REVOKE SELECT ON TABLES FROM {ROLE}';
            END IF;
        END $$;
        DROP SCHEMA reporting CASCADE;
        """
    )
