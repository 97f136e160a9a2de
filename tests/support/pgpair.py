"""A primary and its synchronous streaming standby, from the PostgreSQL binaries aims ships.

The set-up of deploy/failover/README.md on one machine: both servers listen on 127.0.0.1
(TCP, one port each, no unix socket), every connection authenticates with a scram password,
the standby is a `pg_basebackup` of the primary streaming under the application name
`aims_standby`, and the primary names it in `synchronous_standby_names`, so a COMMIT returns
only once the standby has the commit record on disk. initdb and postgres refuse to run as
root, so as root every tool runs as the `pgserver` user (as the embedded server does).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from shared.platform import db, embedded
from tests.support.procs import free_port

STANDBY_NAME = "aims_standby"
OS_USER = "pgserver"


@dataclass
class Node:
    """One server: its data directory, TCP port and log file."""

    name: str
    data: Path
    port: int
    log: Path

    def pid(self) -> int:
        """The postmaster's process id (the first line of postmaster.pid)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def alive(self) -> bool:
        """Whether its postmaster still runs (a zombie waiting to be reaped does not)."""
        try:
            return psutil.Process(self.pid()).status() != psutil.STATUS_ZOMBIE
        except (FileNotFoundError, psutil.NoSuchProcess):
            return False


@dataclass
class Pair:
    """A running primary and standby, with the passwords of the two roles aims uses."""

    root: Path
    primary: Node
    standby: Node
    password: str = field(repr=False)  # the `postgres` superuser's
    app_password: str = field(repr=False)  # the services' role `aims_app`'s

    def url(self, node: Node, database: str = embedded.DATABASE) -> str:
        """The superuser's URL of one server."""
        return f"postgresql://postgres:{self.password}@127.0.0.1:{node.port}/{database}"

    def multi_host_url(self, user: str, password: str, *nodes: Node) -> str:
        """A URL naming several servers, of which only one accepting writes will do."""
        hosts = ",".join(f"127.0.0.1:{n.port}" for n in nodes or (self.primary, self.standby))
        return (f"postgresql://{user}:{password}@{hosts}/{embedded.DATABASE}"
                "?target_session_attrs=read-write")  # fmt: skip

    @property
    def app_url(self) -> str:
        """The services' URL: both servers, in the order the set-up started them."""
        return self.multi_host_url(embedded.APP_ROLE, self.app_password)

    def kill_primary(self) -> None:
        """kill -9 the primary's postmaster (its backends exit when they notice)."""
        os.kill(self.primary.pid(), signal.SIGKILL)

    def promote(self) -> None:
        """Promote the standby and wait until it accepts writes."""
        pg("pg_ctl", "-D", str(self.standby.data), "-w", "-t", "60", "promote")

    def stop(self) -> None:
        """Stop whatever still runs and delete both servers."""
        for node in (self.standby, self.primary):
            if node.alive():
                with contextlib.suppress(subprocess.CalledProcessError):
                    pg("pg_ctl", "-D", str(node.data), "-w", "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def pg(tool: str, *args: str, env: dict[str, str] | None = None) -> None:
    """Run one of the bundled PostgreSQL programs (as `pgserver` when we are root)."""
    from pgserver._commands import POSTGRES_BIN_PATH

    user = OS_USER if os.geteuid() == 0 else None
    subprocess.run([str(POSTGRES_BIN_PATH / tool), *args], check=True, user=user,
                   env={**os.environ, **(env or {})}, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip


def start_pair(synchronous_commit: str = "on") -> Pair:
    """Initialise and start a primary with a migrated aims database and its sync standby."""
    root = _root()
    pair = Pair(root, Node("primary", root / "primary", free_port(), root / "primary.log"),
                Node("standby", root / "standby", free_port(), root / "standby.log"),
                embedded.new_password(), embedded.new_password())  # fmt: skip
    try:
        _init_primary(pair, synchronous_commit)
        _run(_bootstrap(pair))
        _clone_standby(pair)
        _run(_make_synchronous(pair))
    except BaseException:
        pair.stop()
        raise
    return pair


def _run(coro: Coroutine[Any, Any, None]) -> None:
    """Run `coro` on a thread of its own: callers may be inside a running event loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


def _root() -> Path:
    """A private directory the servers' OS user owns (short: /tmp, not a pytest path)."""
    root = Path(tempfile.mkdtemp(prefix="aims-pair-"))
    if os.geteuid() == 0:
        from pgserver.utils import ensure_user_exists

        entry = ensure_user_exists(OS_USER)
        assert entry is not None
        os.chown(root, entry.pw_uid, entry.pw_gid)
    return root


def _owned(path: Path, text: str) -> None:
    """Write a file only the servers' OS user can read."""
    path.write_text(text)
    path.chmod(0o600)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(OS_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _init_primary(pair: Pair, synchronous_commit: str) -> None:
    node, pwfile = pair.primary, pair.root / "pwfile"
    _owned(pwfile, pair.password + "\n")
    try:
        pg("initdb", "-D", str(node.data), "-U", "postgres", "-A", "scram-sha-256",
           "--pwfile", str(pwfile), "-E", "UTF8", "--no-instructions")  # fmt: skip
    finally:
        pwfile.unlink()
    # initdb's pg_hba.conf already asks for scram everywhere, replication from 127.0.0.1 too
    with (node.data / "postgresql.conf").open("a") as conf:
        conf.write(f"listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                   f"wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\n"
                   f"synchronous_commit = {synchronous_commit}\n"
                   f"port = {node.port}\n")  # fmt: skip
    _start(node)


def _start(node: Node) -> None:
    pg("pg_ctl", "-D", str(node.data), "-l", str(node.log), "-w", "-t", "60", "start")


async def _bootstrap(pair: Pair) -> None:
    """The services' role and the aims database, migrated by the superuser."""
    conn = await asyncpg.connect(pair.url(pair.primary, "postgres"))
    try:
        await conn.execute(f"CREATE ROLE {embedded.APP_ROLE} LOGIN PASSWORD '{pair.app_password}'")
        await conn.execute(f"CREATE DATABASE {embedded.DATABASE}")
    finally:
        await conn.close()
    # through a multi-host URL whose first server is not up yet: migrations find the primary
    await db.migrate(pair.multi_host_url("postgres", pair.password, pair.standby, pair.primary))


def _clone_standby(pair: Pair) -> None:
    """pg_basebackup of the primary, started as a streaming standby on its own port."""
    primary, node = pair.primary, pair.standby
    source = f"host=127.0.0.1 port={primary.port} user=postgres"
    pg("pg_basebackup", "-D", str(node.data), "-X", "stream", "-c", "fast", "-d", source,
       env={"PGPASSWORD": pair.password})  # fmt: skip
    conninfo = f"{source} password={pair.password} application_name={STANDBY_NAME}"
    # Later lines win: its own port, and no synchronous partner of its own once promoted
    # (naming one that does not exist would block every commit of the new primary).
    with (node.data / "postgresql.auto.conf").open("a") as conf:
        conf.write(f"port = {node.port}\nprimary_conninfo = '{conninfo}'\n"
                   f"synchronous_standby_names = ''\n")  # fmt: skip
    _owned(node.data / "standby.signal", "")
    _start(node)


async def _make_synchronous(pair: Pair, timeout: float = 60) -> None:
    """Name the standby synchronous and wait until the primary reports it as `sync`."""
    conn = await asyncpg.connect(pair.url(pair.primary, "postgres"))
    try:
        await conn.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{STANDBY_NAME}'")
        await conn.execute("SELECT pg_reload_conf()")
        deadline = time.monotonic() + timeout
        while await conn.fetchval(
            "SELECT sync_state FROM pg_stat_replication WHERE application_name = $1",
            STANDBY_NAME,
        ) != "sync":  # fmt: skip
            if time.monotonic() > deadline:
                raise AssertionError("the standby did not become synchronous")
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
