"""HTTP conventions every service shares: problem+json, auth, ETags, idempotency, freshness."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI

from shared.domain import errors
from shared.http import problems
from tests.support.apps import SECRET, auth, settings_for, token

SYSTEM = {"name": "Credit scoring", "purpose": "score loan applications", "owner": "alice"}
OWNER = auth("alice", "system_owner")


def assert_problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert {"type", "title", "status", "detail"} <= body.keys() and body["status"] == status
    assert "Traceback" not in r.text
    return body


async def event_count(c) -> int:
    return await c.app.state.pool.fetchval("SELECT count(*) FROM events")


async def test_missing_expired_forged_and_unsigned_tokens_get_401(service):
    async with service("registry") as c:
        expired = token("alice", "admin", ttl=timedelta(seconds=-5))
        forged = jwt.encode({"sub": "alice", "roles": ["admin"], "exp": 2**40}, "other-key-" * 4)
        unsigned = jwt.encode({"sub": "alice", "roles": ["admin"], "exp": 2**40}, None, "none")  # type: ignore[arg-type]  # alg none takes no key
        tampered = token("alice", "viewer")[:-3] + "abc"
        for headers in ({}, {"Authorization": "Bearer " + expired},
                        {"Authorization": "Bearer " + forged},
                        {"Authorization": "Bearer " + unsigned},
                        {"Authorization": "Bearer " + tampered},
                        {"Authorization": "Basic YWxpY2U6cHc="}):  # fmt: skip
            r = await c.post("/v1/systems", json=SYSTEM, headers=headers)
            assert_problem(r, 401)
            assert r.headers["www-authenticate"] == "Bearer"
        assert await event_count(c) == 0


async def test_a_role_without_access_gets_403_and_writes_nothing(service):
    async with service("registry") as c:
        r = await c.post("/v1/systems", json=SYSTEM, headers=auth("vic", "viewer"))
        assert_problem(r, 403)
        assert await event_count(c) == 0


async def test_validation_errors_name_the_fields_and_write_nothing(service):
    async with service("registry") as c:
        bad = {**SYSTEM, "name": "", "eu_ai_act_tier": "galactic", "surprise": 1}
        body = assert_problem(await c.post("/v1/systems", json=bad, headers=OWNER), 422)
        fields = {e["loc"][-1] for e in body["errors"]}
        assert {"name", "eu_ai_act_tier", "surprise"} <= fields
        r = await c.post("/v1/systems", content=b"\xff\xfe{", headers={
            **OWNER, "content-type": "application/json"})  # fmt: skip
        assert_problem(r, 400)  # not JSON at all: a bad request, not a validation error
        assert await event_count(c) == 0


async def test_nul_characters_get_422_and_write_nothing(service):
    async with service("registry") as c:
        bad = {**SYSTEM, "purpose": "nul \u0000 inside"}
        assert_problem(await c.post("/v1/systems", json=bad, headers=OWNER), 422)
        assert await event_count(c) == 0
        for query in ("owner=%00", "owner=a%00b", "tag=x%00"):
            assert_problem(await c.get(f"/v1/systems?{query}", headers=OWNER), 422)


async def test_sql_and_script_looking_strings_are_stored_and_returned_verbatim(service):
    async with service("registry") as c:
        nasty = "'; DROP TABLE events; -- <script>alert(1)</script> ünï \\u0000"
        r = await c.post("/v1/systems", json={**SYSTEM, "name": nasty[:200]}, headers=OWNER)
        assert r.status_code == 201
        got = await c.get(r.headers["location"], headers=OWNER)
        assert got.json()["name"] == nasty[:200].strip()


async def test_deeply_nested_json_is_refused_without_a_5xx(service):
    async with service("registry") as c:
        deep = "[" * 5000 + "]" * 5000
        r = await c.post("/v1/systems", content=deep, headers={
            **OWNER, "content-type": "application/json"})  # fmt: skip
        assert r.status_code in (400, 422)
        assert await event_count(c) == 0


async def test_unknown_ids_get_404_and_malformed_ids_422(service):
    async with service("registry") as c:
        viewer = auth("v", "viewer")
        assert_problem(await c.get(f"/v1/systems/{'0' * 8}-0000-0000-0000-{'0' * 12}",
                                   headers=viewer), 404)  # fmt: skip
        assert_problem(await c.get("/v1/systems/not-a-uuid", headers=viewer), 422)
        assert_problem(await c.get("/v1/nowhere", headers=viewer), 404)


async def test_a_stale_if_match_gets_412_and_a_current_one_succeeds(service):
    async with service("registry") as c:
        created = await c.post("/v1/systems", json=SYSTEM, headers=OWNER)
        url, etag = created.headers["location"], created.headers["etag"]
        ok = await c.patch(url, json={"name": "v2"}, headers={**OWNER, "If-Match": etag})
        assert ok.status_code == 200 and ok.headers["etag"] != etag
        stale = await c.patch(url, json={"name": "v3"}, headers={**OWNER, "If-Match": etag})
        assert_problem(stale, 412)
        assert (await c.get(url, headers=OWNER)).json()["name"] == "v2"


async def test_an_idempotency_key_retry_replays_the_response_and_writes_one_event(service):
    async with service("registry") as c:
        headers = {**OWNER, "Idempotency-Key": "create-credit-1"}
        first = await c.post("/v1/systems", json=SYSTEM, headers=headers)
        again = await c.post("/v1/systems", json=SYSTEM, headers=headers)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert await event_count(c) == 1
        other = await c.post("/v1/systems", json={**SYSTEM, "name": "x"}, headers=headers)
        assert_problem(other, 422)
        assert await event_count(c) == 1


async def test_concurrent_requests_with_one_idempotency_key_write_one_event(service):
    async with service("registry") as c:
        headers = {**OWNER, "Idempotency-Key": "burst-1"}
        rs = await asyncio.gather(*(c.post("/v1/systems", json=SYSTEM, headers=headers)
                                    for _ in range(10)))  # fmt: skip
        assert {r.status_code for r in rs} == {201}
        assert len({r.json()["id"] for r in rs}) == 1
        assert await event_count(c) == 1


async def test_writes_carry_aims_position_and_min_position_waits_for_projections(service):
    async with service("registry") as c:
        positions = []
        for i in range(3):
            r = await c.post("/v1/systems", json={**SYSTEM, "name": f"s{i}"}, headers=OWNER)
            positions.append(int(r.headers["aims-position"]))
        assert positions == sorted(positions)
        listed = await c.get(f"/v1/systems?min_position={positions[-1]}", headers=OWNER)
        assert [s["name"] for s in listed.json()["items"]] == ["s2", "s1", "s0"]


async def test_lists_are_cursor_paginated_newest_first(service):
    async with service("registry") as c:
        for i in range(5):
            r = await c.post("/v1/systems", json={**SYSTEM, "name": f"s{i}"}, headers=OWNER)
        pos = r.headers["aims-position"]
        names, cursor = [], None
        while True:
            q = f"/v1/systems?limit=2&min_position={pos}" + (f"&cursor={cursor}" if cursor else "")
            page = (await c.get(q, headers=OWNER)).json()
            names += [s["name"] for s in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert names == ["s4", "s3", "s2", "s1", "s0"]
        assert_problem(await c.get("/v1/systems?cursor=%%%", headers=OWNER), 400)


async def test_request_and_correlation_ids_reach_the_event_metadata(service):
    async with service("registry") as c:
        r = await c.post("/v1/systems", json=SYSTEM, headers={
            **OWNER, "X-Request-ID": "req-42", "X-Correlation-ID": "corr-7"})  # fmt: skip
        assert r.headers["x-request-id"] == "req-42"
        meta = await c.app.state.pool.fetchval("SELECT metadata FROM events")
        assert meta["request_id"] == "req-42" and meta["correlation_id"] == "corr-7"
        assert meta["actor"] == {"sub": "alice", "roles": ["system_owner"]}
        assert meta["source"] == "registry"


async def test_oversized_bodies_get_413(service):
    async with service("registry", max_body_bytes=1000) as c:
        big = {**SYSTEM, "purpose": "x" * 5000}
        assert_problem(await c.post("/v1/systems", json=big, headers=OWNER), 413)
        assert await event_count(c) == 0


async def test_health_readiness_and_metrics(service):
    async with service("registry") as c:
        assert (await c.get("/healthz")).json() == {"status": "ok"}
        assert (await c.get("/readyz")).status_code == 200
        await c.post("/v1/systems", json=SYSTEM, headers=OWNER)
        metrics = (await c.get("/metrics")).text
        assert "aims_http_requests_total" in metrics
        assert 'aims_projection_lag_events{projection="registry.system_list"}' in metrics


async def test_an_unreachable_database_gets_503_problem_json(tmp_path):
    from tests.support.apps import running

    settings = settings_for("postgresql://aims_app@/aims?host=/nonexistent", tmp_path,
                            db_timeout=1.0)  # fmt: skip
    async with running("registry", settings) as c:
        assert_problem(await c.post("/v1/systems", json=SYSTEM, headers=OWNER), 503)
        assert_problem(await c.get("/v1/systems", headers=OWNER), 503)
        assert (await c.get("/readyz")).status_code == 503
        assert (await c.get("/healthz")).status_code == 200


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (errors.NotFound("gone"), 404),
        (errors.Conflict("no"), 409),
        (errors.NotAllowed("sod"), 403),
        (errors.Invalid("bad"), 422),
        (problems.Problem(400, "bad"), 400),
        (RuntimeError("secret internals"), 500),
    ],
)
async def test_every_error_kind_is_problem_json_and_500s_leak_nothing(exc, status):
    from shared.http.middleware import RequestMiddleware

    app = FastAPI()
    problems.install(app)
    app.add_middleware(RequestMiddleware, service="t", max_body=1000, body_limits={})

    @app.get("/boom")
    async def boom() -> None:
        raise exc

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        r = await c.get("/boom")
    assert_problem(r, status)
    assert "secret internals" not in r.text
    assert SECRET not in r.text
