"""The decisions' one-statement read runs on a pool of its own, closed with the app; a
running app collects cycles less often and leaves the collector as it found it."""

from __future__ import annotations

import gc
from pathlib import Path
from uuid import uuid4

from services.registry.gate.queries import _kinds_text, decision_pool
from shared.http.app import GC_THRESHOLD
from tests.support import pg
from tests.support.apps import app_of, running, settings_for
from tests.support.registry import decide


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
