"""The checkpointer: one signer at a time, nothing signed twice, the app's docs render."""

import asyncio

from services.evidence import checkpoints
from services.evidence.signing import load_signer
from shared.kernel.requestctx import SYSTEM_ACTOR, RequestContext
from tests.evidence.support import register_system


async def test_concurrent_signers_produce_one_checkpoint(pool, store, tmp_path):
    await register_system(store, owner="a")
    signer = load_signer(tmp_path / "key.pem")
    ctx = RequestContext(actor=SYSTEM_ACTOR, service="evidence")
    results = await asyncio.gather(
        *(checkpoints.sign_checkpoint(pool, store, signer, ctx) for _ in range(4))
    )
    assert sorted(new for _, new in results) == [False, False, False, True]
    assert {cp["position"] for cp, _ in results} == {1}
    assert await store.head_position() == 2


async def test_a_periodic_signer_skips_while_the_last_checkpoint_is_recent(pool, store, tmp_path):
    await register_system(store, owner="a")
    signer = load_signer(tmp_path / "key.pem")
    ctx = RequestContext(actor=SYSTEM_ACTOR, service="evidence")
    first, new = await checkpoints.sign_checkpoint(pool, store, signer, ctx, min_age=3600)
    assert new
    await register_system(store, owner="b")
    again, new = await checkpoints.sign_checkpoint(pool, store, signer, ctx, min_age=3600)
    assert not new and again["position"] == first["position"]
    later, new = await checkpoints.sign_checkpoint(pool, store, signer, ctx, min_age=0)
    assert new and later["position"] == 3


async def test_the_openapi_document_lists_the_evidence_contract(service):
    async with service("evidence") as c:
        paths = (await c.get("/openapi.json")).json()["paths"]
        for path in (
            "/v1/evidence",
            "/v1/evidence/{evidence_id}/content",
            "/v1/audits",
            "/v1/audits/{audit_id}/findings",
            "/v1/nonconformities/{nc_id}/close",
            "/v1/management-reviews",
            "/v1/audit-trail",
            "/v1/integrity",
            "/v1/exports/audit-pack",
            "/v1/checkpoints/public-key",
        ):
            assert path in paths, path
