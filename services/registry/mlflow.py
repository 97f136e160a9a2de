"""MLflow model-registry webhooks: signature check (v1 scheme) and payload shapes.

MLflow signs each delivery with HMAC-SHA256 over `<delivery id>.<timestamp>.<body>`
using the webhook's secret, and sends `X-MLflow-Signature: v1,<base64 digest>` with
`X-MLflow-Delivery-Id` and `X-MLflow-Timestamp` (Unix seconds). The timestamp is signed,
so rejecting old ones stops a captured delivery from being replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from shared.kernel.requestctx import RequestContext

SIGNATURE_HEADER = "x-mlflow-signature"
TIMESTAMP_HEADER = "x-mlflow-timestamp"
DELIVERY_HEADER = "x-mlflow-delivery-id"
VERSION = "v1"
_NS = uuid.UUID("4b0f8a52-8c1e-4f35-9a3d-6f1c0e2d7b91")


class SignatureError(Exception):
    """The delivery is not authentic or not fresh (401)."""


def sign(secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    """The `X-MLflow-Signature` value MLflow sends for this delivery."""
    content = f"{delivery_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), content, hashlib.sha256).digest()
    return f"{VERSION},{base64.b64encode(digest).decode()}"


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: float, max_age: int) -> str:
    """The delivery id of an authentic, fresh delivery; raises SignatureError otherwise."""
    delivery_id = headers.get(DELIVERY_HEADER, "").strip()
    timestamp = headers.get(TIMESTAMP_HEADER, "").strip()
    given = headers.get(SIGNATURE_HEADER, "").split()
    if not delivery_id or not timestamp or not given or len(delivery_id) > 200:
        raise SignatureError("missing X-MLflow-Delivery-Id, X-MLflow-Timestamp or signature")
    expected = sign(secret, delivery_id, timestamp, body)
    if not any(hmac.compare_digest(expected.encode(), g.encode()) for g in given):
        raise SignatureError("signature does not match")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > max_age:
        raise SignatureError("timestamp is stale or in the future")
    return delivery_id


Short = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class Delivery(BaseModel):
    """The envelope MLflow posts: which entity, what happened, and its data."""

    model_config = ConfigDict(extra="ignore")
    entity: Short
    action: Short
    timestamp: str | None = None
    data: dict[str, Any]


class VersionCreated(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Short
    version: Short
    source: Annotated[str, StringConstraints(max_length=2000)] = ""
    run_id: str | None = None
    tags: dict[str, str] = {}


class VersionTagSet(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Short
    version: Short
    key: Short
    value: Annotated[str, StringConstraints(max_length=5000)]


class VersionAliasCreated(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Short
    version: Short
    alias: Short


def digest_of(tags: dict[str, str]) -> str:
    """A sha256 the model version carries in its tags (`sha256` or `digest`), else ''."""
    for key in ("sha256", "digest"):
        value = tags.get(key, "").strip().lower().removeprefix("sha256:")
        if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
            return value
    return ""


@dataclass(frozen=True)
class DeliveryContext(RequestContext):
    """Context of one webhook delivery: its event ids derive from the delivery id alone.

    A redelivery therefore produces the same event id whatever happened in between, and
    the event store answers it as a duplicate instead of writing a second event.
    """

    def event_id(self, stream_id: str, version: int) -> uuid.UUID | None:
        return uuid.uuid5(_NS, f"{self.idempotency_key}\n{stream_id}")
