"""The SDK's contract, without services: retries, errors, the blocking twin, shared tokens."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from services.sdk import AimsClient, AimsError, AsyncAimsClient, ServiceUnreachable

DENY = {"decision": "deny", "decision_id": "d", "reasons": [{"code": "x", "message": "y"}]}


def test_a_key_still_in_progress_is_retried_with_the_same_key_and_other_4xx_raise():
    keys: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 1:
            return httpx.Response(409, json={"code": "idempotency_in_progress"})
        if len(keys) == 2:
            return httpx.Response(200, json=DENY, headers={"aims-position": "12"})
        return httpx.Response(409, json={"detail": "the decision is a deny", "code": "denied"})

    with AimsClient("t", backoff=0, transport=httpx.MockTransport(handler)) as aims:
        assert not aims.decide("s", "1", "production").allowed
        assert len(keys) == 2 and len(set(keys)) == 1
        assert aims.position == 12
        with pytest.raises(AimsError) as refused:
            aims.record_deployment("d")
    assert refused.value.status == 409 and refused.value.problem["code"] == "denied"
    assert refused.value.service == "registry" and len(keys) == 3


def test_a_validation_problem_reads_as_one_line_naming_its_fields():
    problem = {"detail": "invalid request: as_of", "errors": [{"loc": ["query", "as_of"]}]}
    transport = httpx.MockTransport(lambda r: httpx.Response(422, json=problem))
    with AimsClient("t", transport=transport) as aims, pytest.raises(AimsError) as bad:
        aims.get_system("x", as_of="not a time")
    assert bad.value.detail == "invalid request: as_of (as_of)"
    assert bad.value.request is not None and bad.value.request.url.params["as_of"] == "not a time"


def test_a_service_that_never_answers_is_named_after_every_retry():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    urls, transport = {"evidence": "http://evidence.invalid"}, httpx.MockTransport(refuse)
    with (
        AimsClient("t", urls, retries=2, backoff=0, transport=transport) as aims,
        pytest.raises(ServiceUnreachable) as down,
    ):
        aims.integrity()
    assert (down.value.service, down.value.url) == ("evidence", "http://evidence.invalid")
    assert isinstance(down.value, httpx.TransportError), "callers catching httpx errors still do"


async def test_the_blocking_client_works_inside_a_running_event_loop():
    pages = {None: {"items": [1, 2], "next_cursor": "c"}, "c": {"items": [3]}}
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, json=pages[r.url.params.get("cursor")])
    )
    with AimsClient("t", transport=transport) as aims:
        seen: list[object] = list(aims.audit_trail(page_size=2))
        assert seen == [1, 2, 3]
        first: Any = aims.systems()
        assert next(first) == 1
        first.close()
    await asyncio.sleep(0)


async def test_a_client_for_another_token_shares_the_connections_and_the_position():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(201, json={}, headers={"aims-position": str(len(seen))})

    async with AsyncAimsClient("alice", transport=httpx.MockTransport(handler)) as alice:
        bob = alice.with_token("bob")
        await bob.post("risk", "/v1/risks", {"title": "x"}, key="k")
        await bob.close()  # leaves the connections to alice
        await alice.post("risk", "/v1/risks", {"title": "y"})
        assert seen == ["Bearer bob", "Bearer alice"]
        assert alice.position == bob.position == 2
