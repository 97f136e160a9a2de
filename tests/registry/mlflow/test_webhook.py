"""The MLflow webhook in-process: HMAC v1 signatures, stale timestamps, redeliveries, claims."""

import json
import time
import uuid

import pytest

from services.registry.mlflow import domain as mlflow
from tests.support.registry import VIEWER, register
from tests.support.registry import WEBHOOK_SECRET as SECRET


def delivery(entity, action, data, *, secret=SECRET, at=None, delivery_id=None):
    """Body and headers exactly as MLflow sends them."""
    body = json.dumps({"entity": entity, "action": action,
                       "timestamp": "2025-06-01T00:00:00+00:00", "data": data})  # fmt: skip
    delivery_id = delivery_id or str(uuid.uuid4())
    ts = str(int(at if at is not None else time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-MLflow-Delivery-Id": delivery_id,
        "X-MLflow-Timestamp": ts,
        "X-MLflow-Signature": mlflow.sign(secret, delivery_id, ts, body.encode()),
    }
    return body, headers  # fmt: skip


def created(name, version="1", at=None, secret=SECRET, **tags):
    data = {"name": name, "version": version, "source": f"models:/{name}/{version}",
            "run_id": "r1", "tags": tags, "description": None}  # fmt: skip
    return delivery("model_version", "created", data, at=at, secret=secret)


HOOK = "/v1/integrations/mlflow/webhook"


async def claiming(c, name):
    """A system claiming the MLflow model `name`, once the claim is in the read model the
    webhook looks it up in (its own wait for a just-registered claim is short)."""
    s = await register(c, mlflow_model_names=[name])
    r = await c.get(f"/v1/systems?min_position={s['aims_position']}&limit=1", headers=VIEWER)
    assert r.status_code == 200, r.text
    return s


@pytest.fixture
def fraud():
    """A registered-model name no other test claims."""
    return f"fraud-{uuid.uuid4()}"


def test_signatures_match_the_ones_mlflow_computes():
    from mlflow.webhooks.delivery import _generate_hmac_signature

    body = '{"entity": "model_version"}'
    assert mlflow.sign(SECRET, "d-1", "1700000000", body.encode()) == _generate_hmac_signature(
        SECRET, "d-1", "1700000000", body
    )


async def test_a_model_version_is_attached_to_the_system_claiming_its_name(registry, fraud):
    c = registry
    s = await claiming(c, fraud)
    body, headers = created(fraud, sha256="ab" * 32)
    r = await c.post(HOOK, content=body, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "recorded", r.text
    (mv,) = (await c.get(f"/v1/systems/{s['id']}/model-versions", headers=VIEWER)).json()
    assert (mv["name"], mv["version"], mv["source"], mv["digest"]) == (
        fraud, "1", "mlflow", "ab" * 32)  # fmt: skip
    hist = (await c.get(f"/v1/systems/{s['id']}/history", headers=VIEWER)).json()["items"]
    assert hist[-1]["actor"] == "mlflow-webhook"


async def test_a_redelivery_writes_no_second_event(registry, fraud):
    c = registry
    s = await claiming(c, fraud)
    body, headers = created(fraud)
    await c.post(HOOK, content=body, headers=headers)
    tag_body, tag_headers = delivery("model_version_tag", "set", {
        "name": fraud, "version": "1", "key": "stage", "value": "a"})  # fmt: skip
    assert (await c.post(HOOK, content=tag_body, headers=tag_headers)).json()["status"] == (
        "recorded"
    )
    again_body, again_headers = delivery("model_version_tag", "set", {
        "name": fraud, "version": "1", "key": "stage", "value": "b"})  # fmt: skip
    await c.post(HOOK, content=again_body, headers=again_headers)
    for b, h in ((body, headers), (tag_body, tag_headers)):
        r = await c.post(HOOK, content=b, headers=h)
        assert r.status_code == 200 and r.json()["status"] in ("duplicate", "unchanged")
    hist = (await c.get(f"/v1/systems/{s['id']}/history", headers=VIEWER)).json()["items"]
    types = [e["type"] for e in hist]
    assert types.count("ModelVersionRegistered") == 1 and types.count("ModelVersionTagSet") == 2
    (mv,) = (await c.get(f"/v1/systems/{s['id']}/model-versions", headers=VIEWER)).json()
    assert mv["tags"]["stage"] == "b"


async def test_an_alias_is_recorded_on_the_version(registry, fraud):
    c = registry
    s = await claiming(c, fraud)
    body, headers = created(fraud)
    await c.post(HOOK, content=body, headers=headers)
    body, headers = delivery(
        "model_version_alias", "created", {"name": fraud, "alias": "champion", "version": "1"}
    )
    assert (await c.post(HOOK, content=body, headers=headers)).json()["status"] == "recorded"
    (mv,) = (await c.get(f"/v1/systems/{s['id']}/model-versions", headers=VIEWER)).json()
    assert mv["aliases"] == ["champion"]


async def test_unsigned_forged_or_stale_deliveries_are_401(registry, fraud):
    c = registry
    s = await register(c, mlflow_model_names=[fraud])
    body, headers = created(fraud)
    forged = {**headers, "X-MLflow-Signature": "v1,AAAA"}
    stale_body, stale = created(fraud, at=time.time() - 3600)
    _, other = created(fraud, secret="another-secret")
    unsigned = {k: v for k, v in headers.items() if k != "X-MLflow-Signature"}
    for b, h in ((body, forged), (stale_body, stale), (body, other), (body, unsigned),
                 (body + " ", headers)):  # fmt: skip
        r = await c.post(HOOK, content=b, headers=h)
        assert r.status_code == 401, (h, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    mvs = (await c.get(f"/v1/systems/{s['id']}/model-versions", headers=VIEWER)).json()
    assert mvs == []


async def test_an_unclaimed_model_or_other_events_are_accepted_and_ignored(registry, fraud):
    c = registry
    body, headers = created("nobody-claims-me")
    r = await c.post(HOOK, content=body, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "ignored"
    await register(c, mlflow_model_names=[fraud])
    body, headers = delivery("registered_model", "created", {"name": fraud, "tags": {}})
    r = await c.post(HOOK, content=body, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "ignored"


async def test_a_signed_delivery_that_is_not_mlflow_shaped_is_422(registry, fraud):
    c = registry
    await claiming(c, fraud)
    body, headers = delivery("model_version", "created", {"name": fraud})
    assert (await c.post(HOOK, content=body, headers=headers)).status_code == 422
    ts, did = str(int(time.time())), "d-2"
    raw = b"not json"
    headers = {"X-MLflow-Delivery-Id": did, "X-MLflow-Timestamp": ts,
               "X-MLflow-Signature": mlflow.sign(SECRET, did, ts, raw)}  # fmt: skip
    assert (await c.post(HOOK, content=raw, headers=headers)).status_code == 422


async def test_without_a_configured_secret_the_webhook_refuses_everything(service):
    async with service("registry") as c:
        body, headers = created("fraud")
        assert (await c.post(HOOK, content=body, headers=headers)).status_code == 404
