"""The checkpointer: one signer at a time, nothing signed twice."""

import asyncio

from services.evidence.integrity.signing import load_signer
from services.evidence.log import keys, signer
from services.evidence.log.signer import sign_checkpoint
from shared.kernel.requestctx import SYSTEM_ACTOR, RequestContext
from shared.platform.config import Settings
from tests.support.evidence import register_system


def log_keys(path):
    return keys.build(load_signer(path).key, Settings())


async def test_concurrent_signers_produce_one_checkpoint(pool, store, tmp_path):
    await register_system(store, owner="a")
    signer = log_keys(tmp_path / "key.pem")
    ctx = RequestContext(actor=SYSTEM_ACTOR, service="evidence")
    results = await asyncio.gather(*(sign_checkpoint(pool, store, signer, ctx) for _ in range(4)))
    assert sorted(new for _, new in results) == [False, False, False, True]
    assert {cp["position"] for cp, _ in results if cp} == {1}
    assert await store.head_position() == 2


async def test_a_periodic_signer_skips_while_the_last_checkpoint_is_recent(pool, store, tmp_path):
    await register_system(store, owner="a")
    signer = log_keys(tmp_path / "key.pem")
    ctx = RequestContext(actor=SYSTEM_ACTOR, service="evidence")
    first, new = await sign_checkpoint(pool, store, signer, ctx, min_age=3600)
    assert new and first
    await register_system(store, owner="b")
    again, new = await sign_checkpoint(pool, store, signer, ctx, min_age=3600)
    assert not new and again and again["position"] == first["position"]
    later, new = await sign_checkpoint(pool, store, signer, ctx, min_age=0)
    assert new and later and later["position"] == 3


async def test_events_appended_while_a_checkpoint_was_signed_get_the_next_one(
    pool, store, tmp_path, monkeypatch
):
    """A write landing between the audit and the checkpoint's append is covered by the
    next checkpoint even when nothing else is written afterwards."""
    await register_system(store, owner="a")
    keys_ = log_keys(tmp_path / "key.pem")
    ctx = RequestContext(actor=SYSTEM_ACTOR, service="evidence")
    audit = signer.audit  # type: ignore[attr-defined]

    async def audit_then_a_write(*args, **kwargs):
        report = await audit(*args, **kwargs)
        await register_system(store, owner="b")  # appended before the checkpoint
        return report

    monkeypatch.setattr(signer, "audit", audit_then_a_write)
    first, new = await sign_checkpoint(pool, store, keys_, ctx)
    assert new and first and first["tree_size"] == 1 and first["event_position"] == 3
    monkeypatch.setattr(signer, "audit", audit)
    second, new = await sign_checkpoint(pool, store, keys_, ctx, min_age=0)
    assert new and second and second["tree_size"] == 3  # the write and the checkpoint
    third, new = await sign_checkpoint(pool, store, keys_, ctx, min_age=0)
    assert not new and third == second  # now only its own event follows it
