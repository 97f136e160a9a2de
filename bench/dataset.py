"""A realistic event log: about 100 events per AI system across all three services.

Events are the real event classes of `shared.contract.events`, validated by pydantic, and are
appended through `EventStore.append` (one event per command, as the services write
them), many commands at a time so the store's group commit writes them in big batches.
The hash chain is therefore the real one.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.contract.events import evidence as ev
from shared.contract.events import registry as reg
from shared.contract.events import risk as rk
from shared.domain.aggregate import DomainEvent
from shared.kernel.eventstore import EventStore, NewEvent
from shared.kernel.requestctx import Actor, RequestContext

EVENTS_PER_SYSTEM = 100  # approximately; see `system_commands`
GROUP = 400  # systems loaded side by side; their commands interleave like real traffic
ACTORS = [f"user{i:03d}@example.org" for i in range(200)]
STAGES: list[reg.Stage] = [
    "inception",
    "design",
    "verification",
    "deployment",
    "operation",
    "re_evaluation",
]
LEVELS = ["low", "medium", "high", "critical"]
NOW = datetime(2025, 1, 1, tzinfo=UTC)

Command = tuple[str, DomainEvent, str, str]  # stream, event, actor, service


def _u() -> uuid.UUID:
    return uuid.uuid4()


def global_commands() -> list[Command]:
    """Organisation-wide facts written once: risk criteria and the SoA."""
    levels = ["low", "medium", "high", "critical"]
    matrix = [[levels[min(3, (lk * c) // 6)] for c in range(1, 6)] for lk in range(1, 6)]
    out: list[Command] = [(
        f"criteria-{_u()}",
        rk.RiskCriteriaSet(
            criteria_version=1, likelihood_labels=list("12345"), consequence_labels=list("12345"),
            levels=levels, matrix=matrix, appetite="medium",
        ), ACTORS[0], "risk",
    )]  # fmt: skip
    from shared.contract.annex_a import controls

    for control_id in controls():
        out.append((
            f"soa-{uuid.uuid5(uuid.NAMESPACE_URL, control_id)}",
            rk.SoAEntrySet(control_id=control_id, applicable=True,
                           justification="applies to every AI system in scope",
                           status="implemented", owner=ACTORS[1]),
            ACTORS[1], "risk",
        ))  # fmt: skip
    return out


def system_commands(rng: random.Random, sid: uuid.UUID, audit: list[uuid.UUID]) -> list[Command]:
    """The commands one AI system sees over its life, in causal order (~100 events)."""
    owner, officer, approver, auditor, mlops = (rng.choice(ACTORS) for _ in range(5))
    s = f"system-{sid}"
    out: list[Command] = [(s, reg.SystemRegistered(
        system_id=sid, name=f"system {sid.hex[:8]}", purpose="rank loan applications",
        owner=owner, provider_role="provider", eu_ai_act_tier=rng.choice(["high", "limited"]),
        intended_use="decision support", tags=["finance", "tabular"],
    ), owner, "registry")]  # fmt: skip
    for i in range(2):
        out.append((s, reg.SystemUpdated(system_id=sid, changes={"tags": ["finance", f"v{i}"]},
                                         significant=i == 1), owner, "registry"))  # fmt: skip
    out.append((s, reg.SystemOwnerAssigned(system_id=sid, owner=owner, previous_owner=mlops),
                owner, "registry"))  # fmt: skip
    for frm, to in zip(STAGES, STAGES[1:] + ["operation"], strict=True):
        out.append((s, reg.SystemStageChanged(
            system_id=sid, frm=frm, to=to, reason="gate passed", policy_version="1",
            policy_hash="a" * 64, basis={s: 3},
        ), owner, "registry"))  # fmt: skip
    versions = []
    for i in range(5):
        versions.append(f"1.{i}.0")
        out.append((s, reg.ModelVersionRegistered(
            system_id=sid, model_version_id=_u(), name="scorer", version=versions[-1],
            digest=f"sha256:{rng.getrandbits(256):064x}", source_uri=f"s3://models/{sid}/{i}",
        ), mlops, "registry"))  # fmt: skip
    for i in range(20):
        did, allow = _u(), i % 4 == 0
        d = f"decision-{did}"
        out.append((d, reg.DeploymentDecisionMade(
            decision_id=did, system_id=sid, model_version=rng.choice(versions),
            environment="production", decision="allow" if allow else "deny", mode="enforce",
            reasons=[] if allow else [{"code": "risk_above_appetite", "message": "untreated"}],
            policy_version="1", policy_hash="a" * 64, basis={s: 10, f"risk-{sid}": 4},
            expires_at=NOW + timedelta(days=1),
        ), mlops, "registry"))  # fmt: skip
        if allow:
            out.append((d, reg.DeploymentRecorded(
                decision_id=did, system_id=sid, model_version=versions[0],
                environment="production", deployed_by=mlops,
            ), mlops, "registry"))  # fmt: skip
    for _ in range(5):
        rid, tid = _u(), _u()
        r = f"risk-{rid}"
        lk, co = rng.randint(1, 5), rng.randint(1, 5)
        out += [
            (r, rk.RiskIdentified(
                risk_id=rid, system_id=sid, title="bias against protected group",
                category="fairness", affects=["applicants"], likelihood=lk, consequence=co,
                level=rng.choice(LEVELS), criteria_version=1, owner=officer,
            ), officer, "risk"),
            (r, rk.RiskAssessed(risk_id=rid, system_id=sid, likelihood=lk, consequence=co,
                                level="high", criteria_version=1, reason="new data"),
             officer, "risk"),
            (r, rk.RiskTreatmentPlanned(
                risk_id=rid, system_id=sid, treatment_id=tid, option="modify",
                controls=["A.6.2.4", "A.7.4"], plan="re-weight training data", owner=officer,
                due=date(2025, 6, 30),
            ), officer, "risk"),
            (r, rk.RiskTreatmentCompleted(risk_id=rid, system_id=sid, treatment_id=tid),
             officer, "risk"),
            (r, rk.ResidualRiskAssessed(risk_id=rid, system_id=sid, likelihood=1,
                                        consequence=co, level="low", criteria_version=1),
             officer, "risk"),
        ]  # fmt: skip
    for _ in range(2):
        aid = _u()
        a = f"acceptance-{aid}"
        out += [
            (a, rk.AcceptanceRequested(
                acceptance_id=aid, risk_id=rid, system_id=sid, risk_version=5, level="low",
                justification="residual risk is low", expires_at=NOW + timedelta(days=365),
                requested_by=officer,
            ), officer, "risk"),
            (a, rk.AcceptanceApproved(acceptance_id=aid, risk_id=rid, system_id=sid,
                                      risk_version=5, approved_by=approver,
                                      expires_at=NOW + timedelta(days=365)), approver, "risk"),
        ]  # fmt: skip
    iid = _u()
    i_ = f"impact-{iid}"
    out += [
        (i_, rk.ImpactAssessmentDrafted(assessment_id=iid, system_id=sid, author=officer,
                                        content={"individuals": "applicants", "harm": "denial"}),
         officer, "risk"),
        (i_, rk.ImpactAssessmentRevised(assessment_id=iid, system_id=sid,
                                        content={"individuals": "applicants", "harm": "none"}),
         officer, "risk"),
        (i_, rk.ImpactAssessmentSubmitted(assessment_id=iid, system_id=sid,
                                          submitted_by=officer), officer, "risk"),
        (i_, rk.ImpactAssessmentApproved(assessment_id=iid, system_id=sid,
                                         approved_by=approver), approver, "risk"),
    ]  # fmt: skip
    for i in range(20):
        eid = _u()
        out.append((f"evidence-{eid}", ev.EvidenceRecorded(
            evidence_id=eid, kind="test_report", title=f"fairness evaluation {i}",
            system_ids=[sid], control_ids=["A.6.2.4"], risk_ids=[rid],
            sha256=f"{rng.getrandbits(256):064x}", uri=f"s3://evidence/{eid}",
            collected_at=NOW, valid_until=NOW + timedelta(days=365), source="ci",
        ), mlops, "evidence"))  # fmt: skip
    ncid, caid = _u(), _u()
    n = f"nc-{ncid}"
    out += [
        (n, ev.NonconformityRaised(nc_id=ncid, title="missing review", description="no review",
                                   owner=owner, system_id=sid, reference="9.2"), auditor,
         "evidence"),
        (n, ev.ContainmentRecorded(nc_id=ncid, action="paused deployment"), owner, "evidence"),
        (n, ev.RootCauseRecorded(nc_id=ncid, root_cause="unclear ownership"), owner, "evidence"),
        (n, ev.CorrectiveActionAdded(nc_id=ncid, action_id=caid, description="assign owner",
                                     owner=owner, due=date(2025, 3, 1)), owner, "evidence"),
        (n, ev.CorrectiveActionCompleted(nc_id=ncid, action_id=caid), owner, "evidence"),
        (n, ev.NonconformityClosed(nc_id=ncid, effectiveness_review="verified", effective=True,
                                   closed_by=auditor, system_id=sid), auditor, "evidence"),
    ]  # fmt: skip
    if audit and audit[0] == sid:  # the first system of each ten carries their audit
        auid = _u()
        a = f"audit-{auid}"
        out.append((a, ev.AuditPlanned(
            audit_id=auid, title="internal audit", scope="AI systems", criteria="ISO/IEC 42001",
            system_ids=audit, auditors=[auditor], starts_on=date(2025, 2, 1),
            ends_on=date(2025, 2, 5)), auditor, "evidence"))  # fmt: skip
        for x in audit:
            out.append((a, ev.FindingRaised(audit_id=auid, finding_id=_u(), kind="observation",
                                            reference="A.6.2.4", description="ok", system_id=x,
                                            raised_by=auditor), auditor, "evidence"))  # fmt: skip
        out.append((a, ev.AuditCompleted(audit_id=auid, summary="done", completed_by=auditor),
                    auditor, "evidence"))  # fmt: skip
    return out


async def load(
    store: EventStore, systems: int, *, first: int = 0, seed: int = 42,
    progress: Callable[[int], None] | None = None,
) -> list[uuid.UUID]:  # fmt: skip
    """Append the life of `systems` AI systems; returns their ids."""
    rng = random.Random(seed + first)
    ids: list[uuid.UUID] = []
    if first == 0:
        await _run_round(store, [[c] for c in global_commands()], {})
    for start in range(0, systems, GROUP):
        group = [
            uuid.UUID(int=rng.getrandbits(128), version=4)
            for _ in range(min(GROUP, systems - start))
        ]
        ids += group
        lives = [system_commands(rng, sid, group[i - i % 10 : i - i % 10 + 10])
                 for i, sid in enumerate(group)]  # fmt: skip
        versions: dict[str, int] = {}
        for r in range(max(map(len, lives))):
            round_ = [[life[r]] for life in lives if r < len(life)]
            await _run_round(store, round_, versions)
            if progress:
                progress(len(round_))
    return ids


async def _run_round(
    store: EventStore, commands: list[list[Command]], versions: dict[str, int]
) -> None:
    async def one(stream: str, event: DomainEvent, actor: str, service: str) -> None:
        ctx = RequestContext(Actor(actor, frozenset({"system_owner"})), service)
        expected = versions.get(stream, 0)
        versions[stream] = expected + 1
        await store.append(
            stream, [NewEvent(event.type_name(), event.to_data(), None, event.schema_version)],
            expected_version=expected, metadata=ctx.metadata(),
        )  # fmt: skip

    await asyncio.gather(*(one(*c) for cmds in commands for c in cmds))


def count_per_system() -> int:
    """Events one system's life produces (audits averaged over ten systems)."""
    rng = random.Random(0)
    sids = [uuid.uuid4() for _ in range(10)]
    total = sum(len(system_commands(rng, s, sids)) for s in sids)
    return total // 10


def summary() -> dict[str, Any]:
    return {"events_per_system": count_per_system(), "actors": len(ACTORS)}
