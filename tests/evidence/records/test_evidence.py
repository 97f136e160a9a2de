"""Evidence: referenced or uploaded, content-addressed, superseded, listed."""

import hashlib
import os
from datetime import UTC, datetime, timedelta

from tests.support.apps import auth

OWNER = auth("olivia", "system_owner")
VIEWER = auth("vic", "viewer")
SHA = "a" * 64


def evidence(**overrides):
    body = {
        "kind": "test_report",
        "title": "Bias evaluation",
        "sha256": SHA,
        "uri": "s3://reports/bias.pdf",
        "control_ids": ["A.6.2.4"],
        "collected_at": "2025-01-10T10:00:00Z",
    }
    return {**body, **overrides}


async def test_an_uploaded_file_downloads_with_the_same_bytes_and_hash(service):
    content = bytes(range(256)) * 4000
    digest = hashlib.sha256(content).hexdigest()
    async with service("evidence") as c:
        r = await c.post(
            "/v1/evidence",
            data={
                "kind": "model_card",
                "title": "Model card v3",
                "control_ids": ["A.6.2.7"],
                "collected_at": "2025-01-10T10:00:00Z",
            },
            files={"file": ("card.pdf", content, "application/pdf")},
            headers=OWNER,
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["sha256"] == digest and body["stored"] and body["size"] == len(content)
        got = await c.get(body["content_url"], headers=VIEWER)
        assert got.status_code == 200
        assert hashlib.sha256(got.content).hexdigest() == digest
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["x-content-sha256"] == digest


async def test_an_upload_whose_declared_hash_differs_is_refused(service):
    async with service("evidence") as c:
        r = await c.post(
            "/v1/evidence",
            data={"kind": "minutes", "title": "Board", "sha256": SHA},
            files={"file": ("m.txt", b"minutes", "text/plain")},
            headers=OWNER,
        )
        assert r.status_code == 422
        assert "sha256" in r.json()["detail"]


async def test_an_upload_over_the_size_limit_is_413_problem_json(service):
    async with service("evidence", upload_max_bytes=1000) as c:
        r = await c.post(
            "/v1/evidence",
            data={"kind": "minutes", "title": "Too big"},
            files={"file": ("big.bin", b"x" * 1001, "application/octet-stream")},
            headers=OWNER,
        )
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        ok = await c.post(
            "/v1/evidence",
            data={"kind": "minutes", "title": "Fits"},
            files={"file": ("ok.bin", b"x" * 1000, "application/octet-stream")},
            headers=OWNER,
        )
        assert ok.status_code == 201, ok.text
        blobs = c.app.state.settings.blob_dir
        assert sorted(p.name for p in blobs.iterdir() if p.is_file()) == [ok.json()["sha256"]]
        assert list((blobs / "tmp").iterdir()) == []


async def test_a_body_far_over_the_limit_is_refused_before_it_is_read(service):
    async with service("evidence", upload_max_bytes=1000) as c:
        r = await c.post(
            "/v1/evidence",
            files={"file": ("big.bin", b"x" * 2_000_000, "application/octet-stream")},
            headers=OWNER,
        )
        assert r.status_code == 413


async def test_referenced_evidence_has_no_content_here(service):
    async with service("evidence") as c:
        r = await c.post("/v1/evidence", json=evidence(), headers=OWNER)
        assert r.status_code == 201, r.text
        assert r.headers["location"] == f"/v1/evidence/{r.json()['id']}"
        got = await c.get(f"/v1/evidence/{r.json()['id']}/content", headers=VIEWER)
        assert got.status_code == 404
        assert got.headers["content-type"] == "application/problem+json"


async def test_unknown_controls_and_extra_fields_are_refused_and_nothing_is_written(service):
    async with service("evidence") as c:
        bad = await c.post("/v1/evidence", json=evidence(control_ids=["A.99"]), headers=OWNER)
        extra = await c.post("/v1/evidence", json=evidence(colour="red"), headers=OWNER)
        short = await c.post("/v1/evidence", json=evidence(sha256="abc"), headers=OWNER)
        assert (bad.status_code, extra.status_code, short.status_code) == (422, 422, 422)
        assert "sha256" in short.json()["detail"]
        assert await c.app.state.store.head_position() == 0


async def test_superseding_keeps_the_old_record_and_links_both(service):
    async with service("evidence") as c:
        old = (await c.post("/v1/evidence", json=evidence(), headers=OWNER)).json()
        r = await c.post(
            f"/v1/evidence/{old['id']}/supersede",
            json=evidence(sha256="b" * 64, title="Bias evaluation v2"),
            headers=OWNER,
        )
        assert r.status_code == 201, r.text
        new = r.json()
        assert new["supersedes"] == old["id"]
        again = await c.post(
            f"/v1/evidence/{old['id']}/supersede", json=evidence(sha256="c" * 64), headers=OWNER
        )
        assert again.status_code == 409
        got = (await c.get(f"/v1/evidence/{old['id']}", headers=VIEWER)).json()
        assert got["superseded_by"] == new["id"] and got["status"] == "superseded"
        assert got["sha256"] == SHA  # nothing edited
        pos = r.headers["aims-position"]
        listed = await c.get(f"/v1/evidence?min_position={pos}", headers=VIEWER)
        assert [e["id"] for e in listed.json()["items"]] == [new["id"]]
        everything = await c.get("/v1/evidence?include_superseded=true", headers=VIEWER)
        assert len(everything.json()["items"]) == 2


async def test_evidence_lists_filter_by_system_control_and_kind_with_a_cursor(service):
    system = "5b0c3f1e-8f0a-4c1e-9a43-1d2e3f4a5b6c"
    async with service("evidence") as c:
        for i in range(5):
            r = await c.post(
                "/v1/evidence",
                json=evidence(
                    sha256=f"{i:064x}",
                    system_ids=[system] if i % 2 == 0 else [],
                    control_ids=["A.7.4"] if i < 2 else ["A.6.2.4"],
                    kind="metric" if i == 4 else "test_report",
                ),
                headers=OWNER,
            )
            assert r.status_code == 201
        pos = r.headers["aims-position"]
        q = f"/v1/evidence?min_position={pos}"
        by_system = (await c.get(f"{q}&system_id={system}", headers=VIEWER)).json()["items"]
        assert [e["sha256"][-1] for e in by_system] == ["4", "2", "0"]
        by_control = (await c.get(f"{q}&control_id=A.7.4", headers=VIEWER)).json()["items"]
        assert len(by_control) == 2
        by_kind = (await c.get(f"{q}&kind=metric", headers=VIEWER)).json()["items"]
        assert len(by_kind) == 1
        first = (await c.get(f"{q}&limit=3", headers=VIEWER)).json()
        rest = (
            await c.get(f"/v1/evidence?limit=3&cursor={first['next_cursor']}", headers=VIEWER)
        ).json()
        assert len(first["items"]) == 3 and len(rest["items"]) == 2 and rest["next_cursor"] is None


async def test_evidence_expiring_within_days_leaves_out_expired_and_later_ones(service):
    now = datetime.now(UTC)
    ends = {"expired": now - timedelta(days=1), "soon": now + timedelta(days=10),
            "later": now + timedelta(days=60), "open-ended": None}  # fmt: skip
    async with service("evidence") as c:
        for i, (title, until) in enumerate(ends.items()):
            body = evidence(sha256=f"{i + 10:064x}", title=title,
                            valid_until=until.isoformat() if until else None)  # fmt: skip
            r = await c.post("/v1/evidence", json=body, headers=OWNER)
            assert r.status_code == 201, r.text
        q = f"/v1/evidence?min_position={r.headers['aims-position']}&expires_within_days="
        soon = (await c.get(f"{q}30", headers=VIEWER)).json()["items"]
        assert [e["title"] for e in soon] == ["soon"]
        assert [e["status"] for e in soon] == ["current"]
        bad = await c.get(f"{q}-1", headers=VIEWER)
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")


async def test_a_viewer_cannot_record_evidence(service):
    async with service("evidence") as c:
        r = await c.post("/v1/evidence", json=evidence(), headers=VIEWER)
        assert r.status_code == 403


async def test_a_retried_upload_with_an_idempotency_key_records_it_once(service):
    async with service("evidence") as c:
        # A retry resends the same bytes, so the multipart boundary is fixed here.
        headers = {
            **OWNER,
            "Idempotency-Key": "upload-1",
            "Content-Type": "multipart/form-data; boundary=aims-test-boundary",
        }
        form = {"kind": "minutes", "title": "Board minutes"}
        content = os.urandom(3 * 1024 * 1024 + 7)  # spooled to disk, handed on in chunks
        file = {"file": ("m.bin", content, "application/octet-stream")}
        first = await c.post("/v1/evidence", data=form, files=file, headers=headers)
        second = await c.post("/v1/evidence", data=form, files=file, headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json()["id"] == second.json()["id"]
        assert second.headers["idempotent-replayed"] == "true"
        assert await c.app.state.store.head_position() == 1
        stored = await c.get(f"/v1/evidence/{first.json()['id']}/content", headers=OWNER)
        assert hashlib.sha256(stored.content).hexdigest() == hashlib.sha256(content).hexdigest()
