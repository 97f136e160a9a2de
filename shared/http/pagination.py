"""Cursor pagination over projection tables (newest first, keyset on `created_position`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import asyncpg
from fastapi import Query
from pydantic import BaseModel

from shared.http.problems import Problem


class Page(BaseModel):
    """One page of a list; pass `next_cursor` back as `cursor` for the next one."""

    items: list[dict[str, Any]]
    next_cursor: str | None = None


# A cursor is the last row's key as a decimal: opaque to clients, but its format is
# exact in the OpenAPI document, so any schema-valid cursor is one the API accepts.
CURSOR_PATTERN = r"^[0-9]{1,18}$"
Cursor = Annotated[
    str | None,
    # Documented, and checked by decode_cursor: a malformed cursor is a 400 `bad_cursor`.
    Query(
        description="`next_cursor` of the previous page",
        json_schema_extra={"pattern": CURSOR_PATTERN, "maxLength": 18},
    ),
]


def encode_cursor(position: int) -> str:
    return str(position)


BIGINT_MAX = 2**63 - 1  # positions are PostgreSQL bigints; 18 digits always fit


def decode_cursor(cursor: str) -> int:
    """The position a cursor names; 400 `bad_cursor` for anything else (never a 500)."""
    if not re.fullmatch(CURSOR_PATTERN, cursor) or int(cursor) > BIGINT_MAX:
        raise Problem(400, "cursor is not one this API returned", code="bad_cursor")
    return int(cursor)


Condition = tuple[str, Any]  # SQL with `{}` for its parameter; value None skips it, ... takes none


async def keyset_page(
    pool: asyncpg.Pool | asyncpg.Connection,
    source: str,
    conditions: Sequence[Condition] = (),
    *,
    cursor: str | None,
    limit: int,
    key: str = "created_position",
    columns: str = "*",
    ascending: bool = False,
    keep_key: bool = True,
) -> Page:
    """The one keyset paginator: rows of `source` matching `conditions`, ordered by `key`.

    Newest first by default; `ascending` for oldest first. The cursor is the last row's
    key, so a page never repeats or skips rows while others are appended.
    """
    where, args = [], []
    for sql, value in conditions:
        if value is ...:
            where.append(sql)
        elif value is not None:
            args.append(value)
            where.append(sql.format(f"${len(args)}"))
    if cursor is not None:
        args.append(decode_cursor(cursor))
        where.append(f"{key} {'>' if ascending else '<'} ${len(args)}")
    args.append(limit + 1)
    query = (
        f"SELECT {columns} FROM {source}{' WHERE ' + ' AND '.join(where) if where else ''}"
        f" ORDER BY {key} {'ASC' if ascending else 'DESC'} LIMIT ${len(args)}"
    )
    rows = [dict(r) for r in await pool.fetch(query, *args)]
    more, rows = len(rows) > limit, rows[:limit]
    name = key.rsplit(".", 1)[-1]
    next_cursor = encode_cursor(rows[-1][name]) if more else None
    if not keep_key:
        for r in rows:
            r.pop(name, None)
    return Page(items=rows, next_cursor=next_cursor)


async def page_of(
    pool: asyncpg.Pool,
    table: str,
    *,
    cursor: str | None,
    limit: int,
    filters: Mapping[str, Any] | None = None,
    order: str = "created_position",
    columns: str = "*",
) -> Page:
    """Rows of `table` matching equality `filters` (None values ignored), newest first."""
    conditions = [(f"{col} = {{}}", value) for col, value in (filters or {}).items()]
    return await keyset_page(
        pool, table, conditions, cursor=cursor, limit=limit, key=order, columns=columns,
        keep_key=False,
    )  # fmt: skip
