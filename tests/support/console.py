"""The three services (and the console) as real processes on a database of their own.

The fixtures `stack` and `module_stack` are imported by the conftest of each test folder
that talks to real processes (tests/console, tests/sdk, tests/cli).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

from services.sdk._async import FRESHNESS
from tests.support import pg
from tests.support.apps import SECRET, auth
from tests.support.procs import free_port, read_at, spawn

SERVICES = ("registry", "risk", "evidence")


@dataclass
class Stack:
    """Running service processes and how to reach them."""

    database: pg.Database
    data_dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def urls(self) -> dict[str, str]:
        return {s: self.url(s) for s in SERVICES}

    def env(self) -> dict[str, str]:
        """Environment of an `aims` command that talks to this stack."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
        env.update(AIMS_JWT_SECRET=SECRET, AIMS_DATA_DIR=str(self.data_dir),
                   AIMS_HOST="127.0.0.1")  # fmt: skip
        env.update({f"AIMS_{s.upper()}_PORT": str(p) for s, p in self.ports.items()})
        return env

    def head(self) -> int:
        """The log's last position: a read with `min_position` of it sees every write so far."""

        async def read() -> int:
            conn = await asyncpg.connect(self.database.url)
            try:
                return int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
            finally:
                await conn.close()

        with ThreadPoolExecutor(1) as thread:  # callable from sync and async tests alike
            return thread.submit(asyncio.run, read()).result()

    def caught_up(
        self, position: int | None = None, headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> int:  # fmt: skip
        """Wait until every service's read models include `position` (default: the log's
        head, so every write so far, the console's and reactors' too); returns it.

        Lists, the console's pages and its inbox read projections that lag the log; a test
        that reads them after writing through another client waits here first. A 503
        (`not_fresh`: not there within the service's short wait) is asked again until
        `timeout`, which a loaded machine may need.
        """
        at = self.head() if position is None else position
        for service in SERVICES:
            r = read_at(f"{self.url(service)}{FRESHNESS[service]}", at,
                        headers or auth("vic", "viewer"), timeout, limit=1)  # fmt: skip
            assert r.status_code == 200, f"{service} at position {at}: {r.text}"
        return at

    def start_console(self) -> None:
        port = free_port()
        self.ports["console"] = port
        self.procs.append(spawn(
            "console", self.database.url, port, self.data_dir,
            AIMS_REGISTRY_URL=self.url("registry"), AIMS_RISK_URL=self.url("risk"),
            AIMS_EVIDENCE_URL=self.url("evidence"),
        ))  # fmt: skip

    def aims(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run the `aims` command against this stack."""
        return subprocess.run([sys.executable, "-m", "services.cli.main", *args], env=self.env(),
                              capture_output=True, text=True, timeout=timeout)  # fmt: skip

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def start_stack(database: pg.Database, data_dir: Path) -> Stack:
    data_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(database, data_dir)
    try:
        for s in SERVICES:
            stack.ports[s] = free_port()
            stack.procs.append(spawn(s, database.url, stack.ports[s], data_dir))
    except BaseException:
        stack.stop()
        raise
    return stack


@pytest.fixture
def stack(database: pg.Database, tmp_path: Path) -> Iterator[Stack]:
    """The three services on this test's fresh database."""
    s = start_stack(database, tmp_path / "data")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def module_stack(pg_server: pg.Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The three services on a database of this module's own."""
    database = asyncio.run(pg.create_database(pg_server))
    s = start_stack(database, tmp_path_factory.mktemp("stack") / "data")
    yield s
    s.stop()
    asyncio.run(pg.drop_database(pg_server, database))
