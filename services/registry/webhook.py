"""`POST /v1/integrations/mlflow/webhook`: MLflow deliveries, authenticated by HMAC, not JWT."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError

from services.registry import handlers, mlflow, queries
from shared.http.deps import Repo, Store
from shared.http.problems import Problem
from shared.kernel.requestctx import Actor

router = APIRouter(tags=["integrations"])
ACTOR = Actor("mlflow-webhook", frozenset({"integration"}))


@router.post("/v1/integrations/mlflow/webhook")
async def mlflow_webhook(request: Request, repo: Repo, store: Store) -> dict[str, Any]:
    """Record model versions, tags and aliases MLflow reports for a system claiming the model."""
    settings = request.app.state.settings
    if not settings.mlflow_webhook_secret:
        raise Problem(503, "the MLflow webhook secret is not configured", code="not_configured")
    body = await request.body()
    try:
        delivery_id = mlflow.verify(
            settings.mlflow_webhook_secret, dict(request.headers), body,
            now=time.time(), max_age=settings.mlflow_webhook_max_age_seconds,
        )  # fmt: skip
        delivery = mlflow.Delivery.model_validate_json(body)
    except mlflow.SignatureError as exc:
        raise Problem(401, f"webhook rejected: {exc}", code="bad_signature") from exc
    except ValidationError as exc:
        raise _invalid("not an MLflow webhook delivery", exc) from exc
    name = str(delivery.data.get("name", ""))
    system_id = await queries.claimant(request.app.state.read_pool, name)
    if system_id is None and await _caught_up(request, store):
        system_id = await queries.claimant(request.app.state.read_pool, name)
    if system_id is None:
        return {"status": "ignored", "reason": f"no AI system claims MLflow model {name!r}"}
    ctx = mlflow.DeliveryContext(
        actor=ACTOR, service="registry", request_id=request.state.request_id,
        correlation_id=request.state.correlation_id, idempotency_key=f"mlflow:{delivery_id}",
    )  # fmt: skip
    try:
        return await handlers.receive_mlflow_delivery(repo, ctx, system_id, delivery)
    except ValidationError as exc:
        raise _invalid(f"unexpected {delivery.entity}.{delivery.action} data", exc) from exc


async def _caught_up(request: Request, store: Store) -> bool:
    """Give a just-registered claim a moment to reach the read model."""
    runner = request.app.state.runner
    return bool(await runner.wait_for(await store.head_position(), 2.0))


def _invalid(detail: str, exc: ValidationError) -> Problem:
    errors = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
              for e in exc.errors()]  # fmt: skip
    return Problem(422, detail, code="validation", errors=errors)
