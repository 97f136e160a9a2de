"""The blob store: private files, and no blob left behind by an upload whose event is refused."""

import hashlib
import stat
import uuid

from services.evidence.records.blobs import BlobStore
from tests.support.apps import auth

OWNER = auth("olivia", "system_owner")
FORM = {"kind": "model_card", "title": "Model card", "control_ids": ["A.6.2.7"],
        "collected_at": "2025-01-10T10:00:00Z"}  # fmt: skip


async def upload(c, content: bytes, **fields):
    return await c.post("/v1/evidence", data={**FORM, **fields}, headers=OWNER,
                        files={"file": ("card.pdf", content, "application/pdf")})  # fmt: skip


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def stored(c) -> list[str]:
    root = c.app.state.settings.blob_dir
    return sorted(p.name for p in root.iterdir() if p.is_file()) if root.exists() else []


async def log_and_read_model(c) -> tuple[int, int]:
    pool = c.app.state.pool
    return (await pool.fetchval("SELECT count(*) FROM events"),
            await pool.fetchval("SELECT count(*) FROM evidence_evidence"))  # fmt: skip


async def test_blob_directories_are_0700_and_blobs_0400(service):
    async with service("evidence") as c:
        r = await upload(c, b"model card bytes")
        assert r.status_code == 201, r.text
        root = c.app.state.settings.blob_dir
        assert mode(root) == mode(root / "tmp") == 0o700
        assert mode(root / r.json()["sha256"]) == 0o400
        assert list((root / "tmp").iterdir()) == []


async def test_an_upload_whose_event_is_refused_leaves_no_blob_and_writes_nothing(service):
    async with service("evidence") as c:
        content = b"bytes nobody keeps"
        missing = await upload(c, content, supersedes=str(uuid.uuid4()))
        assert missing.status_code == 404, missing.text
        unknown = await upload(c, content, control_ids=["A.99"])
        assert unknown.status_code == 422, unknown.text
        assert missing.headers["content-type"] == "application/problem+json"
        assert stored(c) == [] and list((c.app.state.settings.blob_dir / "tmp").iterdir()) == []
        assert await log_and_read_model(c) == (0, 0)


async def test_an_upload_refused_by_a_conflict_leaves_no_blob(service):
    async with service("evidence") as c:
        first = await upload(c, b"v1")
        second = await upload(c, b"v2", supersedes=first.json()["id"])
        assert second.status_code == 201
        pos = second.headers["aims-position"]
        await c.get(f"/v1/evidence?min_position={pos}", headers=OWNER)  # read model caught up
        before = await log_and_read_model(c)
        clash = await upload(c, b"v3 never recorded", supersedes=first.json()["id"])
        assert clash.status_code == 409, clash.text
        assert stored(c) == sorted([first.json()["sha256"], second.json()["sha256"]])
        assert await log_and_read_model(c) == before


async def test_a_refused_upload_keeps_a_blob_another_record_references(service):
    async with service("evidence") as c:
        content = b"shared report"
        kept = await upload(c, content)
        refused = await upload(c, content, supersedes=str(uuid.uuid4()))
        assert (kept.status_code, refused.status_code) == (201, 404)
        assert stored(c) == [hashlib.sha256(content).hexdigest()]
        got = await c.get(kept.json()["content_url"], headers=OWNER)
        assert got.status_code == 200 and got.content == content


def writer_of(store: BlobStore, content: bytes):
    w = store.writer()
    w.write(content)
    w.finish()
    return w


async def test_a_refused_twin_racing_a_recorded_one_never_loses_the_blob(tmp_path):
    store, content = BlobStore(tmp_path / "blobs", 1 << 20), b"same bytes"
    digest = hashlib.sha256(content).hexdigest()
    refused, recorded = writer_of(store, content), writer_of(store, content)
    refused.commit()
    recorded.commit()
    assert refused.created and not recorded.created

    async def not_yet_committed(sha: str) -> bool:
        recorded.settle()  # the twin's event commits while the refused one looks
        return False

    await refused.refuse(not_yet_committed)
    path = store.path(digest)
    assert path is not None and path.read_bytes() == content
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []


async def test_a_recorded_upload_puts_its_copy_back_if_a_refused_twin_moved_the_blob(tmp_path):
    store, content = BlobStore(tmp_path / "blobs", 1 << 20), b"same bytes"
    digest = hashlib.sha256(content).hexdigest()
    refused, recorded = writer_of(store, content), writer_of(store, content)
    refused.commit()
    recorded.commit()

    async def unreferenced(sha: str) -> bool:
        return False

    await refused.refuse(unreferenced)
    assert store.path(digest) is None
    recorded.settle()  # its event committed after the refused twin looked
    path = store.path(digest)
    assert path is not None and path.read_bytes() == content and mode(path) == 0o400
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []
