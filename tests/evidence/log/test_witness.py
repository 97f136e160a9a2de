"""`aims witness` against a real evidence process: it cosigns a growing log and catches a
rewrite by an operator holding the database superuser and the signing key, and a rollback."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from services.cli.witness import load_key
from services.evidence.integrity.signing import load_signer
from shared.kernel.eventstore import EventStore, NewEvent
from shared.kernel.tlog import CosignatureSigner
from shared.platform import db
from tests.support import pg
from tests.support.apps import auth
from tests.support.forgery import rewrite
from tests.support.procs import free_port, spawn, stop

WITNESS = "witness.test/w1"
AIMS = str(Path(sys.executable).parent / "aims")


def run_witness(url: str, key_file: Path, state: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AIMS, "witness", "--url", url, "--public-key", str(key_file), "--state", str(state),
         "--name", WITNESS],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def grow(url: str, n: int) -> None:
    pool = await db.create_pool(url, size=2, timeout=30)
    try:
        store = EventStore(pool)
        for i in range(n):
            await store.append(f"evidence-{uuid.uuid4()}", [NewEvent("Noted", {"i": i})],
                               expected_version=0)  # fmt: skip
    finally:
        await pool.close()


def sign(base: str) -> int:
    r = httpx.post(f"{base}/v1/checkpoints", headers=auth("ada", "auditor"), timeout=60)
    assert r.status_code in (200, 201), r.text
    return int(r.json()["tree_size"])


async def test_a_witness_cosigns_growth_and_detects_a_rewrite_even_with_the_signing_key(
    pg_server, tmp_path
):
    state, data = tmp_path / "witness", tmp_path / "svc"
    data.mkdir()
    line = CosignatureSigner(WITNESS, load_key(state, None)).verifier_line()
    database = await pg.create_database(pg_server)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = spawn("evidence", database.url, port, data, AIMS_WITNESS_KEYS=line,
                 AIMS_CHECKPOINT_INTERVAL_SECONDS="0")  # fmt: skip
    try:
        await grow(database.url, 9)
        sign(base)
        key_file = tmp_path / "log.pub"
        key_file.write_text(httpx.get(f"{base}/v1/log/public-key").text)
        first = run_witness(base, key_file, state)
        assert first.returncode == 0, first.stderr
        assert "to size 9, cosigned and posted" in first.stdout
        assert f"\u2014 {WITNESS} " in httpx.get(f"{base}/v1/log/checkpoint").text

        await grow(database.url, 6)
        size = sign(base)
        grown = run_witness(base, key_file, state)
        assert grown.returncode == 0, grown.stderr
        assert f"consistent from size 9 to size {size}" in grown.stdout
        again = run_witness(base, key_file, state)
        assert again.returncode == 0 and f"unchanged at size {size}" in again.stdout

        # The operator rewrites event 3, recomputes the chain, rebuilds the tree and re-signs
        # every checkpoint with the real key: the log itself now looks consistent...
        key = load_signer(data / "checkpoint_ed25519.pem").key
        await rewrite(database.admin_url, 3, {"i": "forged"}, key=key)
        await grow(database.url, 2)
        sign(base)
        # ...but not to the witness, which holds the root it cosigned before.
        caught = run_witness(base, key_file, state)
        assert caught.returncode == 1
        assert "inconsistent history" in caught.stderr and f"size {size} root" in caught.stderr
    finally:
        stop(proc)
        await pg.drop_database(pg_server, database)


async def test_a_witness_refuses_a_rollback_and_a_foreign_key(pg_server, tmp_path):
    state, data = tmp_path / "witness", tmp_path / "svc"
    data.mkdir()
    big, small = await pg.create_database(pg_server), await pg.create_database(pg_server)
    procs = []
    try:
        bases = []
        for database, n in ((big, 8), (small, 4)):
            port = free_port()
            procs.append(spawn("evidence", database.url, port, data,
                               AIMS_CHECKPOINT_INTERVAL_SECONDS="0"))  # fmt: skip
            bases.append(f"http://127.0.0.1:{port}")
            await grow(database.url, n)
            sign(bases[-1])
        key_file = tmp_path / "log.pub"
        key_file.write_text(httpx.get(f"{bases[0]}/v1/log/public-key").text)
        assert run_witness(bases[0], key_file, state).returncode == 0
        rollback = run_witness(bases[1], key_file, state)  # same key, an older, smaller tree
        assert rollback.returncode == 1 and "rollback" in rollback.stderr

        other = tmp_path / "other.pub"
        other.write_text(CosignatureSigner("aims.local/log", load_key(tmp_path / "k", None))
                         .verifier_line().replace("+B", "+A", 1))  # fmt: skip
        foreign = run_witness(bases[0], other, tmp_path / "fresh")
        assert foreign.returncode != 0
    finally:
        stop(*procs)
        await pg.drop_database(pg_server, big)
        await pg.drop_database(pg_server, small)
