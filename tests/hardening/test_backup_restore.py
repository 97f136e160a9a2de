"""pg_dump under write load, restore into a fresh PostgreSQL: the chain verifies and
rebuilt read models equal the caught-up ones."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg
import httpx

from shared.kernel.eventstore.verify import verify_database
from shared.platform import db, embedded
from tests.support.apps import auth
from tests.support.readmodels import catch_up, fingerprint


def pg_tool(name: str) -> str:
    from pgserver._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


async def test_a_dump_taken_under_load_restores_verifies_and_replays_identically(
    service, database, tmp_path
):
    owner = auth("alice", "system_owner")
    stop = asyncio.Event()
    acknowledged = 0

    async def load(c: httpx.AsyncClient) -> None:
        nonlocal acknowledged
        i = 0
        while not stop.is_set():
            body = {"name": f"sys {i}", "purpose": "p", "owner": "alice"}
            r = await c.post("/v1/systems", headers=owner, json=body)
            assert r.status_code == 201
            acknowledged, i = acknowledged + 1, i + 1

    async with service("registry") as c:
        writer = asyncio.create_task(load(c))
        while acknowledged < 20:
            await asyncio.sleep(0.01)
        before_dump = acknowledged
        dump = tmp_path / "aims.dump"
        proc = await asyncio.create_subprocess_exec(
            pg_tool("pg_dump"), "-Fc", "-f", str(dump), database.admin_url
        )
        assert await proc.wait() == 0
        # keep writing until at least one more write lands after the dump finished, so the
        # dump's snapshot was taken while writes were going on
        after_dump = acknowledged
        while acknowledged <= after_dump:
            await asyncio.sleep(0.01)
        stop.set()
        await writer

    fresh = embedded.start(tmp_path / "restored" / "pg")
    try:
        await embedded.bootstrap(fresh)  # the database and the services' role
        admin = await asyncpg.connect(fresh.admin_url)
        await admin.execute("CREATE ROLE aims_reporting NOLOGIN")  # roles the grants name
        await admin.close()
        subprocess.run(
            [pg_tool("pg_restore"), "--no-owner", "-d", fresh.admin_url, str(dump)], check=True
        )
        report = await verify_database(fresh.admin_url)
        assert report.ok and report.events_verified >= before_dump
        assert report.events_verified < acknowledged  # the later writes are not in the dump
        conn = await asyncpg.connect(fresh.admin_url)
        await db.init_connection(conn)
        try:
            await catch_up(conn)
            caught_up = await fingerprint(conn)
        finally:
            await conn.close()
        # the read models rebuilt by `aims replay` equal the caught-up ones
        env = {**os.environ, "AIMS_DATABASE_URL": fresh.admin_url}
        done = subprocess.run(
            [sys.executable, "-m", "services.cli.main", "replay"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert "evidence.audit_trail: " in done.stderr and "risk.reactor: a reactor" in done.stderr
        pool = await db.create_pool(fresh.admin_url, size=2, timeout=60)
        try:
            assert await fingerprint(pool) == caught_up
            registered = "SELECT count(*) FROM events WHERE type = 'SystemRegistered'"
            assert await pool.fetchval("SELECT count(*) FROM registry_system") == (
                await pool.fetchval(registered)
            )
        finally:
            await pool.close()
    finally:
        fresh.stop()
