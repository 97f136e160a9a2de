"""The embedded PostgreSQL asks every connection for a scram-sha-256 password: the superuser
is not open to every local process, and the services only ever see the application role."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from shared.platform import embedded
from shared.platform.config import Settings
from shared.platform.runtime import Database, open_database, service_env

NO_PASSFILE = "/nonexistent/aims-test-pgpass"


@pytest.fixture(autouse=True)
def _no_ambient_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """No password may come from the environment or ~/.pgpass: only from what a test passes."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", NO_PASSFILE)


@pytest.fixture(scope="module")
def aims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """What `aims up` opens: the embedded cluster in a fresh data dir, bootstrapped, migrated."""
    data = tmp_path_factory.mktemp("aims-data")
    database = open_database(Settings(data_dir=data, database_url=None))
    yield database
    database.stop()


def pg_of(database: Database) -> embedded.EmbeddedPostgres:
    assert database.embedded is not None
    return database.embedded


def bare(pg: embedded.EmbeddedPostgres, user: str, password: str | None = None) -> str:
    """A URL for `user` over the cluster's unix socket, with exactly the password given."""
    secret = f":{password}" if password is not None else ""
    return f"postgresql://{user}{secret}@/postgres?host={pg.socket_dir}"


async def refused(url: str | None, **kw: Any) -> None:
    with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError):
        conn = await asyncpg.connect(url, passfile=NO_PASSFILE, **kw)
        await conn.close()


def pg_tool(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    from pgserver._commands import POSTGRES_BIN_PATH

    user = "pgserver" if os.geteuid() == 0 else None  # postgres refuses to run as root
    return subprocess.run([str(POSTGRES_BIN_PATH / tool), *args], user=user, text=True,
                          capture_output=True, timeout=60)  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_the_superuser_without_its_password_is_refused_on_the_socket(aims: Database) -> None:
    pg = pg_of(aims)
    await refused(bare(pg, "postgres"))
    await refused(bare(pg, "postgres", "wrong-password"))
    await refused(bare(pg, "aims_app"))
    await refused(bare(pg, "postgres", pg.app_password))  # one role's password is not another's
    # libpq's own client, never prompting, is refused the same way
    from pgserver._commands import POSTGRES_BIN_PATH

    psql = subprocess.run(
        [str(POSTGRES_BIN_PATH / "psql"), "-w", "-h", pg.socket_dir, "-U", "postgres",
         "-d", "postgres", "-c", "SELECT 1"],
        capture_output=True, text=True, timeout=30,
        env=dict(os.environ),  # without PGPASSWORD, PGPASSFILE pointing nowhere
    )  # fmt: skip
    assert psql.returncode != 0
    assert "password" in psql.stderr


async def test_with_its_password_the_superuser_connects_and_nothing_is_trusted(
    aims: Database,
) -> None:
    pg = pg_of(aims)
    assert "postgres:" in aims.admin_url and pg.superuser_password in aims.admin_url
    conn = await asyncpg.connect(aims.admin_url, passfile=NO_PASSFILE)
    try:
        assert await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert await conn.fetchval("SHOW password_encryption") == "scram-sha-256"
        rules = await conn.fetch("SELECT type, auth_method, error FROM pg_hba_file_rules")
        assert {r["type"] for r in rules} >= {"local", "host"}
        assert {r["auth_method"] for r in rules} == {"scram-sha-256"}  # no trust line left
        assert all(r["error"] is None for r in rules)
        stored = await conn.fetch(
            "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY($1::text[])",
            ["postgres", "aims_app"],
        )
        assert len(stored) == 2
        assert all(r["rolpassword"].startswith("SCRAM-SHA-256$") for r in stored)
    finally:
        await conn.close()
    hba = (pg.pgdata / "pg_hba.conf").read_text()
    assert embedded.hba_is_strict(hba)
    assert "trust" not in {w for line in hba.splitlines() if not line.startswith("#")
                           for w in line.split()}  # fmt: skip


async def test_the_services_role_connects_with_its_password_and_cannot_change_events(
    aims: Database,
) -> None:
    pg = pg_of(aims)
    assert "aims_app:" in aims.app_url and pg.app_password in aims.app_url
    assert pg.superuser_password not in aims.app_url
    conn = await asyncpg.connect(aims.app_url, passfile=NO_PASSFILE)
    try:
        assert await conn.fetchval("SELECT current_user") == "aims_app"
        assert not await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = 'aims_app'")
        assert await conn.fetchval("SELECT count(*) FROM events") >= 0  # it may read
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM events")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE events SET type = type")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("TRUNCATE events")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("SET session_replication_role = replica")
    finally:
        await conn.close()


def test_the_password_files_are_0600_beside_the_pg_directory(aims: Database) -> None:
    pg = pg_of(aims)
    su, app = embedded.password_files(pg.pgdata)
    assert su.parent == app.parent == pg.pgdata.parent  # in the data dir, not inside PGDATA
    assert su.name == "pg_superuser.password" and app.name == "pg_aims_app.password"
    for path, secret in ((su, pg.superuser_password), (app, pg.app_password)):
        assert path.stat().st_mode & 0o777 == 0o600
        assert path.stat().st_uid == os.geteuid()
        assert path.read_text().strip() == secret and len(secret) >= 40
    assert pg.superuser_password != pg.app_password
    assert not list(pg.pgdata.rglob("*.password"))


def test_the_environment_of_a_service_child_holds_no_superuser_password(
    aims: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.cli import main as cli

    pg = pg_of(aims)
    monkeypatch.setenv("PGPASSWORD", pg.superuser_password)
    monkeypatch.setenv("AIMS_MIGRATION_DATABASE_URL", aims.admin_url)
    monkeypatch.setenv("AIMS_SOMETHING_ELSE", f"prefix-{pg.superuser_password}-suffix")
    monkeypatch.setenv("AIMS_KEEP_ME", "kept")
    seen: list[dict[str, str]] = []

    class Popen:
        def __init__(self, cmd: list[str], env: dict[str, str]) -> None:
            seen.append(env)

    monkeypatch.setattr("services.cli.main.subprocess.Popen", Popen)
    settings = Settings(data_dir=pg.pgdata.parent, database_url=None)
    for service in ("registry", "risk", "evidence", "console"):
        cli._spawn(service, settings, aims)
    assert len(seen) == 4
    for env in seen:
        assert not [k for k, v in env.items() if pg.superuser_password in v]
        assert "AIMS_MIGRATION_DATABASE_URL" not in env and "PGPASSWORD" not in env
        assert env["AIMS_DATABASE_URL"] == aims.app_url
        assert env["AIMS_DATA_DIR"] == str(pg.pgdata.parent.resolve())
        assert env["AIMS_KEEP_ME"] == "kept" and env["PATH"] == os.environ["PATH"]


async def test_what_a_service_child_gets_is_enough_to_connect_as_the_app_role(
    aims: Database,
) -> None:
    env = service_env(aims, Path("/data"), {"PATH": "/bin"})
    conn = await asyncpg.connect(env["AIMS_DATABASE_URL"], passfile=NO_PASSFILE)
    try:
        assert await conn.fetchval("SELECT current_user") == "aims_app"
    finally:
        await conn.close()


def test_service_env_with_a_configured_server_drops_only_the_migration_credentials() -> None:
    owner = "owner-password-0123456789"
    database = Database(
        "postgresql://aims_app:app-secret@db.example/aims",
        f"postgresql://schema_owner:{owner}@db.example/aims",
    )
    env = service_env(database, Path("/data"), {
        "AIMS_MIGRATION_DATABASE_URL": database.admin_url, "PGPASSWORD": "app-secret",
        "OWNER_COPY": owner, "AIMS_DATABASE_READ_URL": "postgresql://aims_app:r@replica/aims",
    })  # fmt: skip
    assert env == {
        "PGPASSWORD": "app-secret",  # the services' own password may stay
        "AIMS_DATABASE_READ_URL": "postgresql://aims_app:r@replica/aims",
        "AIMS_DATABASE_URL": database.app_url,
        "AIMS_DATA_DIR": "/data",
    }
    same = Database("postgresql://u:p@h/aims", "postgresql://u:p@h/aims")
    assert service_env(same, Path("/d"), {"PATH": "p"})["PATH"] == "p"


async def test_a_restart_from_the_same_data_directory_keeps_the_passwords(tmp_path: Path) -> None:
    pg = embedded.start(tmp_path / "pg")
    first = (pg.superuser_password, pg.app_password)
    await embedded.bootstrap(pg)
    pg.stop()
    pg = embedded.start(tmp_path / "pg")
    try:
        assert (pg.superuser_password, pg.app_password) == first
        await refused(bare(pg, "postgres"))
        conn = await asyncpg.connect(pg.url(), passfile=NO_PASSFILE)  # the aims database
        assert await conn.fetchval("SELECT current_database()") == "aims"
        await conn.close()
        conn = await asyncpg.connect(pg.app_url, passfile=NO_PASSFILE)
        await conn.close()
    finally:
        pg.stop()
    assert not (tmp_path / "pg" / "postmaster.pid").exists()  # pgserver's stop still works


async def test_over_tcp_the_superuser_needs_its_password_too(tmp_path: Path) -> None:
    pg = embedded.start(tmp_path / "pg")
    pg.stop()
    # pgserver listens on the socket only; start the same cluster on a TCP port as well
    port = free_port()
    started = pg_tool("pg_ctl", "-D", str(pg.pgdata), "-w", "-l", str(pg.pgdata / "log"),
                      "-o", f"-h 127.0.0.1 -p {port} -k {pg.pgdata}", "start")  # fmt: skip
    assert started.returncode == 0, started.stderr
    try:
        tcp = {"host": "127.0.0.1", "port": port, "database": "postgres"}
        await refused(None, user="postgres", **tcp)
        await refused(None, user="postgres", password="wrong", **tcp)
        await refused(None, user="aims_app", **tcp)
        conn = await asyncpg.connect(user="postgres", password=pg.superuser_password,
                                     passfile=NO_PASSFILE, **tcp)  # fmt: skip
        assert await conn.fetchval("SELECT inet_server_port()") == port
        await conn.close()
        conn = await asyncpg.connect(user="aims_app", password=pg.app_password,
                                     passfile=NO_PASSFILE, **tcp)  # fmt: skip
        await conn.close()
    finally:
        stopped = pg_tool("pg_ctl", "-D", str(pg.pgdata), "-w", "-m", "fast", "stop")
        assert stopped.returncode == 0, stopped.stderr


async def test_a_trust_data_directory_of_an_earlier_version_is_upgraded_on_start(
    tmp_path: Path,
) -> None:
    from pgserver.postgres_server import get_server

    pgdata = tmp_path / "pg"
    pgdata.mkdir()
    old = get_server(pgdata, cleanup_mode="stop")  # what earlier versions of aims did
    socket_dir = str(old.get_postmaster_info().socket_dir)
    conn = await asyncpg.connect(f"postgresql://postgres@/postgres?host={socket_dir}")
    await conn.execute("CREATE ROLE aims_app LOGIN")
    await conn.execute("CREATE DATABASE aims")
    await conn.close()
    assert "trust" in (pgdata / "pg_hba.conf").read_text()
    old.cleanup()
    # a start interrupted halfway before left a password file (too open): it is reused
    su_file, app_file = embedded.password_files(pgdata)
    su_file.write_text("an-earlier-generated-superuser-password\n")
    su_file.chmod(0o644)

    pg = embedded.start(pgdata)
    try:
        assert not embedded.hba_is_strict("local all all trust\n")
        assert embedded.hba_is_strict((pgdata / "pg_hba.conf").read_text())
        assert pg.superuser_password == "an-earlier-generated-superuser-password"
        assert su_file.stat().st_mode & 0o777 == 0o600
        assert app_file.stat().st_mode & 0o777 == 0o600
        await refused(bare(pg, "postgres"))
        await refused(bare(pg, "aims_app"))
        conn = await asyncpg.connect(pg.url(), passfile=NO_PASSFILE)  # its old aims database
        assert await conn.fetchval("SELECT current_database()") == "aims"
        await conn.close()
        conn = await asyncpg.connect(pg.app_url, passfile=NO_PASSFILE)
        assert await conn.fetchval("SELECT current_user") == "aims_app"
        await conn.close()
    finally:
        pg.stop()
    pg = embedded.start(pgdata)  # and it starts again, strict, with the same passwords
    try:
        assert pg.superuser_password == "an-earlier-generated-superuser-password"
        await refused(bare(pg, "postgres"))
    finally:
        pg.stop()


def test_hba_strictness_is_judged_rule_by_rule() -> None:
    strict = embedded.STRICT_HBA
    assert embedded.hba_is_strict(strict)
    assert embedded.hba_is_strict("host all all 10.0.0.1 255.255.255.255 scram-sha-256\n")
    assert embedded.hba_is_strict(strict + "host all all 0.0.0.0/0 reject\n")
    for weak in ("trust", "md5", "password", "peer", "ident"):
        assert not embedded.hba_is_strict(strict + f"local all all {weak}\n")
        assert not embedded.hba_is_strict(strict + f"host all all 10.0.0.1 255.0.0.0 {weak}\n")
    assert not embedded.hba_is_strict(strict + "include other.conf\n")
    assert not embedded.hba_is_strict("# only comments\n")
