"""Finding the database: the configured server, or the embedded one in the data directory."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from shared.platform import db, embedded
from shared.platform.config import Settings


@dataclass
class Database:
    """URLs for the services (limited role) and for migrations (schema owner)."""

    app_url: str
    admin_url: str
    embedded: embedded.EmbeddedPostgres | None = None

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()

    def admin_secrets(self) -> list[str]:
        """What a service must never see: the admin URL and its password (unless the services
        connect with those very credentials anyway)."""
        if self.admin_url == self.app_url:
            return []
        found = [self.admin_url]
        password = urlsplit(self.admin_url).password
        if password and password != urlsplit(self.app_url).password:
            found += [password, unquote(password)]
        return found


# Never passed on to a service: the migration (superuser) URL, and libpq's password sources
# when the embedded cluster's app URL carries the application role's own password.
MIGRATION_ENV = "AIMS_MIGRATION_DATABASE_URL"
PASSWORD_ENV = ("PGPASSWORD", "PGPASSFILE")


def service_env(database: Database, data_dir: Path, base: Mapping[str, str]) -> dict[str, str]:
    """The environment of a service process started by `aims up`: `base` (the parent's), with
    the application role's URL and without anything carrying the superuser's credentials.

    A variable is dropped when its value contains the admin URL, equals the admin password, or
    contains it (passwords of 16 characters or more, so a short one cannot empty the
    environment).
    """
    secrets = database.admin_secrets()
    dropped = {MIGRATION_ENV, *(PASSWORD_ENV if database.embedded is not None else ())}

    def leaks(value: str) -> bool:
        return any(value == s or (len(s) >= 16 and s in value) for s in secrets)

    env = {k: v for k, v in base.items() if k not in dropped and not leaks(v)}
    env["AIMS_DATABASE_URL"] = database.app_url
    env["AIMS_DATA_DIR"] = str(data_dir)
    return env


def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    """Use AIMS_DATABASE_URL, or start the embedded PostgreSQL under the data directory."""
    if settings.database_url:
        admin = settings.migration_database_url or settings.database_url
        database = Database(settings.database_url, admin)
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        pg = embedded.start(settings.data_dir.resolve() / "pg")
        asyncio.run(embedded.bootstrap(pg))
        database = Database(pg.app_url, pg.admin_url, pg)
    if migrate:
        db.migrate_sync(database.admin_url)
    return database


def default_workers() -> int:
    """Worker processes per service when none are asked for: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
