"""Finding the database: the configured server, or the embedded one in the data directory."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

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
