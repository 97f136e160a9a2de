"""Embedded tokens (`aims token`): audience, lifetime cap, secret length, one name per person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from typer.testing import CliRunner

from services.cli.main import app as cli
from shared.http.auth import AuthError, decode_token, ensure_key, issue_token, load_key
from shared.platform.config import Settings
from tests.support.apps import SECRET, app_of, auth
from tests.support.readmodels import fingerprint

SYSTEM = {"name": "Credit scoring", "purpose": "score loan applications", "owner": "erin"}


def test_subjects_are_trimmed_and_case_folded_when_issued():
    claims = jwt.decode(
        issue_token(SECRET, "  Erin ", ["viewer"], timedelta(hours=1)),
        SECRET,
        algorithms=["HS256"],
        audience="aims",
    )
    assert claims["sub"] == "erin"
    assert claims["aud"] == "aims"


def test_subjects_are_case_folded_when_verified_too():
    now = datetime.now(UTC)
    old = jwt.encode(
        {"sub": "Erin", "roles": ["viewer"], "aud": "aims", "exp": now + timedelta(hours=1)},
        SECRET,
        algorithm="HS256",
    )
    assert (
        decode_token(SECRET, old).sub
        == decode_token(SECRET, auth("erin", "viewer")["Authorization"][7:]).sub
    )


def test_a_token_without_the_aims_audience_is_refused():
    exp = datetime.now(UTC) + timedelta(hours=1)
    for extra in ({}, {"aud": "someone-else"}):
        token = jwt.encode(
            {"sub": "erin", "roles": ["admin"], "exp": exp, **extra}, SECRET, algorithm="HS256"
        )
        with pytest.raises(AuthError) as refused:
            decode_token(SECRET, token)
        assert refused.value.status == 401


@pytest.mark.parametrize("ttl", [timedelta(hours=24, seconds=1), timedelta(0), timedelta(days=-1)])
def test_a_lifetime_beyond_a_day_or_not_positive_is_refused(ttl):
    with pytest.raises(ValueError, match="24h"):
        issue_token(SECRET, "erin", ["viewer"], ttl)


def test_an_empty_subject_is_refused():
    with pytest.raises(ValueError, match="empty"):
        issue_token(SECRET, "   ", ["viewer"], timedelta(hours=1))


def test_a_short_secret_is_refused_for_issuing_and_for_starting(tmp_path):
    with pytest.raises(RuntimeError, match="at least 32"):
        issue_token("short-secret", "erin", ["viewer"], timedelta(hours=1))
    short = Settings(jwt_secret="short-secret", data_dir=tmp_path)
    for use in (ensure_key, load_key):
        with pytest.raises(RuntimeError, match="AIMS_JWT_SECRET is 12 characters"):
            use(short)
    key_file = tmp_path / "jwt.key"
    key_file.write_text("tiny\n")
    with pytest.raises(RuntimeError, match="at least 32"):
        load_key(Settings(jwt_key_file=key_file))


def test_a_generated_key_file_is_long_enough(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert ensure_key(settings) == load_key(settings)


def test_aims_token_refuses_a_lifetime_beyond_a_day_and_a_short_secret(tmp_path, monkeypatch):
    from shared.platform.config import get_settings

    monkeypatch.setenv("AIMS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AIMS_JWT_SECRET", SECRET)
    get_settings.cache_clear()
    try:
        ok = CliRunner().invoke(
            cli, ["token", "--sub", " Erin", "--role", "viewer", "--ttl", "24h"]
        )
        assert ok.exit_code == 0, ok.output
        assert (
            jwt.decode(ok.output.strip(), SECRET, algorithms=["HS256"], audience="aims")["sub"]
            == "erin"
        )
        long = CliRunner().invoke(
            cli, ["token", "--sub", "erin", "--role", "viewer", "--ttl", "2d"]
        )
        assert long.exit_code == 1 and "at most 24h" in long.output
        monkeypatch.setenv("AIMS_JWT_SECRET", "short-secret")
        get_settings.cache_clear()
        short = CliRunner().invoke(cli, ["token", "--sub", "erin", "--role", "viewer"])
        assert short.exit_code == 1 and "at least 32" in short.output
    finally:
        get_settings.cache_clear()


async def test_erin_and_erin_are_one_person_to_the_services(service):
    async with service("registry") as c:
        r = await c.post("/v1/systems", json=SYSTEM, headers=auth("Erin", "system_owner"))
        assert r.status_code == 201, r.text
        metadata = await app_of(c).state.pool.fetchval(
            "SELECT metadata->'actor'->>'sub' FROM events LIMIT 1"
        )
        assert metadata == "erin"


async def test_a_token_without_audience_gets_a_401_and_writes_nothing(service):
    token = jwt.encode(
        {"sub": "erin", "roles": ["admin"], "exp": datetime.now(UTC) + timedelta(hours=1)},
        SECRET,
        algorithm="HS256",
    )
    async with service("registry") as c:
        pool = app_of(c).state.pool
        before = (await pool.fetchval("SELECT count(*) FROM events"), await fingerprint(pool))
        r = await c.post("/v1/systems", json=SYSTEM, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert (
            await pool.fetchval("SELECT count(*) FROM events"),
            await fingerprint(pool),
        ) == before
