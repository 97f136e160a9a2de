"""The gate's read side: its facts from the `registry.gate_facts` projection and the log."""

from __future__ import annotations

import asyncio
import functools
from collections import OrderedDict
from collections.abc import Sequence
from uuid import UUID

import asyncpg
from starlette.applications import Starlette

from services.registry.gate.domain import Fact, GateFacts, SystemView
from services.registry.gate.handlers import DecisionRead
from services.registry.gate.projections import NAME
from services.registry.systems.domain import AISystem
from shared.domain.aggregate import stream_id
from shared.http.state import settings
from shared.kernel.eventstore import EventStore, StoredEvent
from shared.platform import db
from shared.platform.connections import decision_pool_size

# The projection's checkpoint is read in the same statement (one snapshot), so the
# position recorded in a decision's basis is exactly what the facts reflect.
_FACTS = (
    "SELECT key, kind, stream_id, version, data FROM registry_gate_fact"
    " WHERE system_id = $1 OR system_id IS NULL"
    " UNION ALL SELECT 'checkpoint', 'checkpoint', '', 0, jsonb_build_object('position',"
    " position) FROM projection_checkpoint WHERE name = $2"
)


async def load_facts(pool: asyncpg.Pool, system_id: UUID) -> tuple[list[Fact], int]:
    """Every fact about a system plus the organisation-wide ones, and the position they reach."""
    rows = await pool.fetch(_FACTS, system_id, NAME)
    facts = [Fact(r["key"], r["kind"], r["stream_id"], r["version"], r["data"]) for r in rows]
    position = next((int(f.data["position"]) for f in facts if f.kind == "checkpoint"), 0)
    return [f for f in facts if f.kind != "checkpoint"], position


# A decision's whole read in one statement, so one round trip and one snapshot: the
# system's stream after the version this process already knows (part 1; $6 = 0: all of
# it), its facts and the organisation-wide ones of the kinds the policy reads (2; NULL:
# all), the facts' checkpoint (3) and the gate policy's stream version (4). The parts share
# one row shape. The kinds go as one comma-separated text: asyncpg encodes a text[]
# parameter element by element, a measurable part of a decision.
_DECISION = (
    "SELECT 1 AS part, position, id, stream_id, version, type, schema_version, data, metadata,"
    " recorded_at, hash, NULL::text AS key, NULL::text AS kind FROM events WHERE stream_id = $1"
    " AND version > $6"
    " UNION ALL SELECT 2, NULL, NULL, stream_id, version, NULL, NULL, data::json, NULL, NULL, NULL,"
    " key, kind FROM registry_gate_fact WHERE (system_id = $2 OR system_id IS NULL)"
    " AND ($5::text IS NULL OR kind = ANY(string_to_array($5::text, ',')))"
    " UNION ALL SELECT 3, position, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    " NULL FROM projection_checkpoint WHERE name = $3"
    " UNION ALL SELECT 4, NULL, NULL, NULL, max(version), NULL, NULL, NULL, NULL, NULL, NULL,"
    " NULL, NULL FROM events WHERE stream_id = $4"
    " ORDER BY part, version"
)


def _decision_read(
    system_id: UUID, rows: list[asyncpg.Record], model_version: str, known: SystemView | None
) -> DecisionRead | None:
    """The parts of the one-statement read as the gate's facts and the policy version;
    None when the system changed after the `known` view (its stream must be read whole)."""
    events = [StoredEvent.from_row(r) for r in rows if r["part"] == 1]
    facts = [Fact(r["key"], r["kind"], r["stream_id"], r["version"], r["data"])
             for r in rows if r["part"] == 2]  # fmt: skip
    position = next((int(r["position"]) for r in rows if r["part"] == 3), 0)
    policy = next((r["version"] for r in rows if r["part"] == 4), None)
    if events and events[0].version != 1:
        return None
    system = AISystem.replay(system_id, events).view() if events else known
    if system is None:
        return DecisionRead(None, policy)
    return DecisionRead(GateFacts(system, facts, position, model_version), policy)


# Views kept per process: enough for every system of a large inventory (a view is a few
# hundred bytes), bounded so a caller naming many systems cannot grow the service.
VIEWS_KEPT = 10_000


class SystemViews:
    """The gate's views of systems at the latest version this process has read, most
    recently used kept. A view is the fold of its stream's events up to its version, and
    events never change, so a read that finds no event after that version may use it."""

    def __init__(self, size: int = VIEWS_KEPT) -> None:
        self.size = size
        self._views: OrderedDict[UUID, SystemView] = OrderedDict()

    def get(self, system_id: UUID) -> SystemView | None:
        view = self._views.get(system_id)
        if view is not None:
            self._views.move_to_end(system_id)
        return view

    def keep(self, view: SystemView) -> None:
        """Keep `view` unless a later version of the system is kept already."""
        kept = self._views.get(view.id)
        if kept is None or kept.version < view.version:
            self._views[view.id] = view
        self._views.move_to_end(view.id)
        while len(self._views) > self.size:
            self._views.popitem(last=False)


@functools.lru_cache(maxsize=64)
def _kinds_text(kinds: frozenset[str]) -> str | None:
    """The kinds as the read's parameter; None (every kind) should one hold a comma."""
    return None if any("," in k for k in kinds) else ",".join(sorted(kinds))


class ProjectedFacts:
    """The gate's facts port: systems from their streams, other services' facts projected."""

    def __init__(
        self, pool: asyncpg.Pool, store: EventStore, policy_stream: str,
        decision_pool: asyncpg.Pool | None = None, views: SystemViews | None = None,
    ) -> None:  # fmt: skip
        self.pool, self.store = pool, store  # pool: projection reads (maybe a replica)
        self.policy_stream = policy_stream
        self.decision_pool = decision_pool or pool  # the decisions' read, on the primary
        self.views = views or SystemViews(0)

    async def for_decision(
        self, system_id: UUID, model_version: str, kinds: frozenset[str] | None = None
    ) -> DecisionRead:
        """The system, its facts (of `kinds`; None: all) and the policy version: one
        statement on the primary; with the facts on a replica, the three reads side by side."""
        if self.pool is not self.store.pool:
            (facts, policy) = await asyncio.gather(
                self.of_system(system_id, model_version),
                self.store.stream_version(self.policy_stream),
            )
            return DecisionRead(facts, policy or None)
        wanted = None if kinds is None else _kinds_text(kinds)
        known = self.views.get(system_id)
        read = await self._decision(system_id, model_version, wanted, known)
        if read is None:  # the system changed since the view this process knew
            read = await self._decision(system_id, model_version, wanted, None)
        if read is None:  # pragma: no cover - a read of the whole stream always answers
            raise RuntimeError(f"the stream of system {system_id} does not start at version 1")
        if read.facts is not None:
            self.views.keep(read.facts.system)
        return read

    async def _decision(
        self, system_id: UUID, model_version: str, kinds: str | None, known: SystemView | None
    ) -> DecisionRead | None:
        rows = await self.decision_pool.fetch(
            _DECISION, stream_id("system", system_id), system_id, NAME, self.policy_stream,
            kinds, known.version if known else 0,
        )  # fmt: skip
        return _decision_read(system_id, rows, model_version, known)

    async def of_system(
        self, system_id: UUID, model_version: str | None = None
    ) -> GateFacts | None:
        """The system and its facts: two indexed reads, side by side; None for no system."""
        events, (facts, position) = await asyncio.gather(
            self.store.read_stream(stream_id("system", system_id), must_exist=False),
            load_facts(self.pool, system_id),
        )
        if not events:
            return None
        system = AISystem.replay(system_id, events).view()
        return GateFacts(system, facts, position, model_version)

    async def of_view(self, system: SystemView) -> GateFacts:
        """The facts about a system the caller has already loaded."""
        facts, position = await load_facts(self.pool, system.id)
        return GateFacts(system, facts, position)

    async def logged_versions(self, streams: Sequence[str]) -> dict[str, int]:
        """The version each stream has in the log itself (absent streams are 0)."""
        return await self.store.stream_versions(streams)


# The decisions' read is one SELECT outside any transaction: it can leave no session state
# behind, so its connections skip the reset round trip the service pools spend on every
# release (a round trip and a write to the socket per decision). Only for that statement.
DECISION_POOL = "gate_decision_pool"
SYSTEM_VIEWS = "gate_system_views"


async def open_decision_pool(app: Starlette) -> None:
    """The pool of the decisions' read (lazily connecting, no session reset on release) and
    the process's views of systems."""
    cfg = settings(app)
    setattr(app.state, SYSTEM_VIEWS, SystemViews())
    if not cfg.database_url:  # the app refuses to start without one
        return
    # Half the service pool's size: the read is one short statement, and every worker of
    # every service shares the server's connection limit (`aims up` counts it in).
    setattr(app.state, DECISION_POOL, await db.create_pool(
        cfg.database_url, size=decision_pool_size(cfg.db_pool_size), timeout=cfg.db_timeout,
        name="aims-registry", reset_sessions=False,
    ))  # fmt: skip


async def close_decision_pool(app: Starlette) -> None:
    """Close the decisions' pool (connections still out after the grace period are cut)."""
    pool = decision_pool(app)
    if pool is not None:
        delattr(app.state, DECISION_POOL)
        await db.close_pool(pool)


def decision_pool(app: Starlette) -> asyncpg.Pool | None:
    """The decisions' pool of a started app (None before start)."""
    found = getattr(app.state, DECISION_POOL, None)
    return found if isinstance(found, asyncpg.Pool) else None


def system_views(app: Starlette) -> SystemViews | None:
    """The views of systems of a started app (None before start)."""
    found = getattr(app.state, SYSTEM_VIEWS, None)
    return found if isinstance(found, SystemViews) else None
