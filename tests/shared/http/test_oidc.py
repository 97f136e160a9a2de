"""Bearer tokens from a real OpenID provider (npm oidc-provider) started by the tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from shared.http.auth import load_key
from shared.platform.config import Settings
from tests.support import oidc
from tests.support.apps import app_of, auth
from tests.support.readmodels import fingerprint

PEOPLE = {
    "Erin-7f3": {"groups": ["aims-owners", "not-mapped"], "name": "Erin Example"},
    "outsider": {"groups": ["not-mapped"], "name": "Out Sider"},
    "brief": {"groups": ["aims-owners"], "ttl": 1},
}
ROLE_MAP = {"aims-owners": ["system_owner", "viewer"], "aims-auditors": "auditor"}
SYSTEM = {"name": "Credit scoring", "purpose": "score loan applications", "owner": "Erin-7f3"}
KEY1 = oidc.rsa_jwk("k1")


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[oidc.Provider]:
    p = oidc.Provider(oidc.install(), tmp_path_factory.mktemp("oidc"), PEOPLE)
    p.start([KEY1])
    yield p
    p.stop()


def settings(provider: oidc.Provider, tmp_path: Path, **more: Any) -> dict[str, Any]:
    role_map = tmp_path / "roles.yaml"
    role_map.write_text(json.dumps(ROLE_MAP))  # JSON is YAML too
    return {
        "oidc_issuer": provider.issuer, "oidc_audience": "urn:aims",
        "oidc_role_map": role_map, "oidc_leeway_seconds": 0, **more,
    }  # fmt: skip


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(provider: oidc.Provider, **more: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "Erin-7f3", "iss": provider.issuer, "aud": "urn:aims", "iat": now,
            "exp": now + 300, "groups": ["aims-owners"], **more}  # fmt: skip


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_public_key(provider: oidc.Provider) -> str:
    """The classic confusion: HMAC keyed with the provider's public key (PEM)."""
    public = jwt.PyJWK(KEY1).key.public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    body = b64(json.dumps(claims(provider)).encode())
    sig = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


async def log_and_models(c: httpx.AsyncClient) -> tuple[int, dict[str, str]]:
    pool = app_of(c).state.pool
    return await pool.fetchval("SELECT count(*) FROM events"), await fingerprint(pool)


async def test_a_provider_token_is_accepted_and_its_groups_become_roles(
    service, provider, tmp_path
):
    async with service("registry", **settings(provider, tmp_path)) as c:
        r = await c.post("/v1/systems", json=SYSTEM, headers=bearer(provider.token("Erin-7f3")))
        assert r.status_code == 201, r.text
        metadata = await app_of(c).state.pool.fetchval("SELECT metadata::text FROM events LIMIT 1")
        assert json.loads(metadata)["actor"]["sub"] == "Erin-7f3"  # the provider's sub, as is
        assert json.loads(metadata)["actor"]["roles"] == ["system_owner", "viewer"]


async def test_groups_missing_from_the_role_map_grant_nothing(service, provider, tmp_path):
    async with service("registry", **settings(provider, tmp_path)) as c:
        r = await c.get("/v1/systems", headers=bearer(provider.token("outsider")))
        assert r.status_code == 403


async def test_every_token_the_provider_did_not_mean_for_us_is_refused_and_writes_nothing(
    service, provider, tmp_path
):
    other = oidc.Provider(provider.home, tmp_path, PEOPLE)  # same keys, another issuer
    other.start([KEY1])
    try:
        wrong_issuer = other.token("Erin-7f3")
    finally:
        other.stop()
    stranger = oidc.rsa_jwk("k9")
    refused = {
        "wrong audience": provider.token("Erin-7f3", resource="urn:other"),
        "wrong issuer": wrong_issuer,
        "unknown key": jwt.encode(
            claims(provider), jwt.PyJWK(stranger).key, "RS256", headers={"kid": "k9"}
        ),  # fmt: skip
        "alg none": jwt.encode(claims(provider), "", "none", headers={"kid": "k1"}),
        "HS256 keyed with the public key": hs256_with_public_key(provider),
        "not a JWT": "Erin-7f3",
    }
    async with service("registry", **settings(provider, tmp_path)) as c:
        before = await log_and_models(c)
        for why, token in refused.items():
            r = await c.post("/v1/systems", json=SYSTEM, headers=bearer(token))
            assert r.status_code == 401, why
            assert r.headers["content-type"].startswith("application/problem+json")
        r = await c.post("/v1/systems", json=SYSTEM, headers=auth("erin", "admin"))
        assert r.status_code == 401  # embedded tokens mean nothing once OIDC is on
        assert await log_and_models(c) == before


async def test_an_expired_provider_token_is_refused(service, provider, tmp_path):
    token = provider.token("brief")  # lives one second; no leeway in this test
    async with service("registry", **settings(provider, tmp_path)) as c:
        time.sleep(2.1)
        r = await c.get("/v1/systems", headers=bearer(token))
        assert r.status_code == 401
        assert "expired" in r.json()["detail"]


async def test_a_key_rotated_at_the_provider_is_picked_up_without_a_restart(
    service, provider, tmp_path
):
    async with service(
        "registry", **settings(provider, tmp_path, oidc_jwks_min_refresh_seconds=0)
    ) as c:
        assert (
            await c.get("/v1/systems", headers=bearer(provider.token("Erin-7f3")))
        ).status_code == 200
        provider.restart([oidc.rsa_jwk("k2"), KEY1])  # the new key signs; the old still verifies
        try:
            token = provider.token("Erin-7f3")
            assert jwt.get_unverified_header(token)["kid"] == "k2"
            assert (await c.get("/v1/systems", headers=bearer(token))).status_code == 200
        finally:
            provider.restart([KEY1])


async def test_a_flood_of_unknown_key_ids_fetches_the_keys_at_most_once_per_interval(
    service, provider, tmp_path
):
    async with service("registry", **settings(provider, tmp_path)) as c:
        assert (
            await c.get("/v1/systems", headers=bearer(provider.token("Erin-7f3")))
        ).status_code == 200
        verifier = app_of(c).state.oidc
        fetched = verifier.fetches
        key = jwt.PyJWK(oidc.rsa_jwk("kx")).key
        for _ in range(25):
            kid = uuid.uuid4().hex
            token = jwt.encode(claims(provider), key, "RS256", headers={"kid": kid})
            assert (await c.get("/v1/systems", headers=bearer(token))).status_code == 401
        assert verifier.fetches - fetched <= 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"oidc_audience": None}, "AIMS_OIDC_AUDIENCE"),
        ({"oidc_roles_claim": "departments"}, "AIMS_OIDC_ROLES_CLAIM"),
        ({"oidc_role_map": Path("/nonexistent/roles.yaml")}, "AIMS_OIDC_ROLE_MAP"),
    ],
)
def test_a_service_refuses_to_start_with_an_incomplete_oidc_configuration(overrides, message):
    values = {"oidc_issuer": "https://idp.example", "oidc_audience": "urn:aims", **overrides}
    with pytest.raises(RuntimeError, match=message):
        load_key(Settings(**values))


def test_a_role_map_naming_an_unknown_aims_role_is_refused(tmp_path):
    role_map = tmp_path / "roles.yaml"
    role_map.write_text("aims-owners: [system_owner, superuser]\n")
    values = {
        "oidc_issuer": "https://idp.example",
        "oidc_audience": "urn:aims",
        "oidc_role_map": role_map,
    }
    with pytest.raises(RuntimeError, match="superuser"):
        load_key(Settings(**values))


async def test_an_idempotency_key_is_scoped_to_the_provider_subject(service, provider, tmp_path):
    async with service("registry", **settings(provider, tmp_path)) as c:
        headers = {**bearer(provider.token("Erin-7f3")), "Idempotency-Key": "register-once"}
        first = await c.post("/v1/systems", json=SYSTEM, headers=headers)
        again = await c.post("/v1/systems", json=SYSTEM, headers=headers)
        assert first.status_code == again.status_code == 201, first.text
        assert first.json()["id"] == again.json()["id"]
        assert await app_of(c).state.pool.fetchval("SELECT count(*) FROM events") == 1
