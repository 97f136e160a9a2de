"""The checkpointer: one signer at a time, nothing signed twice."""

import asyncio

from services.evidence.integrity.signing import load_signer
from services.evidence.log import keys
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
