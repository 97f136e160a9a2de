"""Audit packs: streamed zip, offline verification, tamper detection, CloudEvents lines."""

import io
import json
import zipfile

import pytest
from cloudevents.core.formats.json import JSONFormat
from cloudevents.v1.http import from_json
from rich.console import Console

from services.evidence import pack as pack_module
from services.evidence.pack import export_file
from services.evidence.pack_verify import verify_pack, verify_pack_cli
from tests.evidence.support import register_system
from tests.evidence.test_trail import _decisions
from tests.support.apps import auth

AUDITOR = auth("carol", "auditor")
FILES = [
    "events.jsonl",
    "chain.jsonl",
    "checkpoint.json",
    "soa.json",
    "report.html",
    "README.txt",
    "manifest.json",
    "manifest.sig",
]


async def _pack(c, query=""):
    r = await c.get(f"/v1/exports/audit-pack{query}", headers=AUDITOR)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    return r.content


def _flip(pack: bytes, name: str, at: int) -> bytes:
    """The pack with one byte of one file inverted (the zip itself rebuilt consistently)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(pack)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = bytearray(src.read(info.filename))
            if info.filename == name:
                data[at % len(data)] ^= 0xFF
            dst.writestr(info.filename, bytes(data))
    return out.getvalue()


@pytest.fixture
async def scenario(service, store):
    """Decisions of three services about system A, and a nonconformity closed on A."""
    a, b, _, _ = await _decisions(store)
    async with service("evidence") as c:
        audit = (
            await c.post(
                "/v1/audits",
                json={
                    "title": "Q1",
                    "scope": "credit",
                    "criteria": "42001",
                    "system_ids": [a],
                    "auditors": ["carol"],
                    "starts_on": "2025-02-01",
                    "ends_on": "2025-02-02",
                },
                headers=auth("ada", "admin"),
            )
        ).json()
        f = await c.post(
            f"/v1/audits/{audit['id']}/findings",
            json={
                "kind": "major_nc",
                "reference": "A.6.2.4",
                "description": "no tests",
                "system_id": a,
                "raise_nonconformity": True,
            },
            headers=AUDITOR,
        )
        nc = f.json()["nonconformity_id"]
        await c.post(
            f"/v1/nonconformities/{nc}/close",
            json={"effectiveness_review": "tests added"},
            headers=AUDITOR,
        )
        await register_system(store, owner="zed", name="Unrelated")
        pem = (await c.get("/v1/checkpoints/public-key", headers=AUDITOR)).content
        pos = await c.app.state.store.head_position()
        await c.get(f"/v1/audit-trail?min_position={pos}", headers=AUDITOR)  # projections
        yield c, a, b, pem


async def test_a_system_pack_verifies_offline_and_holds_only_that_system(scenario):
    c, a, b, pem = scenario
    pack = await _pack(c, f"?system_id={a}")
    report = verify_pack(io.BytesIO(pack), pem)
    assert report.ok, report.error
    with zipfile.ZipFile(io.BytesIO(pack)) as zf:
        assert sorted(zf.namelist()) == sorted(FILES)
        events = [json.loads(line) for line in zf.read("events.jsonl").splitlines()]
        manifest = json.loads(zf.read("manifest.json"))
        html = zf.read("report.html").decode()
        soa = json.loads(zf.read("soa.json"))
    types = [e["type"] for e in events]
    assert report.events_verified == len(events) == manifest["event_count"]
    assert "SoAEntrySet" in types and "NonconformityClosed" in types
    assert all(
        e["data"].get("system_id") in (a, None) or a in e["data"].get("system_ids", [])
        for e in events
    )
    assert not any(e["data"].get("name") == "Unrelated" for e in events)
    assert "Credit" in html and "Audits, findings and corrective actions" in html
    assert len(soa) == 38 and soa[[s["control_id"] for s in soa].index("A.6.2.4")]["applicable"]


async def test_flipping_any_byte_of_any_file_fails_verification(scenario):
    c, a, _, pem = scenario
    pack = await _pack(c, f"?system_id={a}")
    for name in FILES:
        for at in (0, 37, -1):
            report = verify_pack(io.BytesIO(_flip(pack, name, at)), pem)
            assert not report.ok, f"{name}[{at}] flipped still verifies"
    raw = bytearray(pack)
    raw[len(raw) // 2] ^= 0xFF
    assert not verify_pack(io.BytesIO(bytes(raw)), pem).ok


async def test_a_pack_does_not_verify_with_another_key(scenario, tmp_path):
    from services.evidence.signing import load_signer

    c, a, _, _ = scenario
    other = load_signer(tmp_path / "other.pem").public_pem.encode()
    assert not verify_pack(io.BytesIO(await _pack(c)), other).ok


async def test_event_lines_parse_as_cloudevents(scenario):
    c, a, _, _ = scenario
    with zipfile.ZipFile(io.BytesIO(await _pack(c, f"?system_id={a}"))) as zf:
        lines = zf.read("events.jsonl").splitlines()
    assert lines
    for line in lines:
        event = from_json(line)
        assert event["specversion"] == "1.0" and event["source"].startswith("/aims/")
        assert event["aimsposition"] > 0 and len(event["aimshash"]) == 64
        assert isinstance(event.data, dict)
        assert JSONFormat().read(None, line).get_type() == event["type"]


async def test_an_unfiltered_pack_covers_every_position_up_to_the_checkpoint(scenario):
    c, _, _, pem = scenario
    pack = await _pack(c, "?from=2000-01-01T00:00:00Z")
    report = verify_pack(io.BytesIO(pack), pem)
    assert report.ok, report.error
    assert report.events_verified == report.checkpoint["position"]


async def test_batch_boundaries_do_not_change_the_pack(scenario, monkeypatch):
    """Hashes carried from batch to batch and across positions a filter skips."""
    c, a, _, pem = scenario
    for query in ("", f"?system_id={a}"):
        whole = await _pack(c, query)
        with monkeypatch.context() as m:
            m.setattr(pack_module, "BATCH", 3)
            small = await _pack(c, query)
        report = verify_pack(io.BytesIO(small), pem)
        assert report.ok, report.error
        with zipfile.ZipFile(io.BytesIO(whole)) as w, zipfile.ZipFile(io.BytesIO(small)) as s:
            for name in ("events.jsonl", "chain.jsonl", "report.html"):
                assert s.read(name) == w.read(name), name


async def test_aims_export_writes_a_pack_that_aims_verify_accepts(scenario, database, tmp_path):
    c, a, _, pem = scenario
    key = tmp_path / "public.pem"
    key.write_bytes(pem)
    out = tmp_path / "pack.zip"
    settings = c.app.state.settings
    await export_file(database.url, out, settings.checkpoint_key_path, system_id=a)
    console = Console(file=io.StringIO())
    assert verify_pack_cli(out, key, console, console) == 0
    assert "pack verifies" in console.file.getvalue()
    out.write_bytes(_flip(out.read_bytes(), "report.html", 100))
    assert verify_pack_cli(out, key, console, console) == 2
    assert verify_pack_cli(out, None, console, console) == 1
