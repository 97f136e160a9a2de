"""The Python SDK against real service processes: the MLOps path and the auditor path."""

from __future__ import annotations

import hashlib
import zipfile

import httpx
import pytest

from services.evidence.integrity.verify_pack import verify_pack
from services.sdk import AimsClient, AimsError, AsyncAimsClient
from tests.support.apps import auth, token
from tests.support.console import Stack

DIGEST = hashlib.sha256(b"credit model 7").hexdigest()


def satisfy_the_gate(stack: Stack, system_id: str) -> None:
    """What a deployment needs: a risk, the design and release evidence, the stages."""
    officer, owner = auth("rita", "risk_officer"), auth("olga", "system_owner")
    r = httpx.post(stack.url("risk") + "/v1/risks", headers=officer, json={
        "system_id": system_id, "title": "Drift", "category": "robustness", "likelihood": 2,
        "consequence": 2, "affects": ["organisation"], "owner": "olga"})  # fmt: skip
    assert r.status_code == 201, r.text
    for controls in (["A.6.2.3", "A.7.4", "A.7.5"], ["A.6.2.4", "A.6.2.5", "A.6.2.7"]):
        r = httpx.post(stack.url("evidence") + "/v1/evidence", headers=owner, json={
            "kind": "document", "title": "dossier", "system_ids": [system_id],
            "control_ids": controls, "sha256": DIGEST, "uri": "https://docs/x"})  # fmt: skip
        assert r.status_code == 201, r.text
    stack.caught_up(int(r.headers["aims-position"]))  # the gates read risk and evidence facts
    for stage in ("design", "verification"):
        r = httpx.post(
            stack.url("registry") + f"/v1/systems/{system_id}/transitions",
            headers=owner,
            json={"to": stage, "reason": "gate evidence reviewed"},
        )
        assert r.status_code == 200, r.text


def test_the_mlops_path_denies_with_reasons_then_allows_and_records_the_deployment(stack):
    with AimsClient(token("olga", "system_owner"), urls=stack.urls) as owner, \
            AimsClient(token("ci", "mlops"), urls=stack.urls) as ci:  # fmt: skip
        system = owner.register_system(
            name="Credit scoring", purpose="score loans", owner="olga",
            eu_ai_act_tier="minimal", intended_use="decision support", key="sdk-credit",
        )  # fmt: skip
        again = owner.register_system(
            name="Credit scoring", purpose="score loans", owner="olga",
            eu_ai_act_tier="minimal", intended_use="decision support", key="sdk-credit",
        )  # fmt: skip
        assert again["id"] == system["id"], "the same key names the same system"
        mv = ci.register_model_version(system["id"], name="credit", version="7", digest=DIGEST,
                                       source_uri="s3://models/credit/7")  # fmt: skip
        assert mv["digest"] == DIGEST

        denied = ci.decide(system["id"], "7", "production")
        assert not denied.allowed
        assert {"stage_not_ready", "evidence_missing"} <= {r["code"] for r in denied.reasons}
        with pytest.raises(AimsError) as refused:
            ci.record_deployment(denied.decision_id)
        assert refused.value.status == 409

        satisfy_the_gate(stack, system["id"])
        allowed = ci.decide(system["id"], "7", "production")
        assert allowed.allowed and allowed.reasons == [] and allowed.policy_version
        deployed = ci.record_deployment(allowed.decision_id, notes="release 7")
        assert deployed["deployment"]["deployed_by"] == "ci"
        assert owner.get_system(system["id"])["model_versions"][0]["version"] == "7"


async def test_the_auditor_path_reads_the_trail_checks_integrity_and_exports_a_pack(
    stack, tmp_path
):
    with AimsClient(token("olga", "system_owner"), urls=stack.urls) as owner:
        system = owner.register_system(name="Chatbot", purpose="answer", owner="olga")
    async with AsyncAimsClient(token("ci", "mlops"), urls=stack.urls) as ci:
        denied = await ci.decide(system["id"], "1", "production")
        assert not denied.allowed and denied.reasons
        written = ci.position
    async with AsyncAimsClient(token("ada", "auditor"), urls=stack.urls) as auditor:
        await auditor.caught_up("evidence", written)  # the trail is a read model
        trail = [e async for e in auditor.audit_trail(system_id=system["id"], page_size=1)]
        assert [e["type"] for e in trail] == ["DeploymentDecisionMade", "SystemRegistered"]
        by_ci = [e async for e in auditor.audit_trail(actor="ci", type=["DeploymentDecisionMade"])]
        assert len(by_ci) == 1 and by_ci[0]["basis"] is not None
        report = await auditor.integrity()
        assert report["ok"] and report["events_verified"] >= 2
        pack = await auditor.export_audit_pack(tmp_path / "async.zip", system_id=system["id"])
        assert zipfile.is_zipfile(pack)
    with AimsClient(token("ada", "auditor"), urls=stack.urls) as auditor:
        assert [e["type"] for e in auditor.audit_trail(type="SystemRegistered")] == [
            "SystemRegistered"
        ]
        pack = auditor.export_audit_pack(tmp_path / "pack.zip", system_id=system["id"])
        names = set(zipfile.ZipFile(pack).namelist())
        assert {"events.jsonl", "manifest.json", "proofs.jsonl", "checkpoint.txt"} <= names
        key = httpx.get(stack.url("evidence") + "/v1/checkpoints/public-key",
                        headers=auth("ada", "auditor")).content  # fmt: skip
        assert verify_pack(pack, key).ok
        report = auditor.integrity()
        assert report["ok"] and report["checkpoints_verified"] >= 1
        with pytest.raises(AimsError) as missing:
            auditor.get_system("00000000-0000-0000-0000-000000000000")
        assert missing.value.status == 404


def test_a_write_is_retried_with_the_same_idempotency_key():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Idempotency-Key"])
        if len(seen) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(seen) == 2:
            return httpx.Response(503, json={"detail": "catching up"})
        return httpx.Response(200, json={"decision": "deny", "decision_id": "d", "reasons": [
            {"code": "x", "message": "y"}]})  # fmt: skip

    client = AimsClient("t", backoff=0, transport=httpx.MockTransport(handler))
    decision = client.decide("s", "1", "production")
    assert not decision.allowed and decision.reasons == [{"code": "x", "message": "y"}]
    assert len(seen) == 3 and len(set(seen)) == 1
