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
    APPROVER,
    AUDITOR,
    EXCLUDED,
    GATE_CONTROLS,
    GROUP_REASONS,
    IMPACTS,
    IN_PROGRESS,
    MLOPS,
    ORG_EVIDENCE,
    PATH,
    PEOPLE,
    POLICY_TEXT,
    RISK_OFFICER,
    RISKS,
    SECOND_APPROVER,
    STAGE_EVIDENCE,
    SYSTEMS,
)
from services.sdk import AimsClient, AimsError, Decision, ServiceUnreachable, service_urls
from shared.contract import annex_a
from shared.http import auth
from shared.platform.config import Settings

PHASES = (
    "AI systems", "statement of applicability", "risks and acceptances", "impact assessments",
    "evidence", "lifecycle transitions", "model versions and gate decisions", "internal audit",
    "management review", "signed checkpoint",
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
            self.api.put(RISK_OFFICER, "risk", f"/v1/soa/controls/{cid}", f"soa-{cid}", body)

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
                self.api.post(RISK_OFFICER, "risk", path + "/residual", f"residual-{rk}",
                              {"likelihood": residual[0], "consequence": residual[1]})  # fmt: skip
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

    def checkpoint(self) -> None:
        self.api.post(AUDITOR, "evidence", "/v1/checkpoints", "checkpoint")


def seed(settings: Settings, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Seed the demo organisation; returns what it holds. Raises DemoError on failure."""
    api = Api(settings)
    demo = Demo(api)
    steps = [demo.register_systems, demo.statement_of_applicability, demo.risks_and_acceptances,
             demo.impact_assessments, demo.evidence, demo.transitions, demo.gate,
             demo.internal_audit, demo.management_review, demo.checkpoint]  # fmt: skip
    try:
        for name, step in zip(PHASES, steps, strict=True):
            step()
            if progress:
                progress(name)
    finally:
        api.close()
    return {"systems": len(demo.systems), "risks": len(demo.risks),
            "controls": len(annex_a.controls()), "position": api.position}  # fmt: skip
