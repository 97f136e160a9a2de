"""What a running service holds, typed: one `Core` on `app.state.core`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import asyncpg
from starlette.applications import Starlette

from shared.domain.repository import Repository
from shared.kernel.eventstore import EventStore
from shared.kernel.eventstore.store import Notifier
from shared.kernel.projections import ProjectionRunner
from shared.platform.config import Settings


@dataclass
class Core:
    """The pools, store and background runners every service has once started."""

    pool: asyncpg.Pool
    read_pool: asyncpg.Pool
    runner_pool: asyncpg.Pool
    store: EventStore
    repo: Repository
    notifier: Notifier
    runner: ProjectionRunner

    @property
    def pools(self) -> list[asyncpg.Pool]:
        """Each distinct pool once (the read pool may be the main one)."""
        return list({id(p): p for p in (self.pool, self.read_pool, self.runner_pool)}.values())


def core(app: Starlette) -> Core:
    """The started service's core (raises AttributeError before start-up)."""
    return cast(Core, app.state.core)


def settings(app: Starlette) -> Settings:
    """The settings the app was built with."""
    return cast(Settings, app.state.settings)
