"""The append contenders: aims's event store, eventsourcing, Message DB and a raw INSERT."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from bench.common import Postgres
from shared.kernel.eventstore import EventStore, NewEvent, WrongExpectedVersion
from shared.platform import db

EVENT_TYPE = "SystemUpdated"


def payload(i: int = 0) -> dict[str, Any]:
    """A realistic event body (a registry inventory change, about 300 bytes as JSON)."""
    return {
        "system_id": "5f0c1a2e-3b7d-4c9a-8e61-2d4f6b8a0c1e",
        "changes": {
            "name": f"credit-scoring-{i}",
            "tags": ["finance", "tabular", "eu"],
            "eu_ai_act_tier": "high",
            "intended_use": "score consumer credit applications for human review",
        },
        "significant": i % 7 == 0,
    }


METADATA = {
    "actor": {"sub": "alice@example.org", "roles": ["system_owner"]},
    "causation_id": None,
    "correlation_id": "3f1f9d2c-8a1e-4f7e-9a55-6c2b1d0e7f33",
    "request_id": "3f1f9d2c-8a1e-4f7e-9a55-6c2b1d0e7f33",
    "source": "registry",
}


class Conflict(Exception):
    """The stream moved on since the writer read its version."""


class Contender:
    """One way to append; `append` raises Conflict when `expected` is stale."""

    name = ""
    note = ""

    async def open(self, pg: Postgres, writers: int) -> None: ...

    async def close(self) -> None: ...

    def new_stream(self) -> str:
        return f"system-{uuid.uuid4()}"

    async def append(self, stream: str, n: int, expected: int) -> None:
        raise NotImplementedError

    async def version(self, stream: str) -> int:
        raise NotImplementedError


class Aims(Contender):
    """`EventStore.append`, hash chain included; one store shared by all writer tasks."""

    name = "aims"
    note = "EventStore.append; writer tasks share one store, as in a service process"

    async def open(self, pg: Postgres, writers: int) -> None:
        self.pool = await db.create_pool(pg.app_url, size=max(4, writers), timeout=60)
        self.store = EventStore(self.pool)

    async def close(self) -> None:
        await self.pool.close()

    async def append(self, stream: str, n: int, expected: int) -> None:
        events = [NewEvent(EVENT_TYPE, payload(i)) for i in range(n)]
        try:
            await self.store.append(stream, events, expected_version=expected, metadata=METADATA)
        except WrongExpectedVersion as exc:
            raise Conflict from exc

    async def version(self, stream: str) -> int:
        return await self.store.stream_version(stream)


class Raw(Contender):
    """One INSERT of all rows into a table with the events table's columns and indexes."""

    name = "raw_insert"
    note = "asyncpg INSERT ... unnest, same columns and indexes, no store logic"
    _SQL = (
        "INSERT INTO raw_events (id, stream_id, version, type, schema_version, data, metadata,"
        " recorded_at, hash) SELECT i, s, v, t, 1, d::json, m::json, now(), h FROM unnest("
        "$1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::bytea[])"
        " AS x(i, s, v, t, d, m, h)"
    )

    async def open(self, pg: Postgres, writers: int) -> None:
        conn = await asyncpg.connect(pg.admin_url)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS raw_events (LIKE events INCLUDING DEFAULTS"
                " INCLUDING CONSTRAINTS INCLUDING INDEXES);"
                " CREATE SEQUENCE IF NOT EXISTS raw_events_position;"
                " ALTER TABLE raw_events ALTER position SET DEFAULT nextval('raw_events_position')"
            )
        finally:
            await conn.close()
        self.pool = await asyncpg.create_pool(pg.admin_url, min_size=writers, max_size=writers)
        self.meta = orjson.dumps(METADATA).decode()

    async def close(self) -> None:
        await self.pool.close()

    async def append(self, stream: str, n: int, expected: int) -> None:
        data = [orjson.dumps(payload(i)).decode() for i in range(n)]
        try:
            await self.pool.execute(
                self._SQL, [uuid.uuid4() for _ in range(n)], [stream] * n,
                list(range(expected + 1, expected + n + 1)), [EVENT_TYPE] * n, data,
                [self.meta] * n, [os.urandom(32) for _ in range(n)],
            )  # fmt: skip
        except asyncpg.UniqueViolationError as exc:
            raise Conflict from exc

    async def version(self, stream: str) -> int:
        v = await self.pool.fetchval(
            "SELECT max(version) FROM raw_events WHERE stream_id = $1", stream
        )
        return int(v or 0)


class MessageDB(Contender):
    """Message DB's `write_message`, installed from its npm package by its own script."""

    name = "messagedb"
    note = (
        "@eventide/message-db write_message via asyncpg, one call per event in one transaction;"
        " installed by its install.sh (pgcrypto step skipped: gen_random_uuid is built in)"
    )

    async def open(self, pg: Postgres, writers: int) -> None:
        self.version_installed = await asyncio.to_thread(install_message_db, pg)
        password = uuid.uuid4().hex  # the embedded server asks every role for a password
        admin = await asyncpg.connect(pg.url(database="message_store"))
        try:
            await admin.execute(f"ALTER ROLE message_store PASSWORD '{password}'")
        finally:
            await admin.close()
        self.pool = await asyncpg.create_pool(
            pg.url("message_store", "message_store"), password=password,
            min_size=writers, max_size=writers,
            server_settings={"search_path": "message_store,public"},
        )  # fmt: skip
        self.meta = orjson.dumps(METADATA).decode()
        self.note += f" (version {self.version_installed})"

    async def close(self) -> None:
        await self.pool.close()

    async def append(self, stream: str, n: int, expected: int) -> None:
        args = [
            (str(uuid.uuid4()), stream, EVENT_TYPE, orjson.dumps(payload(i)).decode(), self.meta,
             expected - 1 if i == 0 else None)
            for i in range(n)
        ]  # fmt: skip
        sql = "SELECT write_message($1, $2, $3, $4::jsonb, $5::jsonb, $6)"
        try:
            async with self.pool.acquire() as conn:
                if n == 1:
                    await conn.execute(sql, *args[0])
                else:
                    async with conn.transaction():
                        await conn.executemany(sql, args)
        except asyncpg.RaiseError as exc:
            if "Wrong expected version" in str(exc):
                raise Conflict from exc
            raise

    async def version(self, stream: str) -> int:
        v = await self.pool.fetchval("SELECT stream_version($1)", stream)
        return 0 if v is None else int(v) + 1


class EventSourcing(Contender):
    """The `eventsourcing` library's PostgresApplicationRecorder (psycopg 3, one thread each)."""

    name = "eventsourcing"
    note = "eventsourcing PostgresApplicationRecorder.insert_events (table lock), threads"

    async def open(self, pg: Postgres, writers: int) -> None:
        from importlib.metadata import version

        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

        self.note += f" (version {version('eventsourcing')})"
        self.datastore = PostgresDatastore(
            dbname="aims", host=pg.socket_dir, port=5432, user="postgres",
            password=pg.pg.superuser_password,
            pool_size=writers, max_waiting=0, connect_timeout=60,
        )  # fmt: skip
        self.recorder = PostgresApplicationRecorder(self.datastore, events_table_name="es_events")
        await asyncio.to_thread(self.recorder.create_table)
        self.threads = ThreadPoolExecutor(writers, thread_name_prefix="eventsourcing")

    async def close(self) -> None:
        self.threads.shutdown()
        await asyncio.to_thread(self.datastore.close)

    def new_stream(self) -> str:
        return str(uuid.uuid4())

    async def append(self, stream: str, n: int, expected: int) -> None:
        from eventsourcing.persistence import IntegrityError, StoredEvent

        oid = uuid.UUID(stream)
        events = [
            StoredEvent(oid, expected + i + 1, EVENT_TYPE, orjson.dumps(payload(i)))
            for i in range(n)
        ]
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self.threads, self.recorder.insert_events, events)
        except IntegrityError as exc:
            raise Conflict from exc

    async def version(self, stream: str) -> int:
        def last() -> int:
            rows = self.recorder.select_events(uuid.UUID(stream), desc=True, limit=1)
            return rows[0].originator_version if rows else 0

        return await asyncio.get_running_loop().run_in_executor(self.threads, last)


def install_message_db(pg: Postgres) -> str:
    """`npm install @eventide/message-db` into a temp dir and run its install script."""
    work = Path(tempfile.mkdtemp(prefix="messagedb-", dir=pg.tmp))
    try:
        subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", "@eventide/message-db"],
            cwd=work, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        root = work / "node_modules" / "@eventide" / "message-db" / "database"
        # Its only extension provides gen_random_uuid(), which PostgreSQL >= 13 has built in;
        # the embedded server ships without contrib, so that one step becomes a no-op.
        (root / "extensions" / "pgcrypto.sql").write_text("SELECT 'gen_random_uuid is built in';\n")
        import pgserver

        bindir = Path(pgserver.__file__).parent / "pginstall" / "bin"
        env = {
            **os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "PGHOST": pg.socket_dir,
            "PGUSER": "postgres", "PGPASSWORD": pg.pg.superuser_password,  # a throwaway server
            "DATABASE_NAME": "message_store",
        }  # fmt: skip
        done = subprocess.run(
            ["bash", str(root / "install.sh")], env=env, capture_output=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"message-db install failed: {done.stderr.decode()[-400:]}")
        return (root / "VERSION.txt").read_text().strip()
    finally:
        shutil.rmtree(work, ignore_errors=True)


CONTENDERS: list[type[Contender]] = [Aims, EventSourcing, MessageDB, Raw]
