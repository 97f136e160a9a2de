"""Scaling past one process: reads from a streaming-replication standby with freshness, and
replicas of each service sharing one database with each projection run exactly once."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import asyncpg
import pytest

from services import all_projections
from shared.platform import db, embedded
from tests.support.apps import app_of, auth, running, settings_for

OWNER = auth("alice", "system_owner")


def pg_run(tool: str, *args: str) -> None:
    from pgserver._commands import POSTGRES_BIN_PATH

    user = "pgserver" if os.geteuid() == 0 else None  # initdb/postgres refuse to run as root
    subprocess.run([str(POSTGRES_BIN_PATH / tool), *args], check=True, user=user,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)  # fmt: skip


@pytest.fixture
def standby(tmp_path):
    """A primary (embedded) and a hot standby streaming from it."""
    primary = embedded.start(tmp_path / "primary" / "pg")
    root = Path(tempfile.mkdtemp(prefix="aims-sb-"))
    data = root / "data"
    if os.geteuid() == 0:
        pw = pwd.getpwnam("pgserver")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        root.chmod(0o755)
    source = f"host={primary.socket_dir} user=postgres password={primary.superuser_password}"
    pg_run("pg_basebackup", "-D", str(data), "-R", "-X", "stream", "-d", source)
    pg_run("pg_ctl", "-D", str(data), "-w", "-l", str(root / "log"),
           "-o", f"-k {root} -h ''", "start")  # fmt: skip
    try:
        yield primary, root
    finally:
        pg_run("pg_ctl", "-D", str(data), "-w", "-m", "fast", "stop")
        shutil.rmtree(root, ignore_errors=True)
        primary.stop()


async def test_lists_are_served_from_the_standby_and_min_position_makes_them_fresh(
    standby, tmp_path
):
    primary, socket_dir = standby
    await embedded.bootstrap(primary)
    await db.migrate(primary.admin_url)
    read_url = f"postgresql://{embedded.APP_ROLE}:{primary.app_password}@/aims?host={socket_dir}"
    settings = settings_for(primary.app_url, tmp_path / "data", database_read_url=read_url)
    async with running("registry", settings) as c:
        assert await app_of(c).state.read_pool.fetchval("SELECT pg_is_in_recovery()") is True
        assert await app_of(c).state.pool.fetchval("SELECT pg_is_in_recovery()") is False
        for i in range(5):
            r = await c.post("/v1/systems", headers=OWNER,
                             json={"name": f"s{i}", "purpose": "p", "owner": "alice"})  # fmt: skip
            assert r.status_code == 201
            listed = await c.get(
                f"/v1/systems?min_position={r.headers['aims-position']}", headers=OWNER
            )
            assert listed.status_code == 200
            assert listed.json()["items"][0]["name"] == f"s{i}"  # the write is visible there
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            await app_of(c).state.read_pool.execute("DELETE FROM registry_system")


async def test_two_replicas_of_each_service_run_every_projection_exactly_once(database, tmp_path):
    apps = []
    try:
        for name in ("registry", "risk", "evidence"):
            for replica in range(2):
                settings = settings_for(database.url, tmp_path / f"{name}{replica}")
                ctx = running(name, settings)
                apps.append((ctx, await ctx.__aenter__()))
        c = apps[0][1]
        r = await c.post("/v1/systems", headers=OWNER,
                         json={"name": "x", "purpose": "p", "owner": "alice"})  # fmt: skip
        head = int(r.headers["aims-position"])
        for _, client in apps:
            assert await app_of(client).state.runner.wait_for(head, 15)
        owned: dict[str, int] = {}
        for _, client in apps:
            for proj in app_of(client).state.runner.owned:
                owned[proj] = owned.get(proj, 0) + 1
        assert owned == {p.name: 1 for p in all_projections()}
    finally:
        for ctx, _ in reversed(apps):
            await ctx.__aexit__(None, None, None)
