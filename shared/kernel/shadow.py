"""Shadow tables: copies of read-model tables that a rebuild fills, swapped in at once.

A copy in schema `aims_shadow` has the live table's name, columns, defaults, checks,
constraints and indexes (under their own names) and grants, so the projections' SQL,
which names tables without a schema, writes into it on a connection whose search_path
puts `aims_shadow` first; the log and every other table still resolve to `public`.

The swap moves each live table to `aims_retired` and its copy to `public`, re-points the
views that read them (a view holds its tables by identity, so it would otherwise keep
reading the retired one), drops the retired tables and moves the checkpoints, all in one
transaction: a reader sees either every old table or every new one. It needs the table
owner's rights (the migration role), not the services' role.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

SHADOW, RETIRED = "aims_shadow", "aims_retired"
SHADOW_PATH = f"{SHADOW}, public"


def _q(name: str) -> str:
    """An identifier as PostgreSQL prints it (quoted only when it must be)."""
    plain = name.isidentifier() and name.isascii() and name == name.lower()
    return name if plain else '"' + name.replace('"', '""') + '"'


async def prepare(
    conn: asyncpg.Connection, tables: Sequence[str], deferred: Sequence[str] = ()
) -> None:
    """Empty copies of `tables` and of the checkpoint table in the shadow schema; the
    `deferred` ones get their keys and indexes only from `index`."""
    async with conn.transaction():
        for t in (*tables, "projection_checkpoint"):
            await conn.execute(f"DROP TABLE IF EXISTS {SHADOW}.{_q(t)}")
            await _copy_table(conn, t, keys=t not in deferred)


async def index(conn: asyncpg.Connection, tables: Sequence[str]) -> None:
    """Add the deferred keys and indexes: one sort per index beats updating it row by row."""
    for t in tables:
        for statement in await key_statements(conn, t) + await index_statements(conn, t):
            await conn.execute(statement)


async def index_statements(conn: asyncpg.Connection, table: str) -> list[str]:
    """The statements creating the copy's indexes other than its keys (each may run in a
    session of its own, at the same time as the others)."""
    live, copy = f"public.{_q(table)}", f"{SHADOW}.{_q(table)}"
    rows = await conn.fetch(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = $1::regclass"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        " ORDER BY 1", live,
    )  # fmt: skip
    return [definition.replace(f" ON {live} ", f" ON {copy} ", 1) for (definition,) in rows]


async def key_statements(conn: asyncpg.Connection, table: str) -> list[str]:
    """The statements adding the copy's keys (primary, unique, exclusion) under the live
    names, so names stay stable across swaps; they lock the copy, so run them in order."""
    live, copy = f"public.{_q(table)}", f"{SHADOW}.{_q(table)}"
    rows = await conn.fetch(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'x') ORDER BY conname", live,
    )  # fmt: skip
    return [f"ALTER TABLE {copy} ADD CONSTRAINT {_q(n)} {d}" for n, d in rows]


async def _copy_indexes(conn: asyncpg.Connection, table: str) -> None:
    for statement in await index_statements(conn, table):
        await conn.execute(statement)


async def _copy_constraints(conn: asyncpg.Connection, table: str) -> None:
    for statement in await key_statements(conn, table):
        await conn.execute(statement)


async def _copy_table(conn: asyncpg.Connection, table: str, *, keys: bool) -> None:
    live, copy = f"public.{_q(table)}", f"{SHADOW}.{_q(table)}"
    await conn.execute(f"CREATE TABLE {copy} (LIKE {live} INCLUDING ALL EXCLUDING INDEXES)")
    oid = await conn.fetchval("SELECT $1::regclass::oid", live)
    if keys:
        await _copy_constraints(conn, table)
        await _copy_indexes(conn, table)
    owner = await conn.fetchval("SELECT relowner::regrole::text FROM pg_class WHERE oid = $1", oid)
    await conn.execute(f"ALTER TABLE {copy} OWNER TO {owner}")
    for grantee, privileges in await conn.fetch(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text)"
        " END, string_agg(a.privilege_type, ', ') FROM pg_class c, aclexplode(c.relacl) a"
        " WHERE c.oid = $1 AND a.grantee <> c.relowner GROUP BY 1", oid,
    ):  # fmt: skip
        await conn.execute(f"GRANT {privileges} ON {copy} TO {grantee}")


async def analyze(conn: asyncpg.Connection, tables: Sequence[str]) -> None:
    """Planner statistics for the copies, so the first queries after the swap plan well."""
    for t in tables:
        await conn.execute(analyze_statement(t))


def analyze_statement(table: str) -> str:
    """The statement gathering planner statistics for a copy."""
    return f"ANALYZE {SHADOW}.{_q(table)}"


async def lock_checkpoints(conn: asyncpg.Connection, names: Sequence[str]) -> None:
    """Hold the live checkpoint rows until commit: runners wait before their next batch."""
    await conn.execute(
        "INSERT INTO public.projection_checkpoint (name, position, updated_at)"
        " SELECT unnest($1::text[]), 0, now() ON CONFLICT (name) DO NOTHING", list(names),
    )  # fmt: skip
    await conn.execute(
        "SELECT 1 FROM public.projection_checkpoint WHERE name = ANY($1) ORDER BY name"
        " FOR UPDATE", list(names),
    )  # fmt: skip


async def swap(
    conn: asyncpg.Connection, tables: Sequence[str], versions: dict[str, int]
) -> dict[str, int]:
    """Swap the copies in and move their checkpoints (inside the caller's transaction).

    Returns the checkpoint each projection now has."""
    await conn.execute("SET LOCAL search_path = public")  # view text names public unqualified
    live = [f"public.{_q(t)}" for t in tables]
    views = await conn.fetch(
        "SELECT DISTINCT quote_ident(n.nspname) || '.' || quote_ident(v.relname) AS view,"
        " v.relkind::text AS relkind, pg_get_viewdef(v.oid) AS body FROM pg_depend d"
        " JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class"
        " JOIN pg_namespace n ON n.oid = v.relnamespace"
        " WHERE d.refobjid = ANY($1::regclass[]) AND d.refobjid <> v.oid",
        live,
    )
    if any(v["relkind"] != "v" for v in views):
        raise RuntimeError("a materialized view reads a read model; refresh is not supported")
    if live:  # in one statement, in one order: the readers queue behind the swap
        await conn.execute(f"LOCK TABLE {', '.join(live)} IN ACCESS EXCLUSIVE MODE")
    for t in tables:
        await conn.execute(f"ALTER TABLE public.{_q(t)} SET SCHEMA {RETIRED}")
        await conn.execute(f"ALTER TABLE {SHADOW}.{_q(t)} SET SCHEMA public")
    for v in views:
        await conn.execute(f"CREATE OR REPLACE VIEW {v['view']} AS {v['body']}")
    if tables:
        await conn.execute(f"DROP TABLE {', '.join(f'{RETIRED}.{_q(t)}' for t in tables)}")
    rows = await conn.fetch(
        "INSERT INTO public.projection_checkpoint (name, position, updated_at, version)"
        f" SELECT s.name, s.position, now(), v.version FROM {SHADOW}.projection_checkpoint s"
        " JOIN unnest($1::text[], $2::int[]) AS v(name, version) ON v.name = s.name"
        " ON CONFLICT (name) DO UPDATE SET position = excluded.position,"
        " version = excluded.version, updated_at = now() RETURNING name, position",
        list(versions), list(versions.values()),
    )  # fmt: skip
    await conn.execute(f"DROP TABLE {SHADOW}.projection_checkpoint")
    return {r["name"]: r["position"] for r in rows}
