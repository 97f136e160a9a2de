"""`aims demo`: seed a realistic organisation through the public HTTP API of running services.

Every write carries a deterministic Idempotency-Key ("demo-..."), and every request body
is a pure function of the demo data and an anchor date, so running the demo again replays
the stored answers and writes nothing new. The anchor is the day the demo first ran: the
creation time of its first AI system, which the (replayed) registration returns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from services.cli.demo_data import (
    AI_ROLES,
    APPROVER,
    AUDITOR,
    DATASETS,
    EXCLUDED,
    GATE_CONTROLS,
    GROUP_REASONS,
    IMPACTS,
    IN_PROGRESS,
    MLOPS,
    OBJECTIVES,
    ORG_EVIDENCE,
    OUT_OF_SCOPE,
    PARTIES,
    PATH,
    PEOPLE,
    POLICY_READERS,
    POLICY_TEXT,
    RESPONSIBILITIES,
    RISK_OFFICER,
    RISKS,
    SCOPE_STATEMENT,
    SECOND_APPROVER,
    STAGE_EVIDENCE,
    SUPPLIERS,
    SYSTEMS,
    TRAINING,
)
from services.sdk import AimsClient, AimsError, Decision, ServiceUnreachable, service_urls
from shared.contract import annex_a
from shared.http import auth
from shared.platform.config import Settings

PHASES = (
    "AI systems", "statement of applicability", "risks and acceptances", "impact assessments",
    "evidence", "human oversight", "lifecycle transitions", "model versions and gate decisions",
    "monitoring breach and review", "internal audit",
    "management review", "serious incident", "management records",
    "responsibilities and data resources", "signed checkpoint",
)  # fmt: skip
BOUNDARY = "aims-demo-7f3c1e"  # fixed, so the upload body is identical on every run


class DemoError(Exception):
    """Seeding stopped; the message is one line for the user."""


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Api:
    """The SDK as each person of the demo (one token each), on one set of connections."""

    def __init__(self, settings: Settings, timeout: float = 30) -> None:
        key = auth.ensure_key(settings)
        self.sdk = AimsClient("", service_urls(settings), retries=5, timeout=timeout)
        self.people = {p: self.sdk.with_token(auth.issue_token(key, p, roles, timedelta(hours=2)))
                       for p, roles in PEOPLE.items()}  # fmt: skip

    @property
    def position(self) -> int:
        """The log position of the last write (its read models may still be behind)."""
        return self.sdk.position

    def close(self) -> None:
        self.sdk.close()

    def post(self, who: str, service: str, path: str, key: str, body: Any = None) -> dict[str, Any]:
        """POST as `who` with the Idempotency-Key `demo-<key>`; the JSON answer."""
        with _explained(who):
            return self.people[who].post(service, path, body, f"demo-{key}")

    def put(self, who: str, service: str, path: str, key: str, body: Any) -> dict[str, Any]:
        with _explained(who):
            return self.people[who].put(service, path, body, f"demo-{key}")

    def approve_pending(self, answer: dict[str, Any], service: str, key: str, comment: str) -> None:
        """Approve, as the approver, a change that waited for a second person (a 202)."""
        if answer.get("status") == "pending" and "approval_id" in answer:
            self.post(APPROVER, service, f"{answer['href']}/approve", f"{key}-approve",
                      {"comment": comment})  # fmt: skip

    def upload(self, who: str, key: str, content: bytes, content_type: str) -> None:
        """POST a file (multipart) to the evidence service."""
        with _explained(who):
            self.people[who].request(
                "POST", "evidence", "/v1/evidence", f"demo-{key}", content=content,
                headers={"Content-Type": content_type},
            )  # fmt: skip

    def decide(self, who: str, system_id: str, version: str, env: str, key: str) -> Decision:
        with _explained(who):
            return self.people[who].decide(system_id, version, env, f"demo-{key}")

    def caught_up(self, service: str) -> None:
        """Wait until the service's read models include every write made so far."""
        with _explained(AUDITOR):
            self.people[AUDITOR].caught_up(service)


@contextmanager
def _explained(who: str) -> Iterator[None]:
    """SDK errors as one line for the user (DemoError)."""
    try:
        yield
    except AimsError as exc:
        what = f"{exc.request.method} {exc.request.url.path}" if exc.request else exc.service
        raise DemoError(f"{what} as {who} answered {exc.status}: {exc.detail}") from exc
    except ServiceUnreachable as exc:
        raise DemoError(f"{exc}; is `aims up` running?") from exc


class Demo:
    """The seeding steps, in an order that satisfies every gate on the first run."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.systems: dict[str, dict[str, Any]] = {}
        self.risks: dict[str, dict[str, Any]] = {}
        self.anchor = datetime.now(UTC).date()

    def day(self, offset: int) -> str:
        return (self.anchor + timedelta(days=offset)).isoformat()

    def at(self, offset: int) -> str:
        return f"{self.day(offset)}T09:00:00Z"

    def sid(self, key: str) -> str:
        return str(self.systems[key]["id"])

    def register_systems(self) -> None:
        for key, name, purpose, owner, role, tier, use, tags, _ in SYSTEMS:
            body = {"name": name, "purpose": purpose, "owner": owner, "provider_role": role,
                    "eu_ai_act_tier": tier, "intended_use": use, "tags": tags}  # fmt: skip
            self.systems[key] = self.api.post(owner, "registry", "/v1/systems", f"system-{key}",
                                              body)  # fmt: skip
            if len(self.systems) == 1:  # the first run's day, even when replayed later
                created = self.systems[key].get("created_at")
                if created:
                    self.anchor = datetime.fromisoformat(created.replace("Z", "+00:00")).date()

    def statement_of_applicability(self) -> None:
        for cid, c in annex_a.controls().items():
            applicable = cid not in EXCLUDED
            body = {
                "applicable": applicable,
                "justification": EXCLUDED.get(cid)
                or f"Included: {c.title.lower()} is needed because {GROUP_REASONS[c.group]}.",
                "status": "not_applicable" if not applicable
                else "in_progress" if cid in IN_PROGRESS else "implemented",
                "owner": RISK_OFFICER if applicable else "",
                "deployment_gate": cid in GATE_CONTROLS,
            }  # fmt: skip
            answer = self.api.put(
                RISK_OFFICER, "risk", f"/v1/soa/controls/{cid}", f"soa-{cid}", body
            )
            # Excluding a control waits for an approver (separation of duties).
            why = "Exclusion reviewed against the AI policy and the risks."
            self.api.approve_pending(answer, "risk", f"soa-{cid}", why)

    def risks_and_acceptances(self) -> None:
        owners = {s[0]: s[3] for s in SYSTEMS}
        for system, key, title, category, lk, cq, affects, treat, residual, accept in RISKS:
            owner, rk = owners[system], f"{system}-{key}"
            risk = self.api.post(RISK_OFFICER, "risk", "/v1/risks", f"risk-{rk}", {
                "system_id": self.sid(system), "title": title, "category": category,
                "likelihood": lk, "consequence": cq, "affects": affects, "owner": owner,
                "source": "demo risk workshop",
            })  # fmt: skip
            self.risks[rk] = risk
            path = f"/v1/risks/{risk['id']}"
            if treat:
                option, controls, plan = treat
                self.api.post(owner, "risk", path + "/treatments", f"treatment-{rk}", {
                    "option": option, "controls": controls, "plan": plan, "owner": owner,
                    "due": self.day(60),
                })  # fmt: skip
            if residual:
                score = {"likelihood": residual[0], "consequence": residual[1]}
                answer = self.api.post(RISK_OFFICER, "risk", path + "/residual",
                                       f"residual-{rk}", score)  # fmt: skip
                # Bringing a risk within appetite waits for an approver.
                why = "Treatment evidence reviewed; residual level agreed."
                self.api.approve_pending(answer, "risk", f"residual-{rk}", why)
            if accept:
                acc = self.api.post(owner, "risk", path + "/acceptance-requests",
                                    f"acceptance-{rk}", {
                    "justification": f"Residual risk of '{title}' is within what the business "
                                     "can carry while the treatment plan runs.",
                    "expires_at": self.at(180),
                })  # fmt: skip
                who, verb = ((APPROVER, "approve") if accept == "approve"
                             else (SECOND_APPROVER, "reject"))  # fmt: skip
                comment = (
                    "Accepted for six months; review at the next management review."
                    if verb == "approve"
                    else "Not accepted: bias testing must show parity before deployment."
                )
                self.api.post(who, "risk", f"/v1/acceptances/{acc['id']}/{verb}",
                              f"acceptance-{rk}-{verb}", {"comment": comment})  # fmt: skip

    def impact_assessments(self) -> None:
        names = {s[0]: s for s in SYSTEMS}
        for system, status, severity, reversibility in IMPACTS:
            _, name, purpose, *_rest = names[system]
            risk_ids = [str(r["id"]) for k, r in self.risks.items()
                        if k.startswith(system + "-")]  # fmt: skip
            ia = self.api.post(RISK_OFFICER, "risk", "/v1/impact-assessments", f"impact-{system}", {
                "system_id": self.sid(system), "intended_use": names[system][6],
                "foreseeable_misuse": f"Using the {name.lower()} beyond its intended use, or "
                                      "without the human review it relies on.",
                "affected_individuals": "Customers and applicants whose cases it scores.",
                "affected_groups": "Groups protected by equality law.",
                "affected_society": "Trust in automated decisions in financial services.",
                "severity": severity, "reversibility": reversibility,
                "jurisdictions": ["EU"], "mitigations": ["Human review", "Bias testing",
                                                          "Monitoring and incident response"],
                "risk_ids": risk_ids,
            })  # fmt: skip
            path = f"/v1/impact-assessments/{ia['id']}"
            if status in ("submitted", "approved"):
                self.api.post(RISK_OFFICER, "risk", path + "/submit", f"impact-{system}-submit")
            if status == "approved":
                self.api.post(APPROVER, "risk", path + "/approve", f"impact-{system}-approve",
                              {"comment": "Approved by the AI governance board."})  # fmt: skip

    def evidence(self) -> None:
        self.upload_policy()
        for key, kind, title, controls, days, who in ORG_EVIDENCE:
            systems = [self.sid("llm")] if key == "supplier-llm" else []
            self.record(who, f"org-{key}", kind, title, controls, systems, days)
        for key, *_, owner, _role, _tier, _use, _tags, target in SYSTEMS:
            reached = PATH[: PATH.index(target) + 1] if target in PATH else PATH
            for stage in reached:
                for ek, kind, title, controls in STAGE_EVIDENCE.get(stage, []):
                    who = MLOPS if kind == "test_report" else owner
                    self.record(who, f"{key}-{ek}", kind, title, controls, [self.sid(key)], 365)

    def record(self, who: str, key: str, kind: str, title: str, controls: list[str],
               systems: list[str], days: int) -> None:  # fmt: skip
        collected = days - 365 if days < 0 else -7
        self.api.post(who, "evidence", "/v1/evidence", f"evidence-{key}", {
            "kind": kind, "title": title, "system_ids": systems, "control_ids": controls,
            "collected_at": self.at(collected),
            "valid_until": self.at(days), "source": "demo",
            "sha256": digest(f"aims demo evidence {key}"),
            "uri": f"https://docs.example.com/aims-demo/{key}",
        })  # fmt: skip

    def upload_policy(self) -> None:
        """The AI policy as an uploaded file (multipart, stored and hashed by aims)."""
        fields = {"kind": "policy", "title": "AI policy (version 3)",
                  "control_ids": "A.2.2,A.2.3,A.2.4", "valid_until": self.at(365),
                  "source": "AI governance board"}  # fmt: skip
        parts = [
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="ai-policy-v3.md"\r\nContent-Type: text/markdown\r\n\r\n'.encode()
            + POLICY_TEXT.encode() + f"\r\n--{BOUNDARY}--\r\n".encode()
        )  # fmt: skip
        self.api.upload(RISK_OFFICER, "evidence-ai-policy", b"".join(parts),
                        f"multipart/form-data; boundary={BOUNDARY}")  # fmt: skip

    def human_oversight(self) -> None:
        """Named overseers (A.9, Art. 14): the gate asks them of every high-tier system."""
        for key, _, _, owner, _, tier, *_ in SYSTEMS:
            if tier != "high" and key not in ("chatbot", "fraud"):
                continue
            self.api.put(owner, "registry", f"/v1/systems/{self.sid(key)}/oversight",
                         f"oversight-{key}", {
                "overseers": [owner, RISK_OFFICER],
                "measures": "Reviews a daily sample of outputs and every complaint; a person"
                            " signs each adverse decision.",
                "can_override": True,
                "stop_procedure": "Switch the model's feature flag off; cases fall back to the"
                                  " manual process within minutes.",
            })  # fmt: skip

    def transitions(self) -> None:
        self.api.caught_up("registry")  # the gates read risk and evidence facts
        for key, *_, owner, _role, _tier, _use, _tags, target in SYSTEMS:
            stages = PATH[1 : PATH.index(target) + 1] if target in PATH else PATH[1:]
            if target == "re_evaluation":
                stages += ["re_evaluation"]
            elif target == "retired":
                stages += ["retired"]
            for stage in stages:
                reason = (
                    f"Gate evidence for {stage} reviewed by the system owner."
                    if stage != "retired"
                    else "Replaced by the new retention model."
                )
                if stage == "re_evaluation":
                    reason = "Drift alert: recall on new laundering typologies fell below target."
                self.api.post(
                    owner,
                    "registry",
                    f"/v1/systems/{self.sid(key)}/transitions",
                    f"transition-{key}-{stage}",
                    {"to": stage, "reason": reason},
                )

    def gate(self) -> None:
        models = [("credit", "credit-scoring-gbm", "7"), ("chatbot", "support-assistant", "2025.3"),
                  ("llm", "contract-summariser", "1.4"), ("fraud", "card-fraud-xgb", "12"),
                  ("cv", "cv-ranker", "3"), ("aml", "aml-monitor", "5")]  # fmt: skip
        for system, name, version in models:
            self.api.post(MLOPS, "registry", f"/v1/systems/{self.sid(system)}/model-versions",
                          f"model-{system}-{version}", {
                "name": name, "version": version, "digest": digest(f"{name}:{version}"),
                "source_uri": f"s3://models/{name}/{version}",
            })  # fmt: skip
        self.api.caught_up("registry")
        for system, _, version in models:  # allow (and deploy) or deny, with reasons
            self.decide(system, version, "production", deploy=system not in ("cv", "aml"))
        self.decide("credit", "8", "production", deploy=False)  # not registered: deny
        self.decide("cv", "3", "staging", deploy=False)  # warn mode: allow with reasons

    def decide(self, system: str, version: str, env: str, deploy: bool) -> None:
        d = self.api.decide(MLOPS, self.sid(system), version, env,
                            f"decision-{system}-{version}-{env}")  # fmt: skip
        if deploy and d.allowed:
            self.api.post(
                MLOPS,
                "registry",
                "/v1/deployments",
                f"deployment-{system}-{version}",
                {
                    "decision_id": d.decision_id,
                    "notes": f"Release {version} rolled out by the ML platform.",
                },
            )
        elif deploy:
            raise DemoError(f"the gate denied {system} {version}: "
                            + "; ".join(r["message"] for r in d.reasons))  # fmt: skip

    def monitoring_breach(self) -> None:
        """Monitoring plans (9.1, Art. 72); a drift breach of the fraud model sends it to
        re-evaluation and blocks its deployments until an approver reviews it."""
        drift = {"name": "feature_drift_psi", "kind": "drift",
                 "threshold": {"op": "gt", "value": 0.25}, "window": "1h"}  # fmt: skip
        plans = {
            "credit": [drift, {"name": "approval_rate_gap", "kind": "fairness",
                               "threshold": {"op": "gt", "value": 0.05}, "window": "1d"}],
            "fraud": [drift, {"name": "precision", "kind": "performance",
                              "threshold": {"op": "lt", "value": 0.9}, "window": "1h"}],
        }  # fmt: skip
        owners = {s[0]: s[3] for s in SYSTEMS}
        for key, metrics in plans.items():
            body = {"metrics": metrics, "review_every_days": 90}
            self.api.put(owners[key], "registry", f"/v1/systems/{self.sid(key)}/monitoring",
                         f"monitoring-{key}", body)  # fmt: skip
        start = datetime.fromisoformat(self.at(-1).replace("Z", "+00:00"))
        for key, psi in (("credit", [0.04, 0.05, 0.06, 0.05]), ("fraud", [0.08, 0.12, 0.31, 0.34])):
            batch = [{"metric": "feature_drift_psi", "value": v, "model_version": "current",
                      "observed_at": (start + timedelta(hours=h)).isoformat(),
                      "source": "nightly-monitoring"} for h, v in enumerate(psi)]  # fmt: skip
            self.api.post(MLOPS, "registry", f"/v1/systems/{self.sid(key)}/observations",
                          f"observations-{key}", {"observations": batch})  # fmt: skip
        path = f"/v1/systems/{self.sid('fraud')}/breaches"
        self.api.caught_up("registry")  # the reactor has moved the fraud model to re-evaluation
        breach = self.api.people[AUDITOR].get("registry", path, limit=1)  # its only breach
        denied = self.api.decide(MLOPS, self.sid("fraud"), "12", "production",
                                 "decision-fraud-12-after-breach")  # fmt: skip
        if denied.allowed or not breach["items"]:
            raise DemoError("the fraud model's drift breach did not stop the gate")
        self.api.post(APPROVER, "registry", f"{path}/{breach['items'][0]['breach_id']}/review",
                      "breach-fraud-review", {
            "decision": "accept",
            "comment": "Drift comes from the holiday-season spending mix; precision held. "
                       "Threshold kept; watch weekly.",
        })  # fmt: skip
        self.api.caught_up("registry")
        self.api.post(owners["fraud"], "registry", f"/v1/systems/{self.sid('fraud')}/transitions",
                      "transition-fraud-operation-after-breach", {
            "to": "operation", "reason": "Breach reviewed and accepted; back to operation.",
        })  # fmt: skip

    def internal_audit(self) -> None:
        audit = self.api.post(AUDITOR, "evidence", "/v1/audits", "audit-2025-h1", {
            "title": "Internal audit: AI lifecycle and monitoring controls",
            "scope": "Lifecycle, monitoring and logging of production AI systems.",
            "criteria": "ISO/IEC 42001 clauses 8 and 9; Annex A.6 and A.7; the AI policy.",
            "system_ids": [self.sid("credit"), self.sid("chatbot"), self.sid("fraud")],
            "auditors": [AUDITOR], "starts_on": self.day(-14), "ends_on": self.day(-10),
        })  # fmt: skip
        path = f"/v1/audits/{audit['id']}"
        findings = [
            ("monitoring", "minor_nc", "A.6.2.6", "chatbot", "chloe.martin",
             "Answer-quality monitoring has no alert threshold; degradations went unnoticed."),
            ("logging", "minor_nc", "A.6.2.8", "fraud", "amira.haddad",
             "Decision logs are kept 90 days, less than the 12 months the policy requires."),
            ("provenance", "observation", "A.7.5", "credit", None,
             "Provenance of two external data sources is documented only in e-mail."),
            ("objectives", "improvement", "6.2", None, None,
             "AI objectives could name measurable targets for fairness."),
        ]  # fmt: skip
        ncs: dict[str, tuple[str, str]] = {}
        for key, kind, ref, system, owner, text in findings:
            body: dict[str, Any] = {"kind": kind, "reference": ref, "description": text}
            if system:
                body["system_id"] = self.sid(system)
            if owner:
                body |= {"raise_nonconformity": True, "nc_owner": owner}
            f = self.api.post(AUDITOR, "evidence", path + "/findings", f"finding-{key}", body)
            if owner and f.get("nonconformity_id"):
                ncs[key] = (f["nonconformity_id"], owner)
        self.api.post(AUDITOR, "evidence", path + "/complete", "audit-2025-h1-complete", {
            "summary": "Controls largely effective; two minor nonconformities raised.",
        })  # fmt: skip
        nc, owner = ncs["monitoring"]
        base = f"/v1/nonconformities/{nc}"
        self.api.post(
            owner,
            "evidence",
            base + "/containment",
            "nc-monitoring-contain",
            {"action": "Daily manual sampling of answers until alerts are in place."},
        )
        self.api.post(owner, "evidence", base + "/root-cause", "nc-monitoring-cause",
                      {"root_cause": "Monitoring requirements were not part of the release "
                                     "checklist."})  # fmt: skip
        done = self.api.post(owner, "evidence", base + "/corrective-actions", "nc-monitoring-ca", {
            "description": "Add alert thresholds and the monitoring item to the release checklist.",
            "owner": owner, "due": self.day(-2),
        })  # fmt: skip
        action = done["corrective_actions"][-1]["id"]
        self.api.post(owner, "evidence", f"{base}/corrective-actions/{action}/complete",
                      "nc-monitoring-ca-done")  # fmt: skip
        # Closed by someone who neither raised it (the auditor) nor owns it or its action.
        self.api.post(RISK_OFFICER, "evidence", base + "/close", "nc-monitoring-close", {
            "effectiveness_review": "Alerts fired correctly in two incidents since; effective.",
            "effective": True,
        })  # fmt: skip
        nc, owner = ncs["logging"]
        self.api.post(owner, "evidence", f"/v1/nonconformities/{nc}/corrective-actions",
                      "nc-logging-ca", {
            "description": "Extend decision-log retention to 12 months and test restore.",
            "owner": owner, "due": self.day(45),
        })  # fmt: skip

    def management_review(self) -> None:
        self.api.post(APPROVER, "evidence", "/v1/management-reviews", "review-q2", {
            "title": "AI management review", "held_on": self.day(-3),
            "attendees": [APPROVER, SECOND_APPROVER, RISK_OFFICER, AUDITOR, "amira.haddad"],
            "inputs": [
                {"kind": "audit", "summary": "Internal audit: two minor nonconformities."},
                {"kind": "risks", "summary": "Two risks above appetite accepted until renewal."},
                {"kind": "monitoring", "summary": "AML monitoring drift triggered re-evaluation."},
            ],
            "decisions": ["CV screening stays out of production until bias tests pass.",
                          "Emotion recognition proposal rejected as a prohibited practice."],
            "actions": [{"description": "Publish measurable fairness objectives.",
                         "owner": RISK_OFFICER, "due": self.day(60)}],
            "system_ids": [self.sid("cv"), self.sid("emotion"), self.sid("aml")],
        })  # fmt: skip

    def serious_incident(self) -> None:
        """A serious incident (Art. 73) notified on time and under investigation; an
        anonymous concern (A.3.3), dismissed by triage."""
        owner = next(s[3] for s in SYSTEMS if s[0] == "chatbot")
        inc = self.api.post(RISK_OFFICER, "evidence", "/v1/incidents", "incident-chatbot-pin", {
            "system_ids": [self.sid("chatbot")],
            "title": "Chatbot asked customers for their card PIN",
            "description": "After a prompt-template change the assistant asked customers to"
                           " confirm their card PIN in chat; 41 customers did before an agent"
                           " noticed. Cards were blocked and reissued.",
            "occurred_at": self.at(-6), "aware_at": self.at(-5), "severity": "high",
            "serious": True, "widespread": False, "harm": ["property_or_environment_harm"],
        })  # fmt: skip
        path = f"/v1/incidents/{inc['id']}"

        def status(to: str, comment: str) -> None:
            self.api.post(owner, "evidence", path + "/status", f"incident-chatbot-pin-{to}",
                          {"to": to, "comment": comment})  # fmt: skip

        status("triaged", "Confirmed serious: 41 customers affected.")
        self.api.post(RISK_OFFICER, "evidence", path + "/notifications",
                      "incident-chatbot-pin-initial", {
            "authority": "National market surveillance authority", "sent_at": self.at(-3),
            "reference": "MSA-2025-0113", "kind": "initial",
        })  # fmt: skip
        status("reported", "Initial report sent to the authority.")
        status("investigating", "Template rolled back; root-cause analysis under way.")
        concern = self.api.post(MLOPS, "evidence", "/v1/concerns", "concern-cv-gaps", {
            "description": "The CV ranker may penalise career gaps (parental leave).",
            "system_ids": [self.sid("cv")], "anonymous": True,
        })  # fmt: skip
        self.api.post(RISK_OFFICER, "evidence", f"/v1/concerns/{concern['id']}/triage",
                      "concern-cv-gaps-triage", {
            "outcome": "dismissed",
            "reason": "The CV ranker is not deployed; the bias test before deployment covers it.",
        })  # fmt: skip

    def management_records(self) -> None:
        """The AI policy, AI roles and training, objectives, suppliers, interested parties and
        the AIMS scope (4-7, A.2, A.3.2, A.4.6, A.10), each approved by someone who did not
        write it."""
        post, ok = self.api.post, {"comment": "Approved by the AI governance board."}
        policy = post(RISK_OFFICER, "risk", "/v1/policies", "policy-ai", {
            "title": "AI policy", "body": POLICY_TEXT, "control_ids": ["A.2.2", "A.2.3", "A.2.4"],
            "scope": "Every AI system the bank develops, procures or uses.",
            "review_every_days": 365,
        })  # fmt: skip
        path = f"/v1/policies/{policy['id']}"
        post(APPROVER, "risk", path + "/approve", "policy-ai-approve", ok)
        for person in POLICY_READERS:
            post(person, "risk", path + "/acknowledgements", f"policy-ai-ack-{person}", {})
        for name, description, competences, members in AI_ROLES:
            post(RISK_OFFICER, "risk", "/v1/ai-roles", f"ai-role-{name}", {
                "name": name, "description": description, "competences": competences,
                "members": members,
            })  # fmt: skip
        for person, competence, done, expires in TRAINING:
            body = {"person": person, "competence": competence, "completed_at": self.at(done),
                    "provider": "AI academy"}  # fmt: skip
            if expires is not None:
                body["expires_at"] = self.at(expires)
            post(RISK_OFFICER, "risk", "/v1/training-records",
                 f"training-{person}-{competence}", body)  # fmt: skip
        for key, title, measure, unit, target, way, base, due, owner, systems, values in OBJECTIVES:
            o = post(RISK_OFFICER, "risk", "/v1/objectives", f"objective-{key}", {
                "title": title, "measure": measure, "unit": unit, "target": target,
                "direction": way, "baseline": base, "due": self.day(due), "owner": owner,
                "system_ids": [self.sid(s) for s in systems],
            })  # fmt: skip
            post(APPROVER, "risk", f"/v1/objectives/{o['id']}/approve",
                 f"objective-{key}-approve", ok)  # fmt: skip
            for when, value in values:
                post(MLOPS, "risk", f"/v1/objectives/{o['id']}/measurements",
                     f"objective-{key}-{when}",
                     {"value": value, "measured_at": self.at(when)})  # fmt: skip
        for key, name, services, contract, owner, systems, diligence, approve in SUPPLIERS:
            risks = [str(r["id"]) for k, r in self.risks.items()
                     if any(k.startswith(s + "-") for s in systems)]  # fmt: skip
            s = post(owner, "risk", "/v1/suppliers", f"supplier-{key}", {
                "name": name, "services": services, "contract_ref": contract,
                "due_diligence": "in_progress", "review_every_days": 365,
                "system_ids": [self.sid(x) for x in systems], "risk_ids": risks,
            })  # fmt: skip
            post(owner, "risk", f"/v1/suppliers/{s['id']}/reviews", f"supplier-{key}-review",
                 {"due_diligence": diligence,
                  "comment": "Questionnaire and contract reviewed."})  # fmt: skip
            if approve:
                post(APPROVER, "risk", f"/v1/suppliers/{s['id']}/approve",
                     f"supplier-{key}-approve", ok)  # fmt: skip
        for name, kind, requirements, systems in PARTIES:
            post(RISK_OFFICER, "risk", "/v1/interested-parties", f"party-{name}", {
                "name": name, "kind": kind, "system_ids": [self.sid(x) for x in systems],
                "requirements": [{"requirement": r, "source": src} for r, src in requirements],
            })  # fmt: skip
        self.api.put(RISK_OFFICER, "risk", "/v1/scope", "aims-scope", {
            "statement": SCOPE_STATEMENT, "boundaries": "Retail banking and insurance, EU sites.",
            "exclusions": "; ".join(f"{k}: {why}" for k, why in OUT_OF_SCOPE.items()),
            "system_ids": [self.sid(s[0]) for s in SYSTEMS if s[0] not in OUT_OF_SCOPE],
        })  # fmt: skip
        post(APPROVER, "risk", "/v1/scope/approve", "aims-scope-approve", ok)

    def resources(self) -> None:
        """Who answers for the main systems (5.3, A.3.2) and the data behind them (A.7,
        Art. 10), linked to the model versions they trained or tested."""
        owners = {s[0]: s[3] for s in SYSTEMS}
        for key, (responsible, consulted, informed) in RESPONSIBILITIES.items():
            self.api.put(owners[key], "registry", f"/v1/systems/{self.sid(key)}/responsibilities",
                         f"raci-{key}", {
                "accountable": owners[key], "responsible": responsible, "consulted": consulted,
                "informed": informed,
            })  # fmt: skip
        for key, system, model, name, use, source, prov, lic, pii, checks in DATASETS:
            found = self.api.people[AUDITOR].get("registry", f"/v1/systems/{self.sid(system)}")
            linked = [m["id"] for m in found["model_versions"]
                      if model and (m["name"], m["version"]) == model]  # fmt: skip
            self.api.post(owners[system], "registry", "/v1/datasets", f"dataset-{key}", {
                "name": name, "use": use, "source": source, "provenance": prov, "licence": lic,
                "personal_data": pii, "version": self.anchor.isoformat(),
                "digest": digest(f"dataset:{key}"), "system_ids": [self.sid(system)],
                "model_version_ids": linked,
                "quality_checks": [{"name": n, "result": r, "details": d} for n, r, d in checks],
            })  # fmt: skip

    def checkpoint(self) -> None:
        self.api.post(AUDITOR, "evidence", "/v1/checkpoints", "checkpoint")


def seed(settings: Settings, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Seed the demo organisation; returns what it holds. Raises DemoError on failure."""
    api = Api(settings)
    demo = Demo(api)
    steps = [demo.register_systems, demo.statement_of_applicability, demo.risks_and_acceptances,
             demo.impact_assessments, demo.evidence, demo.human_oversight, demo.transitions,
             demo.gate, demo.monitoring_breach, demo.internal_audit, demo.management_review,
             demo.serious_incident, demo.management_records, demo.resources,
             demo.checkpoint]  # fmt: skip
    try:
        for name, step in zip(PHASES, steps, strict=True):
            step()
            if progress:
                progress(name)
    finally:
        api.close()
    return {"systems": len(demo.systems), "risks": len(demo.risks),
            "controls": len(annex_a.controls()), "position": api.position}  # fmt: skip
