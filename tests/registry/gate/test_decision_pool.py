"""The decisions' one-statement read runs on a pool of its own, closed with the app, and
uses the view of a system it kept only while the system's stream has no later event; a
running app collects cycles less often and leaves the collector as it found it."""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path
from uuid import UUID, uuid4

from services.registry.gate.domain import SystemView
from services.registry.gate.queries import SystemViews, _kinds_text, decision_pool, system_views
from shared.http.app import GC_THRESHOLD
from tests.support import pg
from tests.support.apps import app_of, running, settings_for
from tests.support.registry import OWNER, decide, register


async def test_decisions_read_on_their_own_pool_closed_with_the_app(
    module_database: pg.Database, tmp_path: Path
) -> None:
    settings = settings_for(module_database.url, tmp_path)
    async with running("registry", settings) as c:
        app = app_of(c)
        pool = decision_pool(app)
        assert pool is not None and pool is not app.state.pool
        r = await decide(c, str(uuid4()), env="dev")
        assert r.status_code == 200 and r.json()["decision"] == "deny", r.text
        assert pool.get_size() >= 1  # the read went through it
        # Released connections hold no session state the next read could see.
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
    assert decision_pool(app) is None and pool.is_closing()


async def test_a_running_app_collects_less_and_restores_the_collector(
    module_database: pg.Database, tmp_path: Path
) -> None:
    before = gc.get_threshold()
    alone = before[0] != GC_THRESHOLD  # no other app of this process is running
    settings = settings_for(module_database.url, tmp_path)
    async with running("registry", settings):
        assert gc.get_threshold()[0] == GC_THRESHOLD and gc.get_freeze_count() > 0
        async with running("registry", settings_for(module_database.url, tmp_path / "b")):
            assert gc.get_threshold()[0] == GC_THRESHOLD
        assert gc.get_threshold()[0] == GC_THRESHOLD  # the other app still runs
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0 or not alone


def test_the_kinds_go_as_one_text_and_a_comma_means_every_kind() -> None:
    assert _kinds_text(frozenset({"risk", "acceptance"})) == "acceptance,risk"
    assert _kinds_text(frozenset({"risk", "a,b"})) is None


async def test_a_kept_view_of_a_system_is_used_only_while_no_process_changed_it(
    module_database: pg.Database, tmp_path: Path
) -> None:
    first = settings_for(module_database.url, tmp_path / "a")
    second = settings_for(module_database.url, tmp_path / "b")
    async with running("registry", first) as a, running("registry", second) as b:
        s = await register(a, name="Kept view")
        stream = f"system-{s['id']}"
        d = (await decide(a, s["id"], env="dev")).json()
        views = system_views(app_of(a))
        assert views is not None
        kept = views.get(UUID(s["id"]))
        assert kept is not None and d["basis"]["streams"][stream] == kept.version == 1
        # Another process changes the system: the next decision here reads what it wrote.
        r = await b.patch(f"/v1/systems/{s['id']}", json={"intended_use": "changed"},
                          headers={**OWNER, "If-Match": '"1"'})  # fmt: skip
        assert r.status_code == 200, r.text
        d = (await decide(a, s["id"], env="dev")).json()
        kept = views.get(UUID(s["id"]))
        assert kept is not None and kept.intended_use == "changed"
        assert d["basis"]["streams"][stream] == kept.version == 2
        # Unchanged since: the kept view is used, at the same version.
        again = (await decide(a, s["id"], env="dev")).json()
        assert again["basis"]["streams"][stream] == 2 and views.get(UUID(s["id"])) is kept


def test_the_kept_views_are_bounded_and_never_go_back_a_version() -> None:
    views = SystemViews(2)
    one, two, three = (SystemView(uuid4(), "system-x", 1, "design", "limited") for _ in range(3))
    for v in (one, two, three):
        views.keep(v)
    assert views.get(one.id) is None and views.get(three.id) is three  # the oldest went
    newer = replace(three, version=4)
    views.keep(newer)
    views.keep(three)  # a slower read of the older version comes back last
    assert views.get(three.id) is newer
