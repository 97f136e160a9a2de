"""Audit packs that prove, not vouch (aims-audit-pack/2): inclusion proofs against the signed
checkpoint, refusal to export an altered log, zip hygiene, witness consistency."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Sequence
from pathlib import Path

import asyncpg
import orjson
import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.v1.http import from_json
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console

from services.evidence.integrity import pack as pack_module
from services.evidence.integrity.pack import PackRefused, export_file
from services.evidence.integrity.signing import load_signer
from services.evidence.integrity.verify_pack import verify_pack, verify_pack_cli
from shared.kernel.eventstore import NewEvent
from shared.kernel.eventstore.hashing import GENESIS_HASH, iso
from shared.kernel.tlog import (
    Checkpoint,
    CosignatureSigner,
    Signer,
    Verifier,
    merkle,
    open_checkpoint,
    sign_note,
)
from shared.kernel.tlog import store as tree
from shared.platform.db import plain_url
from tests.support.apps import auth
from tests.support.evidence import decisions, meta, register_system
from tests.support.forgery import rewrite

AUDITOR = auth("carol", "auditor")
ROOT = Path(__file__).resolve().parents[3]
FILES = ["events.jsonl", "proofs.jsonl", "checkpoint.txt", "consistency.json", "soa.json",
         "report.html", "README.txt", "manifest.json"]  # fmt: skip
VERIFIED = ["events.jsonl", "proofs.jsonl", "checkpoint.txt", "consistency.json"]


async def _pack(c, query: str = "") -> bytes:
    r = await c.get(f"/v1/exports/audit-pack{query}", headers=AUDITOR)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    return r.content


async def _keys(c) -> tuple[bytes, bytes]:
    """The log's verifier key line and its PEM."""
    line = (await c.get("/v1/log/public-key")).content
    pem = (await c.get("/v1/checkpoints/public-key", headers=AUDITOR)).content
    return line, pem


def _rebuild(pack: bytes, replace: dict[str, bytes] | None = None, *, fix_manifest: bool = False,
             before: Sequence[tuple[str, bytes]] = ()) -> bytes:  # fmt: skip
    """The pack with some members replaced (and the manifest's hashes updated if asked), and
    extra entries written before the genuine ones."""
    replace = dict(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(pack)) as src:
        members = {i.filename: src.read(i.filename) for i in src.infolist()}
    members.update(replace)
    if fix_manifest:
        manifest = json.loads(members["manifest.json"])
        for name in manifest["files"]:
            data = members[name]
            manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(),
                                       "size": len(data)}  # fmt: skip
        members["manifest.json"] = json.dumps(manifest, indent=2).encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in before:
            dst.writestr(name, data)
        for name, data in members.items():
            dst.writestr(name, data)
    return out.getvalue()


def _refused(report, words: str) -> bool:
    """The report is a failure whose message says `words`."""
    return not report.ok and words in (report.error or "")


def _members(pack: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(pack)) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


async def _fill(store, n: int, per_append: int = 500) -> None:
    """n events of no system, a few large appends."""
    while n > 0:
        k = min(n, per_append)
        await store.append(f"evidence-{uuid.uuid4()}",
                           [NewEvent("Noted", {"i": i}) for i in range(k)],
                           expected_version=0, metadata=meta("nobody", "evidence"))  # fmt: skip
        n -= k


@pytest.fixture
async def scenario(service, store):
    """Decisions of three services about system A, and a nonconformity closed on A."""
    a, b, _, _ = await decisions(store)
    async with service("evidence") as c:
        audit = (await c.post("/v1/audits", json={
            "title": "Q1", "scope": "credit", "criteria": "42001", "system_ids": [a],
            "auditors": ["carol"], "starts_on": "2025-02-01", "ends_on": "2025-02-02",
        }, headers=auth("ada", "admin"))).json()  # fmt: skip
        f = await c.post(f"/v1/audits/{audit['id']}/findings", json={
            "kind": "major_nc", "reference": "A.6.2.4", "description": "no tests",
            "system_id": a, "raise_nonconformity": True,
        }, headers=AUDITOR)  # fmt: skip
        nc = f.json()["nonconformity_id"]
        await c.post(f"/v1/nonconformities/{nc}/root-cause",
                     json={"root_cause": "no test step"}, headers=AUDITOR)  # fmt: skip
        closed = await c.post(f"/v1/nonconformities/{nc}/close",
                              json={"effectiveness_review": "tests added"},
                              headers=auth("ada", "admin"))  # fmt: skip
        assert closed.status_code == 200, closed.text
        await register_system(store, owner="zed", name="Unrelated")
        pos = await c.app.state.store.head_position()
        await c.get(f"/v1/audit-trail?min_position={pos}", headers=AUDITOR)  # projections
        yield c, a, b


async def test_a_system_pack_verifies_offline_with_either_key_form(scenario):
    c, a, b = scenario
    line, pem = await _keys(c)
    pack = await _pack(c, f"?system_id={a}")
    for key in (line, pem):
        report = verify_pack(io.BytesIO(pack), key)
        assert report.ok, report.error
    assert report.verified == VERIFIED
    assert report.unverified_context == ["soa.json", "report.html", "README.txt"]
    assert not report.complete  # a filter cannot prove nothing was left out
    with zipfile.ZipFile(io.BytesIO(pack)) as zf:
        assert [i.filename for i in zf.infolist()] == FILES
        events = [json.loads(x) for x in zf.read("events.jsonl").splitlines()]
        proofs = [json.loads(x) for x in zf.read("proofs.jsonl").splitlines()]
        manifest = json.loads(zf.read("manifest.json"))
        note = zf.read("checkpoint.txt").decode()
        html = zf.read("report.html").decode()
        soa = json.loads(zf.read("soa.json"))
    cp, _ = open_checkpoint(note, [Verifier.from_line(line.decode().strip())])
    assert manifest["format"] == "aims-audit-pack/2" and "manifest.sig" not in FILES
    assert (manifest["origin"], manifest["tree_size"], manifest["root_hash"]) == (
        cp.origin, cp.size, base64.b64encode(cp.root_hash).decode())  # fmt: skip
    assert manifest["verified"] == VERIFIED
    assert manifest["unverified_context"] == ["soa.json", "report.html"]
    assert manifest["system_id"] == a and manifest["event_count"] == len(events) == len(proofs)
    assert [e["aimsposition"] for e in events] == [p["position"] for p in proofs]
    assert all("aimsprevhash" not in e and "aimshash" not in e for e in events)
    types = [e["type"] for e in events]
    assert "SoAEntrySet" in types and "NonconformityClosed" in types
    assert not any(e["data"].get("name") == "Unrelated" for e in events)
    for e, p in zip(events, proofs, strict=True):
        leaf = base64.b64decode(p["leaf"])
        assert leaf.split(b"\n")[1] == e["aimsdata"].encode()
    assert "Unverified context" in html and "not covered by the proofs" in html
    assert "Credit" in html and "Audits, findings and corrective actions" in html
    assert len(soa) == 38 and soa[[s["control_id"] for s in soa].index("A.6.2.4")]["applicable"]


async def test_a_pack_is_o_k_log_n(service, store):
    """A system's pack at n events holds k events and k proofs of at most log2(n) hashes."""
    async with service("evidence") as c:
        sizes = {}
        a = await register_system(store, owner="olivia", name="Credit")
        for n in (1000, 8000):
            await _fill(store, n - await c.app.state.store.head_position() - 2)
            await register_system(store, owner="olivia", name="Other")
            updated = NewEvent("SystemUpdated", {"system_id": a})
            await store.append(f"system-{a}", [updated], expected_version=None,
                               metadata=meta("olivia", "registry"))  # fmt: skip
            pack = await _pack(c, f"?system_id={a}")
            line, _ = await _keys(c)
            report = verify_pack(io.BytesIO(pack), line)
            assert report.ok, report.error
            m = _members(pack)
            proofs = [json.loads(x) for x in m["proofs.jsonl"].splitlines()]
            k, size = len(proofs), report.tree_size
            assert size >= n - 1 and all(
                len(p["hashes"]) <= (size - 1).bit_length() for p in proofs)  # fmt: skip
            leaves = sum(len(p["leaf"]) for p in proofs)
            assert len(m["proofs.jsonl"]) <= leaves + k * (size.bit_length() * 47 + 60)
            sizes[n] = (k, size, len(pack), len(m["events.jsonl"]) + len(m["proofs.jsonl"]))
        (k1, _, _, b1), (k2, _, whole2, b2) = sizes[1000], sizes[8000]
        # one more event and 8x the log: bytes grow with k and log n, not with n
        assert b2 < b1 * (k2 / k1) * 1.5 and whole2 < 64_000
        unfiltered = await _pack(c)
        assert len(unfiltered) > 10 * whole2
        print(f"\npack sizes (k events, tree size, zip bytes, events+proofs bytes): {sizes};"
              f" unfiltered at {sizes[8000][1]}: {len(unfiltered)} bytes")  # fmt: skip


def test_batch_proofs_are_the_rfc9162_paths():
    """The export builds a batch's proofs from shared subtrees; they must be exactly
    merkle.inclusion_proof (and each is checked against the root before it is written)."""
    frontier, nodes = merkle.Frontier(), {}
    for size in range(1, 140):
        for level, index, h in frontier.append(hashlib.sha256(b"%d" % size).digest()):
            nodes[level, index] = h
        for index in range(size):
            path = pack_module._path(index, size)
            got = [pack_module._fold([nodes[n] for n in pack_module._span(ix << lv, min(
                (ix + 1) << lv, size))]) for lv, ix in path]  # fmt: skip
            assert got == merkle.inclusion_proof(index, size, lambda lv, ix: nodes[lv, ix])


async def test_an_unfiltered_pack_holds_every_position_and_verifies(scenario):
    c, _, _ = scenario
    line, _ = await _keys(c)
    pack = await _pack(c)
    report = verify_pack(io.BytesIO(pack), line)
    assert report.ok, report.error
    assert report.complete and report.events_verified == report.tree_size
    assert (report.first_position, report.last_position) == (1, report.tree_size)
    # a range after the last event is empty, and still complete
    late = await _pack(c, "?from=2999-01-01T00:00:00Z")
    empty = verify_pack(io.BytesIO(late), line)
    assert empty.ok and empty.complete and empty.events_verified == 0, empty.error
    r = await c.get("/v1/exports/audit-pack", headers=AUDITOR)
    assert int(r.headers["AIMS-Checkpoint-Position"]) == report.tree_size
    # leaving a position out (event and proof, manifest fixed up) is caught
    m = _members(pack)
    events, proofs = m["events.jsonl"].splitlines(True), m["proofs.jsonl"].splitlines(True)
    manifest = json.loads(m["manifest.json"])
    manifest["event_count"] -= 1
    cut = _rebuild(pack, {
        "events.jsonl": b"".join(events[:2] + events[3:]),
        "proofs.jsonl": b"".join(proofs[:2] + proofs[3:]),
        "manifest.json": json.dumps(manifest).encode(),
    }, fix_manifest=True)  # fmt: skip
    bad = verify_pack(io.BytesIO(cut), line)
    assert _refused(bad, "whole-tree pack holds positions 1..N in order")
    # a whole-tree pack carries no per-event proofs: its leaves rebuild the signed root
    assert all(json.loads(x)["hashes"] == [] for x in proofs)


async def test_event_lines_parse_as_cloudevents(scenario):
    c, a, _ = scenario
    lines = _members(await _pack(c, f"?system_id={a}"))["events.jsonl"].splitlines()
    assert lines
    for line in lines:
        event = from_json(line)
        assert event["specversion"] == "1.0" and event["source"].startswith("/aims/")
        assert event["aimsposition"] > 0 and json.loads(event["aimsdata"]) == event.data
        assert JSONFormat().read(None, line).get_type() == event["type"]


async def test_batch_boundaries_do_not_change_the_pack(scenario, monkeypatch):
    c, a, _ = scenario
    line, _ = await _keys(c)
    for query in ("", f"?system_id={a}"):
        whole = await _pack(c, query)
        with monkeypatch.context() as m:
            m.setattr(pack_module, "BATCH", 3)
            m.setattr(pack_module, "SPOOL", 100)  # proofs go through a temporary file
            small = await _pack(c, query)
        report = verify_pack(io.BytesIO(small), line)
        assert report.ok, report.error
        w, s = _members(whole), _members(small)
        for name in ("events.jsonl", "proofs.jsonl", "checkpoint.txt", "report.html"):
            assert s[name] == w[name], name


async def test_aims_export_writes_a_pack_that_aims_verify_accepts(scenario, database, tmp_path):
    c, a, _ = scenario
    line, pem = await _keys(c)
    (tmp_path / "log.pub").write_bytes(line)
    (tmp_path / "log.pem").write_bytes(pem)
    out = tmp_path / "pack.zip"
    settings = c.app.state.settings
    await export_file(database.url, out, settings.checkpoint_key_path,
                      origin=settings.log_origin, system_id=uuid.UUID(a))  # fmt: skip
    buf = io.StringIO()
    console = Console(file=buf, width=300)
    for key in ("log.pub", "log.pem"):
        assert verify_pack_cli(out, tmp_path / key, None, console, console) == 0
    text = buf.getvalue()
    assert "pack verifies" in text and "unverified context" in text and "soa.json" in text
    # another key of the same name, as PEM or line, and a witness's cosignature key
    wrong = load_signer(tmp_path / "other.pem").public_pem.encode()
    (tmp_path / "wrong.pem").write_bytes(wrong)
    other = Signer(settings.log_origin, Ed25519PrivateKey.generate())
    (tmp_path / "other.pub").write_text(other.verifier_line())
    cosigner = CosignatureSigner(settings.log_origin, Ed25519PrivateKey.generate())
    (tmp_path / "cosigner.pub").write_text(cosigner.verifier_line())
    for key in ("wrong.pem", "other.pub", "cosigner.pub"):
        assert verify_pack_cli(out, tmp_path / key, None, console, console) == 1, key
    assert verify_pack_cli(out, None, None, console, console) == 1
    out.write_bytes(_rebuild(out.read_bytes(), {"report.html": b"<p>all fine</p>"}))
    assert verify_pack_cli(out, tmp_path / "log.pub", None, console, console) == 1
    assert "report.html: sha256" in buf.getvalue()


async def test_the_aims_verify_command_line(scenario, tmp_path):
    from typer.testing import CliRunner

    from services.cli.main import app

    c, a, _ = scenario
    line, _ = await _keys(c)
    (tmp_path / "log.pub").write_bytes(line)
    (tmp_path / "pack.zip").write_bytes(await _pack(c, f"?system_id={a}"))
    args = ["verify", "--pack", str(tmp_path / "pack.zip"), "--public-key",
            str(tmp_path / "log.pub")]  # fmt: skip
    ok = CliRunner().invoke(app, args)
    assert ok.exit_code == 0 and "pack verifies" in ok.output, ok.output
    missing = CliRunner().invoke(app, [*args, "--witness-state", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1


async def _edit_one_row(admin_url: str, position: int, data: dict) -> None:
    """Finding 2: one event's data edited as the superuser, only its own chain hash fixed."""
    conn = await asyncpg.connect(plain_url(admin_url))
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("UPDATE events SET data = $1::json WHERE position = $2",
                           orjson.dumps(data).decode(), position)  # fmt: skip
        rows = [r async for batch in tree.raw_rows(conn, position - 2, position) for r in batch]
        prev = bytes(rows[0][9]) if position > 1 else GENESIS_HASH
        row = rows[-1]
        h = hashlib.sha256(tree.canonical_row(row, iso(row[6])) + prev).digest()
        await conn.execute("UPDATE events SET hash = $1 WHERE position = $2", h, position)
    finally:
        await conn.close()


async def test_a_single_row_edit_is_refused_by_the_export(service, store, database, tmp_path):
    """Finding 2: the export re-verifies each exported event against the signed root."""
    a, _, _, _ = await decisions(store)
    risk = str(uuid.uuid4())
    await store.append(f"risk-{risk}", [NewEvent("RiskClosed", {
        "risk_id": risk, "system_id": a, "reason": "treated"})],
        expected_version=0, metadata=meta("rita", "risk"))  # fmt: skip
    await register_system(store, owner="zed", name="Later")
    async with service("evidence") as c:
        assert (await c.post("/v1/checkpoints", headers=AUDITOR)).status_code == 201
        position = await database_position(database, "RiskClosed")
        await _edit_one_row(database.admin_url, position, {
            "risk_id": risk, "system_id": a, "reason": "nobody ever looked"})  # fmt: skip
        # a checkpoint covers the range: the stream stops at the edited event (over HTTP the
        # response has started, so the client gets a cut zip that never verifies)
        with pytest.raises(RuntimeError, match="response already started") as cut:
            await c.get(f"/v1/exports/audit-pack?system_id={a}", headers=AUDITOR)
        assert isinstance(cut.value.__cause__, PackRefused)
        assert f"position {position}" in str(cut.value.__cause__)
        assert "altered after it was signed" in str(cut.value.__cause__)
        out = tmp_path / "pack.zip"
        settings = c.app.state.settings
        with pytest.raises(PackRefused):
            await export_file(database.url, out, settings.checkpoint_key_path,
                              system_id=uuid.UUID(a))  # fmt: skip
        assert not out.exists() and not (tmp_path / "pack.zip.part").exists()
        # a later range needs a new checkpoint: the signer's full pass refuses to sign
        await register_system(store, owner="zed", name="Even later")
        r = await c.get(f"/v1/exports/audit-pack?system_id={a}", headers=AUDITOR)
        assert r.status_code == 409, r.text
        assert r.json()["type"].endswith("/chain_broken"), r.text


async def database_position(database, type_: str) -> int:
    conn = await asyncpg.connect(plain_url(database.admin_url))
    try:
        return int(await conn.fetchval("SELECT position FROM events WHERE type = $1", type_))
    finally:
        await conn.close()


@pytest.mark.filterwarnings("ignore:Duplicate name")
async def test_forged_entries_before_the_genuine_ones_are_refused(scenario):
    """Finding 3: a forged report.html and soa.json that unzip would show."""
    c, a, _ = scenario
    line, _ = await _keys(c)
    pack = await _pack(c, f"?system_id={a}")
    forged = [("report.html", b"<h1>all controls effective</h1>"), ("soa.json", b"[]")]
    bad = verify_pack(io.BytesIO(_rebuild(pack, before=forged)), line)
    assert _refused(bad, "duplicate entry names")
    # the same, hidden from the central directory: local entries before the genuine zip
    prefix = io.BytesIO()
    with zipfile.ZipFile(prefix, "w") as zf:
        for name, data in forged:
            zf.writestr(name, data)
        start = zf.start_dir
    hidden = prefix.getvalue()[:start] + pack
    assert zipfile.ZipFile(io.BytesIO(hidden)).testzip() is None  # zipfile itself accepts it
    bad = verify_pack(io.BytesIO(hidden), line)
    assert _refused(bad, "outside its listed entries")
    for extra in ([("manifest.sig", b"x")], [("../evil", b"x")]):
        bad = verify_pack(io.BytesIO(_rebuild(pack, before=extra)), line)
        assert _refused(bad, "unknown entries")
    # editing unverified context is caught by the manifest; re-hashing it is possible, and
    # then the verifier still says those files are unverified
    soa = _rebuild(pack, {"soa.json": b"[]"})
    assert _refused(verify_pack(io.BytesIO(soa), line), "soa.json: sha256")
    rehashed = verify_pack(io.BytesIO(_rebuild(pack, {"soa.json": b"[]"}, fix_manifest=True)), line)
    assert rehashed.ok and "soa.json" in rehashed.unverified_context
    assert "soa.json" not in rehashed.verified


# Peak RSS of this process image: VmHWM (ru_maxrss would carry pytest's peak across exec).
_MEASURE = """
import json, re, sys
from pathlib import Path
from services.evidence.integrity.verify_pack import verify_pack

def peak_kib():
    return int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text())[1])

key = Path(sys.argv[2]).read_bytes()
before = peak_kib()
report = verify_pack(Path(sys.argv[1]), key)
print(json.dumps({"ok": report.ok, "error": report.error, "growth_kib": peak_kib() - before}))
"""


def _bomb(pack: bytes, name: str, inflated: int, unit: bytes) -> bytes:
    """The pack with member `name` replaced by `inflated` bytes of `unit` repeated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(pack)) as src, zipfile.ZipFile(
        out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:  # fmt: skip
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info.filename, src.read(info.filename))
                continue
            block = unit * ((1 << 20) // len(unit))
            with dst.open(name, "w", force_zip64=True) as f:
                for _ in range(inflated // len(block)):
                    f.write(block)
    return out.getvalue()


async def test_a_zip_bomb_ends_with_a_clear_error_in_bounded_memory(scenario, tmp_path):
    c, a, _ = scenario
    line, _ = await _keys(c)
    (tmp_path / "log.pub").write_bytes(line)
    pack = await _pack(c, f"?system_id={a}")
    cases = {
        "manifest": (_bomb(pack, "manifest.json", 300 << 20, b"\0"), "declares"),
        "events": (_bomb(pack, "events.jsonl", 300 << 20, b"x"), "line longer than"),
        "lines": (_bomb(pack, "events.jsonl", 100 << 20, b"{}\n"), "events.jsonl line 1"),
    }
    for what, (bomb, expected) in cases.items():
        assert len(bomb) < 1_000_000, (what, len(bomb))
        path = tmp_path / f"{what}.zip"
        path.write_bytes(bomb)
        started = _child_cpu()  # CPU, not wall-clock time: the machine may be loaded
        run = subprocess.run([sys.executable, "-c", _MEASURE, str(path), str(tmp_path / "log.pub")],
                             cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
        assert not result["ok"] and expected in result["error"], (what, result)
        assert result["growth_kib"] < 100 * 1024, (what, result)
        took = _child_cpu() - started
        print(f"\nzip bomb {what}: {len(bomb)} bytes, max RSS growth {result['growth_kib']} KiB,"
              f" {took:.2f} s of CPU: {result['error']}")  # fmt: skip
        assert took < 20, what


def _child_cpu() -> float:
    """CPU seconds the finished child processes of this one have used."""
    t = os.times()
    return t.children_user + t.children_system


async def test_a_witness_state_proves_consistency_and_catches_a_rewrite(
    service, store, database, tmp_path
):
    witness = CosignatureSigner("witness.example/w1", Ed25519PrivateKey.generate())
    async with service("evidence", witness_keys=witness.verifier_line()) as c:
        a, _, _, _ = await decisions(store)
        await _fill(store, 40)
        assert (await c.post("/v1/checkpoints", headers=AUDITOR)).status_code == 201
        line, _ = await _keys(c)
        log = Verifier.from_line(line.decode().strip())
        # an auditor's witness: verify, cosign, keep the note outside the database, post it
        note = (await c.get("/v1/log/checkpoint")).text
        seen, _ = open_checkpoint(note, [log])
        cosigned = note + witness.cosign(seen.format(), int(time.time()))
        state = tmp_path / "witness"
        state.mkdir()
        (state / "checkpoint").write_text(cosigned)
        (state / "witness.pub").write_text(witness.verifier_line() + "\n")
        assert (await c.post("/v1/log/cosignatures", content=cosigned)).status_code == 200
        # the same size: the pack carries the witness's cosignature, checked with its key
        same = await _pack(c, f"?system_id={a}")
        report = verify_pack(io.BytesIO(same), line, state)
        assert report.ok, report.error
        assert report.cosigned_by == [witness.name] and "witnessed one" in (report.witness or "")
        # the log grows: the pack proves it extends the witnessed tree
        await _fill(store, 25)
        grown = await _pack(c, f"?system_id={a}")
        consistency = json.loads(_members(grown)["consistency.json"])
        assert [(x["first"], x["second"]) for x in consistency] == [
            (seen.size, json.loads(_members(grown)["manifest.json"])["tree_size"])]  # fmt: skip
        report = verify_pack(io.BytesIO(grown), line, state)
        assert report.ok, report.error
        assert f"consistent with the witnessed checkpoint of size {seen.size}" == report.witness
        buf = io.StringIO()
        console = Console(file=buf, width=300)
        (tmp_path / "log.pub").write_bytes(line)
        (tmp_path / "grown.zip").write_bytes(grown)
        assert verify_pack_cli(tmp_path / "grown.zip", tmp_path / "log.pub", state,
                               console, console) == 0  # fmt: skip
        # without its consistency proof, the pack cannot show it extends the witnessed tree
        stripped = _rebuild(grown, {"consistency.json": b"[]"}, fix_manifest=True)
        bad = verify_pack(io.BytesIO(stripped), line, state)
        assert _refused(bad, "holds no proof between the witnessed size")
        assert verify_pack(io.BytesIO(stripped), line).ok  # nothing to compare without a state
        assert _refused(verify_pack(io.BytesIO(grown), line, tmp_path / "none"), "does not exist")
        # an operator holding the superuser and the signing key rewrites a witnessed event
        # and re-signs every checkpoint: the new pack verifies with the key alone, and fails
        # against the witness state
        key = load_signer(c.app.state.settings.checkpoint_key_path).key
        await rewrite(database.admin_url, 3, {"system_id": a, "forged": True}, key=key)
        await _fill(store, 3)
        forged = await _pack(c, f"?system_id={a}")
        assert verify_pack(io.BytesIO(forged), line).ok
        bad = verify_pack(io.BytesIO(forged), line, state)
        assert _refused(bad, "inconsistent history")


async def test_a_witness_state_of_another_log_or_a_fork_fails(service, store, tmp_path):
    async with service("evidence") as c:
        await _fill(store, 10)
        line, _ = await _keys(c)
        pack = await _pack(c)
        note = _members(pack)["checkpoint.txt"].decode()
        cp, _ = open_checkpoint(note, [Verifier.from_line(line.decode().strip())])
        state = tmp_path / "state"
        state.mkdir()
        stranger = Signer("aims.local/log", Ed25519PrivateKey.generate())
        (state / "checkpoint").write_text(sign_note(cp.format(), stranger))
        bad = verify_pack(io.BytesIO(pack), line, state)
        assert _refused(bad, "witness state checkpoint")
        key = load_signer(c.app.state.settings.checkpoint_key_path).key
        fork = Checkpoint(cp.origin, cp.size, hashlib.sha256(b"other").digest())
        (state / "checkpoint").write_text(sign_note(fork.format(), Signer(cp.origin, key)))
        bad = verify_pack(io.BytesIO(pack), line, state)
        assert _refused(bad, "fork")


@pytest.mark.parametrize("stored", [False, True], ids=["isal-deflate", "stored"])
async def test_a_whole_log_pack_deflated_or_stored_reads_with_unzip_and_zipfile_and_verifies(
    scenario, database, tmp_path, stored
):
    c, _, _ = scenario
    line, _ = await _keys(c)
    out = tmp_path / "pack.zip"
    settings = c.app.state.settings
    await export_file(database.url, out, settings.checkpoint_key_path,
                      origin=settings.log_origin, stored=stored)  # fmt: skip
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None  # every member's CRC checks with Python's zlib
        method = {i.compress_type for i in zf.infolist()}
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    assert method == {zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED}
    manifest = json.loads(members["manifest.json"])
    for name, meta_ in manifest["files"].items():
        assert hashlib.sha256(members[name]).hexdigest() == meta_["sha256"]
    if shutil.which("unzip"):  # Info-ZIP, where the machine has it
        unzip = subprocess.run(["unzip", "-tq", str(out)], capture_output=True, text=True)
        assert unzip.returncode == 0, unzip.stdout + unzip.stderr
    report = verify_pack(out, line)
    assert report.ok, report.error


async def test_worker_processes_render_the_same_whole_log_pack(
    scenario, database, tmp_path, monkeypatch
):
    """A large whole-log pack is rendered by one worker process per core, window by window:
    the members are the bytes one process writes, and the pack verifies."""
    c, _, _ = scenario
    line, _ = await _keys(c)
    settings = c.app.state.settings
    packs = {}
    for name, parallel_min in (("one", 10**9), ("workers", 1)):
        out = tmp_path / f"{name}.zip"
        with monkeypatch.context() as m:
            m.setattr(pack_module, "BATCH", 7)  # many windows, several in flight
            await export_file(database.url, out, settings.checkpoint_key_path,
                              origin=settings.log_origin, parallel_min=parallel_min)  # fmt: skip
        report = verify_pack(out, line)
        assert report.ok and report.complete, report.error
        packs[name] = _members(out.read_bytes())
    one, workers = packs["one"], packs["workers"]
    for name in ("events.jsonl", "proofs.jsonl", "checkpoint.txt", "report.html"):
        assert workers[name] == one[name], name
    files = [json.loads(m["manifest.json"])["files"] for m in (one, workers)]
    assert files[0] == files[1]


async def test_worker_processes_refuse_an_edited_row(service, store, database, tmp_path):
    """The leaves the workers send back must rebuild the signed root, or nothing is written."""
    a, _, _, _ = await decisions(store)
    await register_system(store, owner="zed", name="Later")
    async with service("evidence") as c:
        assert (await c.post("/v1/checkpoints", headers=AUDITOR)).status_code == 201
        position = await database_position(database, "SystemRegistered")
        await _edit_one_row(database.admin_url, position, {"system_id": a, "name": "forged"})
        out = tmp_path / "pack.zip"
        settings = c.app.state.settings
        with pytest.raises(PackRefused, match="do not rebuild the root"):
            await export_file(database.url, out, settings.checkpoint_key_path,
                              origin=settings.log_origin, parallel_min=1)  # fmt: skip
        assert not out.exists() and not (tmp_path / "pack.zip.part").exists()


async def test_worker_windows_leave_no_files_and_a_stopped_export_removes_them(
    scenario, database, monkeypatch
):
    """Workers hand their lines over in files of a private directory: each is removed once
    read, and the directory goes when an export stops early too (a client gone)."""
    from services.evidence.integrity import pack_workers

    made: list[str] = []
    real = pack_workers._directory

    def directory() -> str:
        made.append(real())
        return made[-1]

    monkeypatch.setattr(pack_workers, "_directory", directory)
    monkeypatch.setattr(pack_module, "BATCH", 3)
    conn = await asyncpg.connect(database.url)
    try:
        head = await conn.fetchval("SELECT max(position) FROM events")
    finally:
        await conn.close()
    windows = [w async for w in pack_workers.rendered(database.url, 0, head, set(), count=2)]
    assert sum(len(w.leaves) for w in windows) == head
    stopped = pack_workers.rendered(database.url, 0, head, set(), count=2)
    assert (await anext(stopped)).events  # the first window, then the consumer goes away
    await stopped.aclose()
    deadline = time.monotonic() + 60  # the workers stop, then the directory goes
    while _left(made) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert len(made) == 2 and not _left(made)


def _left(directories: list[str]) -> list[str]:
    return [d for d in directories if os.path.exists(d)]


def test_worker_windows_go_to_memory_only_where_it_has_room(tmp_path):
    """A small /dev/shm (a container's 64 MiB) would fill mid-export: the windows' files go
    to the temporary directory instead."""
    import tempfile

    from services.evidence.integrity import pack_workers

    roomy = pack_workers._directory(tmp_path, min_free=0)
    small = pack_workers._directory(tmp_path, min_free=1 << 62)
    assert os.path.dirname(roomy) == str(tmp_path)
    assert os.path.dirname(small) == tempfile.gettempdir()
    os.rmdir(roomy)
    os.rmdir(small)
