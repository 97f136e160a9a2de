"""The transparency log's public contract: C2SP checkpoints, RFC 9162 proofs, entries,
cosignatures, and a signer that refuses to sign over a rewritten history."""

from __future__ import annotations

import base64
import hashlib
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.kernel.eventstore import NewEvent
from shared.kernel.tlog import Checkpoint, CosignatureSigner, Verifier, open_checkpoint, sign_note
from shared.kernel.tlog.merkle import verify_consistency, verify_inclusion
from tests.support.apps import auth
from tests.support.forgery import rewrite

AUDITOR = auth("ada", "auditor")
VIEWER = auth("vic", "viewer")


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1, written out again here so the test does not trust the code under test."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


async def fill(store, n: int) -> None:
    for i in range(n):
        await store.append(f"evidence-{uuid.uuid4()}", [NewEvent("Noted", {"i": i})],
                           expected_version=0)  # fmt: skip


async def checkpoint(c) -> tuple[Verifier, Checkpoint, str]:
    r = await c.post("/v1/checkpoints", headers=AUDITOR)
    assert r.status_code in (200, 201), r.text
    key = (await c.get("/v1/log/public-key")).text.strip()
    note = (await c.get("/v1/log/checkpoint")).text
    verifier = Verifier.from_line(key)
    cp, _ = open_checkpoint(note, [verifier])
    return verifier, cp, note


async def all_entries(c, end: int) -> list[bytes]:
    out, start = [], 1
    while start is not None:
        page = (await c.get(f"/v1/log/entries?start={start}&end={end}", headers=AUDITOR)).json()
        out += [base64.b64decode(e["leaf"]) for e in page["entries"]]
        start = page["next"]
    return out


async def test_the_checkpoint_is_a_c2sp_note_over_the_rfc9162_root_of_the_entries(service, store):
    async with service("evidence") as c:
        await fill(store, 25)
        verifier, cp, note = await checkpoint(c)
        assert verifier.name == cp.origin == "aims.local/log"
        assert note.startswith(f"aims.local/log\n{cp.size}\n")
        assert "\n\n\u2014 aims.local/log " in note
        leaves = await all_entries(c, cp.size)
        assert len(leaves) == cp.size == 25
        assert mth(leaves) == cp.root_hash


async def test_inclusion_and_consistency_proofs_verify_against_signed_roots(service, store):
    async with service("evidence") as c:
        await fill(store, 10)
        _, old, _ = await checkpoint(c)
        await fill(store, 23)
        _, new, _ = await checkpoint(c)
        r = await c.get(f"/v1/log/proofs/consistency?first={old.size}&second={new.size}")
        body = r.json()
        assert (body["first"], body["second"]) == (old.size, new.size)
        proof = [base64.b64decode(h) for h in body["hashes"]]
        assert verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
        leaves = await all_entries(c, new.size)
        for position in (1, 7, old.size + 1, new.size):
            r = await c.get(f"/v1/log/proofs/inclusion?position={position}&tree_size={new.size}",
                            headers=AUDITOR)  # fmt: skip
            got = r.json()
            assert got["leaf_index"] == position - 1 and got["tree_size"] == new.size
            leaf = hashlib.sha256(b"\x00" + leaves[position - 1]).digest()
            hashes = [base64.b64decode(h) for h in got["hashes"]]
            assert verify_inclusion(leaf, position - 1, new.size, hashes, new.root_hash)


async def test_entries_come_a_thousand_a_page_with_where_to_go_on(service, store):
    async with service("evidence") as c:
        await fill(store, 1005)
        page = (await c.get("/v1/log/entries?start=2&end=1100", headers=AUDITOR)).json()
        assert [e["position"] for e in page["entries"]] == list(range(2, 1002))
        assert page["next"] == 1002
        last = (await c.get("/v1/log/entries?start=1002&end=1100", headers=AUDITOR)).json()
        assert [e["position"] for e in last["entries"]] == [1002, 1003, 1004, 1005]
        assert last["next"] is None


async def test_public_and_auditor_only_routes(service, store):
    async with service("evidence") as c:
        await fill(store, 3)
        assert (await c.get("/v1/log/checkpoint")).status_code == 404
        await checkpoint(c)
        for path in ("/v1/log/checkpoint", "/v1/log/public-key",
                     "/v1/log/proofs/consistency?first=1&second=3"):  # fmt: skip
            assert (await c.get(path)).status_code == 200, path
        for path in (
            "/v1/log/entries?start=1&end=2",
            "/v1/log/proofs/inclusion?position=1&tree_size=3",
        ):
            assert (await c.get(path)).status_code == 401
            assert (await c.get(path, headers=VIEWER)).status_code == 403
            assert (await c.get(path, headers=AUDITOR)).status_code == 200


async def test_bad_ranges_are_problems_and_change_nothing(service, store):
    async with service("evidence") as c:
        await fill(store, 3)
        for path, status in (("/v1/log/proofs/consistency?first=3&second=2", 400),
                             ("/v1/log/proofs/consistency?first=1&second=99", 400),
                             ("/v1/log/proofs/consistency?first=-1&second=2", 422),
                             ("/v1/log/proofs/inclusion?position=0&tree_size=3", 422),
                             ("/v1/log/proofs/inclusion?position=4&tree_size=3", 400),
                             ("/v1/log/entries?start=5&end=4", 400)):  # fmt: skip
            r = await c.get(path, headers=AUDITOR)
            assert r.status_code == status, (path, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")


async def test_a_known_witness_cosignature_is_kept_and_served(service, store, tmp_path):
    witness = CosignatureSigner("witness.example/w1", Ed25519PrivateKey.generate())
    stranger = CosignatureSigner("witness.example/w2", Ed25519PrivateKey.generate())
    async with service("evidence", witness_keys=witness.verifier_line()) as c:
        await fill(store, 4)
        _, cp, note = await checkpoint(c)
        bad = await c.post("/v1/log/cosignatures", content=note + stranger.sign(cp.format()))
        assert bad.status_code == 403
        assert (await c.post("/v1/log/cosignatures", content=b"garbage")).status_code == 400
        forged = sign_note(cp.format().replace("\n4\n", "\n5\n"), witness)
        assert (await c.post("/v1/log/cosignatures", content=forged)).status_code == 400
        line = witness.sign(cp.format())
        r = await c.post("/v1/log/cosignatures", content=note + line)
        assert r.status_code == 200 and r.json() == {"tree_size": 4, "witnesses": [witness.name]}
        served = (await c.get("/v1/log/checkpoint")).text
        assert served == note + line
        _, sigs = open_checkpoint(
            served,
            [
                Verifier.from_line((await c.get("/v1/log/public-key")).text.strip()),
                witness.verifier(),
            ],
        )
        assert {s.name for s in sigs} == {"aims.local/log", witness.name}


async def test_the_signer_refuses_to_sign_over_a_superuser_rewrite_and_keeps_refusing(
    service, store, database
):
    async with service("evidence") as c:
        await fill(store, 12)
        await checkpoint(c)
        await fill(store, 3)
        await rewrite(database.admin_url, 5, {"i": "forged"})
        r = await c.post("/v1/checkpoints", headers=AUDITOR)
        assert r.status_code == 409 and r.json()["type"].endswith("/chain_broken")
        assert r.json()["first_mismatch"]["reason"] == "checkpoint_root"
        integrity = (await c.get("/v1/integrity", headers=AUDITOR)).json()
        assert integrity["ok"] is False and integrity["alarm"] is not None
        again = await c.post("/v1/checkpoints", headers=AUDITOR)
        assert again.status_code == 409 and again.json()["type"].endswith("/signer_halted")
        metrics = (await c.get("/metrics")).text
        assert "aims_log_alarm 1.0" in metrics
