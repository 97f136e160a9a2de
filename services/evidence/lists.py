"""Keyset-paginated reads of this service's projection tables (newest first)."""

from __future__ import annotations

from typing import Any

import asyncpg

from shared.http.pagination import Page, decode_cursor, encode_cursor


async def page_where(
    pool: asyncpg.Pool, table: str, conditions: list[tuple[str, Any]], *, cursor: str | None,
    limit: int, order: str = "created_position", columns: str = "*",
) -> Page:  # fmt: skip
    """Rows matching `conditions` (SQL with `{}` for the parameter; None skips, ... takes none)."""
    where, args = [], []
    for sql, value in conditions:
        if value is ...:  # a condition without a parameter
            where.append(sql)
        elif value is not None:
            args.append(value)
            where.append(sql.format(f"${len(args)}"))
    if cursor is not None:
        args.append(decode_cursor(cursor))
        where.append(f"{order} < ${len(args)}")
    args.append(limit + 1)
    query = (
        f"SELECT {columns} FROM {table}{' WHERE ' + ' AND '.join(where) if where else ''}"
        f" ORDER BY {order} DESC LIMIT ${len(args)}"
    )
    rows = [dict(r) for r in await pool.fetch(query, *args)]
    more, rows = len(rows) > limit, rows[:limit]
    key = order.rsplit(".", 1)[-1]
    return Page(items=rows, next_cursor=encode_cursor(rows[-1][key]) if more else None)
