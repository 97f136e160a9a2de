"""Cursor pagination over projection tables (newest first, keyset on `created_position`)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import asyncpg
from pydantic import BaseModel

from shared.http.problems import Problem


class Page(BaseModel):
    """One page of a list; pass `next_cursor` back as `cursor` for the next one."""

    items: list[dict[str, Any]]
    next_cursor: str | None = None


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(str(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise Problem(400, "cursor is not one this API returned", code="bad_cursor") from exc


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
    where, args = [], []
    for col, value in (filters or {}).items():
        if value is not None:
            args.append(value)
            where.append(f"{col} = ${len(args)}")
    if cursor is not None:
        args.append(decode_cursor(cursor))
        where.append(f"{order} < ${len(args)}")
    args.append(limit + 1)
    sql = (
        f"SELECT {columns} FROM {table}"
        f"{' WHERE ' + ' AND '.join(where) if where else ''}"
        f" ORDER BY {order} DESC LIMIT ${len(args)}"
    )
    rows = [dict(r) for r in await pool.fetch(sql, *args)]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1][order]) if more else None
    for r in rows:
        r.pop(order, None)
    return Page(items=rows, next_cursor=next_cursor)
