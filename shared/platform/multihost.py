"""Connecting through a multi-host URL: one timeout per host, the last good host first.

asyncpg understands `postgresql://u:p@h1:5432,h2:5432/aims?target_session_attrs=read-write`
on its own, but its `timeout` covers the whole attempt over every host. A dead primary that
refuses connections costs nothing; one whose address no longer answers at all (a machine
powered off, a dropped route) spends the whole timeout on the first host, so every new
connection would fail without ever reaching the promoted standby listed after it. libpq's
`connect_timeout` is per host for this reason; `HostList` does the same for the pools: each
host gets its own timeout, tried in the URL's order but starting from the host that last
accepted, so after a failover new connections go straight to the new primary.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def hosts(url: str) -> list[str]:
    """The `host:port` items of a URL's authority (one item for a single-host URL)."""
    return urlsplit(url).netloc.rpartition("@")[2].split(",")


def one_host_urls(url: str) -> list[str]:
    """The URL once per host, every other part (credentials, database, options) kept."""
    parts = urlsplit(url)
    userinfo, at, _ = parts.netloc.rpartition("@")
    return [urlunsplit(parts._replace(netloc=f"{userinfo}{at}{h}")) for h in hosts(url)]


class HostList:
    """A pool's `connect`: each host in turn, each with the pool's full timeout."""

    def __init__(self, url: str, unavailable: tuple[type[BaseException], ...]) -> None:
        self.urls = one_host_urls(url)
        self.unavailable = unavailable  # errors after which the next host is tried
        self.preferred = 0  # the host that accepted last

    async def connect(self, dsn: str | None = None, **kw: Any) -> asyncpg.Connection:
        """A connection to the first host, from the preferred one on, that meets the URL's
        `target_session_attrs`; raises the last host's error when none does."""
        n, error = len(self.urls), None
        for i in [(self.preferred + k) % n for k in range(n)]:
            try:
                conn = await asyncpg.connect(self.urls[i], **kw)
            except self.unavailable as exc:  # refused, timed out, not writable: the next host
                error = exc
                continue
            self.preferred = i
            return conn
        assert error is not None
        raise error
