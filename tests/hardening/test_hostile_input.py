"""Hostile input: every check schemathesis has, against each service's own OpenAPI
document. Nothing gets a 5xx, schema-valid requests are accepted, invalid ones refused,
and the answers match the documents."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import pg
from tests.support.apps import token
from tests.support.procs import free_port, spawn, stop

ROOT = Path(__file__).resolve().parents[2]
ST = str(Path(sys.executable).parent / "st")
# Every role some route asks for, so each operation is reached (separation of duties holds).
FUZZER = token("fuzzer", "admin", "approver", "risk_officer", "auditor")


async def schemathesis_run(name: str, pg_server: pg.Server, tmp_path: Path) -> str:
    """`st run` with all checks on (its default) and the service's per-operation exceptions
    (tests/<service>/schemathesis.toml: each turns one check off for one operation, with
    the reason written beside it)."""
    database = await pg.create_database(pg_server)
    port = free_port()
    proc = spawn(name, database.url, port, tmp_path, AIMS_MLFLOW_WEBHOOK_SECRET="fuzz-secret",
                 AIMS_CHECKPOINT_INTERVAL_SECONDS="0")  # fmt: skip
    config = ROOT / "tests" / name / "schemathesis.toml"
    try:
        done = subprocess.run(
            [ST, *(["--config-file", str(config)] if config.exists() else []), "run",
             f"http://127.0.0.1:{port}/openapi.json", "-H",
             f"Authorization: Bearer {FUZZER}",
             "--max-examples", "6", "--seed", "1", "--workers", "1",
             "--generation-deterministic", "--no-color"],
            capture_output=True, text=True, timeout=900, cwd=tmp_path,
        )  # fmt: skip
    finally:
        stop(proc)
        await pg.drop_database(pg_server, database)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("name", ["registry", "risk", "evidence"])
async def test_every_schemathesis_check_passes(name, pg_server, tmp_path):
    await schemathesis_run(name, pg_server, tmp_path)
