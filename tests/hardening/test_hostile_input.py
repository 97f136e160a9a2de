"""Hostile input: generated requests from each service's own OpenAPI spec, plus explicit
nasty cases. Nothing gets a 5xx; responses match the spec."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from tests.support import pg
from tests.support.apps import auth
from tests.support.procs import free_port, spawn

ADMIN = auth("fuzzer", "admin")
CHECKS = (not_a_server_error, response_schema_conformance, content_type_conformance)


async def _live(name: str, pg_server: pg.Server, tmp_path_factory):
    database = await pg.create_database(pg_server)
    port = free_port()
    proc = spawn(name, database.url, port, tmp_path_factory.mktemp(name),
                 AIMS_MLFLOW_WEBHOOK_SECRET="fuzz-secret")  # fmt: skip
    try:
        yield schemathesis.openapi.from_url(f"http://127.0.0.1:{port}/openapi.json")
    finally:
        proc.terminate()
        proc.wait()
        await pg.drop_database(pg_server, database)


@pytest.fixture(scope="module")
async def registry_api(pg_server, tmp_path_factory):
    async for schema in _live("registry", pg_server, tmp_path_factory):
        yield schema


@pytest.fixture(scope="module")
async def risk_api(pg_server, tmp_path_factory):
    async for schema in _live("risk", pg_server, tmp_path_factory):
        yield schema


@pytest.fixture(scope="module")
async def evidence_api(pg_server, tmp_path_factory):
    async for schema in _live("evidence", pg_server, tmp_path_factory):
        yield schema


FUZZ = settings(
    max_examples=8, deadline=None, derandomize=True,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip


def fuzz(schema) -> list[str]:
    """Run bounded generated cases against every operation; returns the failures."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case) -> None:
            case.call_and_validate(headers=ADMIN, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:400]}")
    return failures


def test_registry_survives_generated_requests(registry_api):
    assert fuzz(registry_api) == []


def test_risk_survives_generated_requests(risk_api):
    assert fuzz(risk_api) == []


def test_evidence_survives_generated_requests(evidence_api):
    assert fuzz(evidence_api) == []
