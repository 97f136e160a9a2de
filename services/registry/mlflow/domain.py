"""MLflow model-registry webhooks: the signature check (v1 scheme) and digests from tags.

MLflow signs each delivery with HMAC-SHA256 over `<delivery id>.<timestamp>.<body>`
using the webhook's secret, and sends `X-MLflow-Signature: v1,<base64 digest>` with
`X-MLflow-Delivery-Id` and `X-MLflow-Timestamp` (Unix seconds). The timestamp is signed,
so rejecting old ones stops a captured delivery from being replayed later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Literal

SIGNATURE_HEADER = "x-mlflow-signature"
TIMESTAMP_HEADER = "x-mlflow-timestamp"
DELIVERY_HEADER = "x-mlflow-delivery-id"
VERSION = "v1"
# What became of a delivery: recorded, duplicate (a redelivery), unchanged or ignored.
Outcome = Literal["recorded", "duplicate", "unchanged", "ignored"]


class SignatureError(Exception):
    """The delivery is not authentic or not fresh (401)."""


def sign(secret: str, delivery_id: str, timestamp: str, body: bytes) -> str:
    """The `X-MLflow-Signature` value MLflow sends for this delivery."""
    content = f"{delivery_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), content, hashlib.sha256).digest()
    return f"{VERSION},{base64.b64encode(digest).decode()}"


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float, max_age: int
) -> str:
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


def digest_of(tags: Mapping[str, str]) -> str:
    """A sha256 the model version carries in its tags (`sha256` or `digest`), else ''."""
    for key in ("sha256", "digest"):
        value = tags.get(key, "").strip().lower().removeprefix("sha256:")
        if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
            return value
    return ""
