"""End to end: a real `mlflow server` delivers a model-registry webhook to a real registry."""

from __future__ import annotations

import asyncio
import subprocess
import time

import httpx

from tests.support.procs import free_port, spawn
from tests.support.registry import OWNER, VIEWER, start_mlflow, wait_for_mlflow

SECRET = "mlflow-e2e-webhook-secret"
DIGEST = "c0ffee" + "0" * 58


def register_in_mlflow(tracking_uri: str, hook_url: str) -> None:
    """What a data scientist does: a webhook for new versions, then a model version."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    client.create_webhook(name="aims", url=hook_url, events=["model_version.created"],
                          secret=SECRET)  # fmt: skip
    client.create_registered_model("credit-scorer")
    client.create_model_version("credit-scorer", source="s3://models/credit-scorer/1",
                                tags={"sha256": DIGEST})  # fmt: skip


async def test_a_version_registered_in_mlflow_is_recorded_once_by_the_registry(
    database, tmp_path
):  # fmt: skip
    mlflow_port, registry_port = free_port(), free_port()
    mlflow_proc = start_mlflow(tmp_path, mlflow_port)  # starts while the registry starts
    try:
        registry = await asyncio.to_thread(
            spawn, "registry", database.url, registry_port, tmp_path,
            AIMS_MLFLOW_WEBHOOK_SECRET=SECRET, AIMS_LOG_LEVEL="WARNING",
        )  # fmt: skip
    except BaseException:
        mlflow_proc.kill()
        raise
    base = f"http://127.0.0.1:{registry_port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as c:
            r = await c.post("/v1/systems", headers=OWNER, json={
                "name": "Credit scoring", "purpose": "score loans", "owner": "alice",
                "mlflow_model_names": ["credit-scorer"]})  # fmt: skip
            assert r.status_code == 201, r.text
            system = r.json()["id"]
            tracking = f"http://127.0.0.1:{mlflow_port}"
            await asyncio.to_thread(wait_for_mlflow, mlflow_proc, f"{tracking}/health",
                                    tmp_path / "mlflow.log")  # fmt: skip
            await asyncio.to_thread(register_in_mlflow, tracking,
                                    f"{base}/v1/integrations/mlflow/webhook")  # fmt: skip
            deadline = time.monotonic() + 60  # MLflow calls the webhook; a loaded machine is slow
            versions: list = []
            while not versions and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                got = await c.get(f"/v1/systems/{system}/model-versions", headers=VIEWER)
                versions = got.json()
            assert [(v["name"], v["version"], v["source"], v["digest"]) for v in versions] == [
                ("credit-scorer", "1", "mlflow", DIGEST)]  # fmt: skip
            hist = (await c.get(f"/v1/systems/{system}/history", headers=VIEWER)).json()
            assert [e["type"] for e in hist["items"]].count("ModelVersionRegistered") == 1
    finally:
        for proc in (registry, mlflow_proc):
            proc.terminate()
        for proc in (registry, mlflow_proc):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
