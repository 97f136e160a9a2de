"""Integrity: the hash chain verifies, tampering is located, checkpoints are signed."""

import base64
import os
import stat

import asyncpg
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

from shared.kernel.tlog import Verifier, open_checkpoint
from shared.platform.db import plain_url
from tests.support.apps import auth
from tests.support.evidence import register_system

AUDITOR = auth("carol", "auditor")


async def test_integrity_reports_the_verified_head(service, store):
    for owner in ("a", "b", "c"):
        await register_system(store, owner=owner)
    async with service("evidence") as c:
        r = await c.get("/v1/integrity", headers=AUDITOR)
        assert r.status_code == 200
        body = r.json()
        assert body["ok"] and body["events_verified"] == 3 and body["first_mismatch"] is None
        assert body["head"]["position"] == 3 and len(body["head"]["hash"]) == 64


async def test_a_row_edited_with_triggers_disabled_is_named_by_first_mismatch(
    service, store, database
):
    for owner in ("a", "b", "c", "d"):
        await register_system(store, owner=owner)
    conn = await asyncpg.connect(plain_url(database.admin_url))
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute(
            'UPDATE events SET data = replace(data::text, \'"owner":"c"\', \'"owner":"x"\')::json'
            " WHERE position = 3"
        )
    finally:
        await conn.close()
    async with service("evidence") as c:
        body = (await c.get("/v1/integrity", headers=AUDITOR)).json()
        assert body["ok"] is False and body["events_verified"] == 2
        assert body["first_mismatch"]["position"] == 3
        refused = await c.post("/v1/checkpoints", headers=AUDITOR)
        assert refused.status_code == 409


async def test_a_checkpoint_signs_the_head_with_the_published_key(service, store, tmp_path):
    await register_system(store, owner="a")
    async with service("evidence") as c:
        denied = await c.post("/v1/checkpoints", headers=auth("vic", "viewer"))
        assert denied.status_code == 403
        r = await c.post("/v1/checkpoints", headers=AUDITOR)
        assert r.status_code == 201, r.text
        cp = r.json()
        assert cp["position"] == 1
        pem = (await c.get("/v1/checkpoints/public-key", headers=AUDITOR)).text
        raw = load_pem_public_key(pem.encode()).public_bytes(Encoding.Raw, PublicFormat.Raw)
        opened, _ = open_checkpoint(cp["note"], [Verifier(cp["origin"], raw)])
        assert opened.size == 1 and base64.b64encode(opened.root_hash).decode() == cp["root_hash"]
        key_file = c.app.state.settings.checkpoint_key_path
        assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
        same = await c.post("/v1/checkpoints", headers=AUDITOR)
        assert same.status_code == 200 and same.json()["position"] == 1  # nothing new to sign
        await register_system(store, owner="b")
        later = await c.post("/v1/checkpoints", headers=AUDITOR)
        assert later.status_code == 201 and later.json()["position"] == 3
        body = (await c.get("/v1/integrity", headers=AUDITOR)).json()
        assert body["ok"] and body["checkpoint"]["position"] == 3
        assert body["checkpoints_verified"] == 2 and body["alarm"] is None
