"""`POST /v1/integrations/mlflow/webhook`: MLflow deliveries, authenticated by HMAC, not JWT."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError

from services.registry.mlflow import handlers, queries
from services.registry.mlflow.domain import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    verify,
)
from services.registry.mlflow.handlers import DeliveryContext
from services.registry.mlflow.schemas import Delivery, WebhookOut
from services.registry.state import RegistryState, registry_state
from shared.http.deps import Repo
from shared.http.problems import Problem
from shared.kernel.requestctx import Actor

router = APIRouter(tags=["integrations"])
ACTOR = Actor("mlflow-webhook", frozenset({"integration"}))


def _header(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": True, "description": description,
            "schema": {"type": "string"}}  # fmt: skip


# The route reads the raw body (the signature covers its exact bytes), so FastAPI cannot
# see the body and headers it expects: they are written into the document here.
DOCUMENTED = {
    "parameters": [
        _header(SIGNATURE_HEADER, "`v1,<base64 HMAC-SHA256 of <delivery id>.<timestamp>.<body>>`"),
        _header(DELIVERY_HEADER, "MLflow's id of this delivery (redeliveries keep it)"),
        _header(TIMESTAMP_HEADER, "Unix seconds at which MLflow signed the delivery"),
    ],
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": Delivery.model_json_schema()}},
    },
}
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "unsigned, forged or stale delivery"},
    404: {"description": "no webhook secret is configured (`webhook_not_configured`)"},
    422: {"description": "a signed delivery that is not shaped as MLflow sends it"},
}


@router.post(
    "/v1/integrations/mlflow/webhook", response_model=WebhookOut,
    response_model_exclude_none=True, responses=RESPONSES, openapi_extra=DOCUMENTED,
)  # fmt: skip
async def mlflow_webhook(request: Request, repo: Repo) -> WebhookOut:
    """Record model versions, tags and aliases MLflow reports for a system claiming the model."""
    state = registry_state(request.app)
    secret = state.settings.mlflow_webhook_secret
    if not secret:
        raise Problem(404, "this registry has no MLflow webhook secret configured",
                      code="webhook_not_configured")  # fmt: skip
    body = await request.body()
    try:
        delivery_id = verify(
            secret, dict(request.headers), body, now=time.time(),
            max_age=state.settings.mlflow_webhook_max_age_seconds,
        )  # fmt: skip
        delivery = Delivery.model_validate_json(body)
    except SignatureError as exc:
        raise Problem(401, f"webhook rejected: {exc}", code="bad_signature") from exc
    except ValidationError as exc:
        raise _invalid("not an MLflow webhook delivery", exc) from exc
    name = str(delivery.data.get("name", ""))
    system_id = await queries.claimant(state.read_pool, name)
    if system_id is None and await _caught_up(state):
        system_id = await queries.claimant(state.read_pool, name)
    if system_id is None:
        return WebhookOut(status="ignored", reason=f"no AI system claims MLflow model {name!r}")
    try:
        cmd = delivery.to_command(system_id)
    except ValidationError as exc:
        raise _invalid(f"unexpected {delivery.kind} data", exc) from exc
    if cmd is None:
        return WebhookOut(system_id=system_id, event=delivery.kind, status="ignored",
                          reason=f"{delivery.kind} is not recorded")  # fmt: skip
    ctx = DeliveryContext(
        actor=ACTOR, service="registry", request_id=request.state.request_id,
        correlation_id=request.state.correlation_id, idempotency_key=f"mlflow:{delivery_id}",
    )  # fmt: skip
    receipt = await handlers.receive_delivery(cmd, ctx, repo)
    return WebhookOut(
        system_id=system_id, event=delivery.kind, model_version_id=receipt.model_version_id,
        status=receipt.status, reason=receipt.reason, position=receipt.position,
    )  # fmt: skip


async def _caught_up(state: RegistryState) -> bool:
    """Give a just-registered claim a moment to reach the read model."""
    return await state.runner.wait_for(await state.store.head_position(), 2.0)


def _invalid(detail: str, exc: ValidationError) -> Problem:
    errors = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
              for e in exc.errors()]  # fmt: skip
    return Problem(422, detail, code="validation", errors=errors)
