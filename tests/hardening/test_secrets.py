"""Secrets stay secret: tokens, webhook secrets and uploaded content never reach the logs;
signing keys are created readable by their owner only."""

from __future__ import annotations

import uuid

import httpx

from tests.support.apps import token
from tests.support.procs import free_port, spawn, stop


def test_tokens_webhook_secrets_and_uploads_never_appear_in_logs(database, tmp_path):
    secret = f"whsec-{uuid.uuid4().hex}"
    marker = f"confidential-{uuid.uuid4().hex}"
    tok = token("alice", "admin")
    ports = {"registry": free_port(), "evidence": free_port()}
    procs = [spawn(name, database.url, port, tmp_path, AIMS_MLFLOW_WEBHOOK_SECRET=secret,
                   AIMS_LOG_LEVEL="DEBUG") for name, port in ports.items()]  # fmt: skip
    try:
        h = {"Authorization": f"Bearer {tok}"}
        reg, ev = (f"http://127.0.0.1:{p}" for p in ports.values())
        body = {"name": "s", "purpose": "p", "owner": "alice"}
        headers = {**h, "Idempotency-Key": tok[-20:]}
        system = httpx.post(f"{reg}/v1/systems", headers=headers, json=body).json()
        httpx.get(f"{reg}/v1/systems", headers={"Authorization": f"Bearer {tok}x"})  # a 401
        httpx.post(f"{reg}/v1/integrations/mlflow/webhook", content=b"{}", headers={
            "X-MLflow-Signature": f"v1,{secret}", "X-MLflow-Delivery-Id": "d1",
            "X-MLflow-Timestamp": "1"})  # fmt: skip
        up = httpx.post(f"{ev}/v1/evidence", headers=h, files={
            "file": ("report.txt", marker.encode() * 100, "text/plain")}, data={
            "kind": "test_report", "title": "t", "system_ids": system["id"],
            "collected_at": "2026-01-01T00:00:00Z"})  # fmt: skip
        assert up.status_code == 201, up.text
        content = httpx.get(f"{ev}/v1/evidence/{up.json()['id']}/content", headers=h)
        assert marker in content.text
        cp = httpx.post(f"{ev}/v1/checkpoints", headers=h)
        assert cp.status_code in (200, 201), cp.text
    finally:
        stop(*procs)
    logs = "".join(f.read_text(errors="replace") for f in tmp_path.glob("*.log"))
    assert "request" in logs  # the logs were captured at all
    for leaked in (tok, tok.split(".")[2], secret, marker):
        assert leaked not in logs
    key = tmp_path / "checkpoint_ed25519.pem"
    assert key.exists() and key.stat().st_mode & 0o777 == 0o600
