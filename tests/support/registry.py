"""Helpers of the registry tests: systems over the API, other services' facts via the store,
gate evaluations for the pure domain tests, and a real MLflow server for the end-to-end test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx

from services.registry.gate.domain import Evaluation, Reason
from shared.contract.events import evidence as ev
from shared.contract.events import risk as rk
from shared.domain.aggregate import DomainEvent
from shared.kernel.eventstore import EventStore, NewEvent
from tests.support.apps import auth

ADMIN = auth("ada", "admin")
OWNER = auth("alice", "system_owner")
MLOPS = auth("max", "mlops")
VIEWER = auth("vic", "viewer")
DIGEST = "d" * 64
DEPLOY_CONTROLS = ["A.6.2.4", "A.6.2.5", "A.6.2.7"]
WEBHOOK_SECRET = "whsec-test-0123456789"  # the module-scoped `registry` app's MLflow secret


def ok(streams: dict[str, int] | None = None, expires: datetime | None = None) -> Evaluation:
    """A satisfied gate evaluation that relied on `streams`, lapsing at `expires`."""
    return Evaluation((), streams or {"system-x": 1}, 7, expires)


def missing(*codes: str) -> Evaluation:
    """A gate evaluation that found the reasons `codes` missing."""
    return Evaluation(tuple(Reason(c, c) for c in codes), {"system-x": 1}, 7, None)


async def put(store: EventStore, stream: str, *events: DomainEvent) -> int:
    """Append events as another service would; returns the position of the last."""
    result = await store.append(
        stream, [NewEvent(e.type_name(), e.to_data()) for e in events], expected_version=None,
        metadata={"actor": {"sub": "other-service", "roles": ["risk_officer"]}},
    )  # fmt: skip
    return result.position


async def register(client: Any, **over: Any) -> dict[str, Any]:
    body = {
        "name": "Credit scoring",
        "purpose": "score loan applications",
        "owner": "alice",
        "eu_ai_act_tier": "limited",
        "intended_use": "pre-screening, human decides",
    } | over
    r = await client.post("/v1/systems", json=body, headers=OWNER)
    assert r.status_code == 201, r.text
    return r.json() | {"aims_position": int(r.headers["aims-position"])}


async def add_version(client: Any, system_id: str, version: str = "1", digest: str = DIGEST):
    body = {"name": "scorer", "version": version, "digest": digest, "source_uri": "s3://m/1"}
    r = await client.post(f"/v1/systems/{system_id}/model-versions", json=body, headers=MLOPS)
    assert r.status_code in (200, 201), r.text
    return r


async def identify_risk(store: EventStore, system_id: str, level: str = "high") -> UUID:
    risk_id = uuid4()
    await put(store, f"risk-{risk_id}", rk.RiskIdentified(
        risk_id=risk_id, system_id=UUID(system_id), title="unfair denials", category="fairness",
        affects=["applicants"], likelihood=4, consequence=4, level=level, criteria_version=0,
        owner="rita",
    ))  # fmt: skip
    return risk_id


async def accept(
    store: EventStore, system_id: str, risk_id: UUID, risk_version: int = 1,
    expires: datetime | None = None,
) -> tuple[UUID, int]:  # fmt: skip
    acceptance_id = uuid4()
    expires = expires or datetime.now(UTC) + timedelta(days=90)
    pos = await put(store, f"acceptance-{acceptance_id}", rk.AcceptanceApproved(
        acceptance_id=acceptance_id, risk_id=risk_id, system_id=UUID(system_id),
        risk_version=risk_version, approved_by="paula", expires_at=expires,
    ))  # fmt: skip
    return acceptance_id, pos


async def record_evidence(
    store: EventStore, system_id: str, controls: list[str], valid_until: datetime | None = None
) -> tuple[UUID, int]:
    evidence_id = uuid4()
    pos = await put(store, f"evidence-{evidence_id}", ev.EvidenceRecorded(
        evidence_id=evidence_id, kind="report", title="validation report",
        system_ids=[UUID(system_id)], control_ids=controls, sha256="e" * 64,
        uri="s3://evidence/1", collected_at=datetime.now(UTC), valid_until=valid_until,
    ))  # fmt: skip
    return evidence_id, pos


async def approve_impact(store: EventStore, system_id: str) -> int:
    assessment_id = uuid4()
    return await put(store, f"impact-{assessment_id}", rk.ImpactAssessmentApproved(
        assessment_id=assessment_id, system_id=UUID(system_id), approved_by="paula",
    ))  # fmt: skip


async def treat(store: EventStore, system_id: str, risk_id: UUID) -> int:
    return await put(store, f"risk-{risk_id}", rk.RiskTreatmentPlanned(
        risk_id=risk_id, system_id=UUID(system_id), treatment_id=uuid4(), option="modify",
        controls=["A.6.2.4"], plan="retrain", owner="rita", due=date(2030, 1, 1),
    ))  # fmt: skip


async def ready(store: EventStore, system_id: str) -> int:
    """Facts that satisfy the default deployment approval for a limited-tier system."""
    risk_id = await identify_risk(store, system_id)
    await accept(store, system_id, risk_id)
    return (await record_evidence(store, system_id, DEPLOY_CONTROLS))[1]


async def move(client: Any, system_id: str, to: str, *, min_position: int | None = None):
    """A transition, after the registry has seen everything up to `min_position`."""
    if min_position is not None:
        r = await client.get(f"/v1/systems?min_position={min_position}&limit=1", headers=VIEWER)
        assert r.status_code == 200, r.text
    return await client.post(f"/v1/systems/{system_id}/transitions",
                             json={"to": to, "reason": f"to {to}"}, headers=OWNER)  # fmt: skip


async def decide(client: Any, system_id: str, env: str = "production", mv: str = "scorer/1",
                 min_position: int | None = None):  # fmt: skip
    q = f"?min_position={min_position}" if min_position else ""
    body = {"system_id": system_id, "model_version": mv, "environment": env}
    return await client.post(f"/v1/deployment-decisions{q}", json=body, headers=MLOPS)


async def at_verification(c: Any, store: EventStore, **over: Any) -> dict[str, Any]:
    """A system moved through inception and design with the evidence those gates ask for."""
    s = await register(c, **over)
    await identify_risk(store, s["id"], level="low")
    _, pos = await record_evidence(store, s["id"], ["A.6.2.3", "A.7.4", "A.7.5"])
    assert (await move(c, s["id"], "design", min_position=pos)).status_code == 200
    assert (await move(c, s["id"], "verification")).status_code == 200
    return s


def start_mlflow(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    """An MLflow tracking server with a sqlite backend that may call webhooks on localhost."""
    env = {**os.environ, "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true",
           "MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https",
           "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}  # fmt: skip
    log = open(tmp / "mlflow.log", "ab")  # noqa: SIM115 - lives with the process
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("mlflow")), "server", "--backend-store-uri",
         f"sqlite:///{tmp / 'mlflow.db'}", "--default-artifact-root", str(tmp / "artifacts"),
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env, stdout=log, stderr=log, cwd=tmp,
    )  # fmt: skip


# MLflow's server imports a large stack before it listens: on a loaded 2-core machine that
# has taken more than 50 s. The budget is generous; a server that exits fails at once.
MLFLOW_START_BUDGET = 180.0


def wait_for_mlflow(
    proc: subprocess.Popen[bytes], url: str, log: Path, budget: float = MLFLOW_START_BUDGET
) -> None:
    """Return once MLflow answers `url` (its /health); fail with its log's tail otherwise."""
    deadline = time.monotonic() + budget
    while not _answers(url):
        if proc.poll() is not None:
            raise AssertionError(f"mlflow exited with {proc.returncode}:\n{_tail(log)}")
        if time.monotonic() > deadline:
            raise AssertionError(f"mlflow did not answer {url} in {budget:.0f} s:\n{_tail(log)}")
        time.sleep(0.25)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _tail(log: Path, lines: int = 40) -> str:
    """The last lines a process wrote to its log (what it said before failing)."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"
