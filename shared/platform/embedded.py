"""The private PostgreSQL that `aims up` and the tests start when no server is configured.

Every connection to it, over the unix socket or TCP, authenticates with a scram-sha-256
password: pg_hba.conf has no `trust` line. The passwords are generated on first start and kept
beside the pg directory (not inside PGDATA, so a copy of PGDATA does not carry them), readable
by their owner only:

- `<data dir>/pg_superuser.password`: the `postgres` superuser's, used only by the process that
  bootstraps and migrates (`aims up`, `aims migrate`, the tests' setup);
- `<data dir>/pg_aims_app.password`: the services' limited role `aims_app`, which the services
  receive inside their AIMS_DATABASE_URL.

A data directory an earlier aims created with pgserver's `trust` configuration is upgraded the
same way on its next start.

How this fits pgserver: pgserver runs `initdb --auth=trust` and starts the server itself, but it
never opens a database connection on the paths aims uses. `pg_ctl -w start` waits by reading
postmaster.pid (PostgreSQL >= 10 no longer connects to check), pgserver's readiness loop reads
postmaster.pid too, and its cleanup runs `pg_ctl -w stop`, which signals the postmaster and
waits for the pid file to go. Only `PostgresServer.psql()` connects (without a password), and
aims never calls it; `get_uri()` carries no password, so aims takes only the socket directory
from it. So pgserver needs no password and none is put into any process environment (no
PGPASSWORD, no pgpass file): the passwords travel only inside the connection URLs aims builds.
The passwords are set while the fresh (or old) cluster still trusts local connections, right
after pgserver's start; then pg_hba.conf is rewritten and the configuration reloaded.
"""

from __future__ import annotations

import asyncio
import fcntl
import ipaddress
import logging
import os
import secrets
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import asyncpg

SUPERUSER = "postgres"
APP_ROLE = "aims_app"
DATABASE = "aims"
SUPERUSER_PASSWORD_FILE = "pg_superuser.password"
APP_PASSWORD_FILE = "pg_aims_app.password"

# The whole pg_hba.conf of the embedded cluster: a password for everyone, everywhere.
STRICT_HBA = """\
# Written by aims: every connection authenticates with a scram-sha-256 password.
# The passwords are in pg_superuser.password and pg_aims_app.password beside this pg directory.
# TYPE  DATABASE        USER            ADDRESS                 METHOD
local   all             all                                     scram-sha-256
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
local   replication     all                                     scram-sha-256
host    replication     all             127.0.0.1/32            scram-sha-256
host    replication     all             ::1/128                 scram-sha-256
"""
STRICT_METHODS = {"scram-sha-256", "reject"}

logging.getLogger("pgserver").setLevel(logging.WARNING)
T = TypeVar("T")


@dataclass
class EmbeddedPostgres:
    """A running pgserver instance and the URLs to reach it."""

    pgdata: Path
    server: Any  # pgserver.PostgresServer (the package ships no type information)
    socket_dir: str
    superuser_password: str = field(repr=False)
    app_password: str = field(repr=False)

    def url(self, user: str = SUPERUSER, database: str = DATABASE) -> str:
        """A URL for `user` over the unix socket, with its password for the two known roles."""
        password = {SUPERUSER: self.superuser_password, APP_ROLE: self.app_password}.get(user)
        return _url(self.socket_dir, user, password, database)

    @property
    def admin_url(self) -> str:
        return self.url()

    @property
    def app_url(self) -> str:
        return self.url(APP_ROLE)

    def stop(self) -> None:
        """Stop PostgreSQL (fast shutdown: running transactions roll back)."""
        self.server.cleanup()


def password_files(pgdata: Path) -> tuple[Path, Path]:
    """Where the superuser's and the application role's passwords of `pgdata` are kept."""
    data_dir = pgdata.parent
    return data_dir / SUPERUSER_PASSWORD_FILE, data_dir / APP_PASSWORD_FILE


def start(pgdata: Path) -> EmbeddedPostgres:
    """Start (initialising on first use) PostgreSQL in `pgdata`, password-protected."""
    # pgserver keeps a lock file in the runtime directory; keep it beside the data.
    run = pgdata.parent.resolve() / "run"
    run.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(run))
    from pgserver.postgres_server import get_server

    server = get_server(pgdata, cleanup_mode="stop")
    host = dict(p.split("=", 1) for p in urlsplit(server.get_uri()).query.split("&"))["host"]
    try:
        # one process at a time decides the passwords of a data directory
        with open(run / "pg_auth.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            su, app = _run(secure(Path(server.pgdata), host))
    except BaseException:
        server.cleanup()
        raise
    return EmbeddedPostgres(Path(server.pgdata), server, host, su, app)


async def bootstrap(pg: EmbeddedPostgres, database: str = DATABASE) -> None:
    """Create the aims database and the limited application role if missing."""
    conn = await asyncpg.connect(pg.url(database="postgres"))
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", APP_ROLE):
            await _set_app_role(conn, pg.app_password)
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()


async def secure(pgdata: Path, socket_dir: str) -> tuple[str, str]:
    """Make the running cluster in `pgdata` require scram passwords; returns (superuser, app).

    A cluster whose pg_hba.conf is already strict keeps its passwords (only a missing
    application password is made anew). Otherwise (pgserver's fresh `trust` cluster, or one an
    earlier aims made) the passwords are set over the still-trusted socket, then pg_hba.conf is
    replaced and the configuration reloaded.
    """
    su_file, app_file = password_files(pgdata)
    hba = pgdata / "pg_hba.conf"
    if hba_is_strict(hba.read_text()):
        su = read_secret(su_file)
        if su is None:
            raise RuntimeError(
                f"{hba} requires passwords but {su_file} is missing: restore it from a backup "
                "of the data directory (or set `local all postgres trust` in pg_hba.conf once "
                "and start again to have a new one generated)"
            )
        app = read_secret(app_file)
        if app is None:
            app = write_secret(app_file, new_password())
            conn = await asyncpg.connect(_url(socket_dir, SUPERUSER, su))
            try:
                await _set_app_role(conn, app)
            finally:
                await conn.close()
        return su, app
    # Still trusting local connections: keep passwords that exist (a start interrupted halfway
    # wrote them already), write the missing ones before the database knows them.
    known = read_secret(su_file)
    su = known or write_secret(su_file, new_password())
    app = read_secret(app_file) or write_secret(app_file, new_password())
    try:
        conn = await asyncpg.connect(_url(socket_dir, SUPERUSER, None))
    except asyncpg.InvalidAuthorizationSpecificationError:
        if known is None:  # e.g. md5 or peer rules and no password of ours: nothing to go on
            raise
        conn = await asyncpg.connect(_url(socket_dir, SUPERUSER, known))
    try:
        await conn.execute("ALTER SYSTEM SET password_encryption = 'scram-sha-256'")
        await conn.execute("SET password_encryption = 'scram-sha-256'")
        await conn.execute(f"ALTER ROLE {SUPERUSER} PASSWORD {_literal(su)}")
        await _set_app_role(conn, app)
        loaded = await conn.fetchval("SELECT pg_conf_load_time()")
        _replace_file(hba, STRICT_HBA)
        bad = await conn.fetch("SELECT line_number, error FROM pg_hba_file_rules WHERE error <> ''")
        if bad:
            raise RuntimeError(f"{hba} does not parse: {[dict(r) for r in bad]}")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()
    await _wait_reloaded(socket_dir, su, loaded)
    return su, app


def hba_is_strict(text: str) -> bool:
    """Whether every rule of a pg_hba.conf asks for a scram password (or rejects)."""
    rules = 0
    for raw in text.splitlines():
        fields = raw.split("#", 1)[0].split()
        if not fields:
            continue
        rules += 1
        kind = fields[0]
        if kind == "local":
            method_at = 3
        elif kind.startswith("host") and len(fields) > 4:
            method_at = 5 if _is_ip(fields[4]) else 4  # an address and a separate netmask
        else:
            return False  # include directives and anything unknown: rewrite
        if len(fields) <= method_at or fields[method_at] not in STRICT_METHODS:
            return False
    return rules > 0


def new_password() -> str:
    """A random password (URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def read_secret(path: Path) -> str | None:
    """The password stored in `path` (tightened to 0600 if needed), or None if there is none."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    if path.stat().st_mode & 0o777 != 0o600:
        path.chmod(0o600)
    return text or None


def write_secret(path: Path, secret: str) -> str:
    """Store `secret` in `path`, created 0600 and replaced atomically; returns `secret`."""
    _replace_file(path, secret + "\n")
    return secret


def _replace_file(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, mode 0600, keeping the owner of a file it replaces
    (pg_hba.conf belongs to the `pgserver` OS user when aims runs as root)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        if path.exists():
            st = path.stat()
            os.fchown(fd, st.st_uid, st.st_gid)
        os.write(fd, text.encode())
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(tmp, path)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _url(socket_dir: str, user: str, password: str | None, database: str = "postgres") -> str:
    auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    return f"postgresql://{auth}@/{database}?host={quote(socket_dir)}"


async def _set_app_role(conn: asyncpg.Connection, password: str) -> None:
    """Create the services' role, or give it `password`, as a login without privileges."""
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", APP_ROLE)
    verb = "ALTER" if exists else "CREATE"
    await conn.execute("SET password_encryption = 'scram-sha-256'")
    await conn.execute(f"{verb} ROLE {APP_ROLE} LOGIN PASSWORD {_literal(password)}")


async def _wait_reloaded(socket_dir: str, password: str, before: Any, timeout: float = 10) -> None:
    """Wait until the postmaster has re-read its configuration (pg_reload_conf only signals it).

    A backend reports the load time of the postmaster it was forked from, so a new connection
    reporting a later time was started under the new pg_hba.conf.
    """
    deadline = time.monotonic() + timeout
    while True:
        conn = await asyncpg.connect(_url(socket_dir, SUPERUSER, password))
        try:
            if await conn.fetchval("SELECT pg_conf_load_time()") > before:
                return
        finally:
            await conn.close()
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL did not reload pg_hba.conf within {timeout:.0f} s")
        await asyncio.sleep(0.05)


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion from sync code, even when called inside a running event loop
    (the tests start clusters from async tests): on a thread of its own."""
    with ThreadPoolExecutor(1, thread_name_prefix="aims-embedded") as pool:
        return pool.submit(asyncio.run, coro).result()
