"""Python SDK for aims: `AsyncAimsClient`, and `AimsClient` for blocking code.

Every request is retried on connection errors and 5xx answers; a write keeps the same
Idempotency-Key across its retries, so a retry never records anything twice. Pass your
own `key` to make a write idempotent across runs of your pipeline too. A gate deny is an
answer, not an error: `decide()` returns a `Decision` whose `allowed` is False and whose
`reasons` say why. Any other 4xx raises `AimsError` with the problem document; a service
that never answers raises `ServiceUnreachable` (an `httpx.TransportError`).

    with AimsClient(token=TOKEN) as aims:
        system = aims.register_system(name="Credit scoring", purpose="...", owner="alice")
        aims.register_model_version(system["id"], name="credit", version="7", digest=SHA256,
                                    source_uri="s3://models/credit/7")
        decision = aims.decide(system["id"], "7", "production")
        if not decision.allowed:
            for reason in decision.reasons:
                print(reason["code"], reason["message"])
"""

from services.sdk._async import AsyncAimsClient
from services.sdk._errors import AimsError, ServiceUnreachable
from services.sdk._models import Decision
from services.sdk._sync import AimsClient
from services.sdk._urls import DEFAULT_URLS, service_urls

__all__ = [
    "DEFAULT_URLS",
    "AimsClient",
    "AimsError",
    "AsyncAimsClient",
    "Decision",
    "ServiceUnreachable",
    "service_urls",
]
