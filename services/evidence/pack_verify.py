"""Offline verification of an aims audit pack: no database, only the stdlib and cryptography.

What an auditor can check with the pack and the deployment's Ed25519 public key alone:

1. `manifest.sig` is a valid signature of `manifest.json`, and every other file's sha256
   matches the manifest: no byte of any file can change unnoticed.
2. `checkpoint.json` is a valid signature of (position, head hash, time): the log held
   exactly that head when the checkpointer signed it.
3. Every exported event's hash is recomputed from its exact stored content and its
   predecessor's hash (the canonical form of shared/kernel/eventstore/hashing.py), and equals
   the hash listed for its position in `chain.jsonl`.
4. `chain.jsonl` lists the hash of every position from just before the first exported
   event up to the checkpoint, and ends with the signed head hash.

A filtered pack leaves out other systems' events, so the links between two exported
events that are not adjacent cannot be recomputed offline (that needs every event's
content); those hashes are vouched for by the signed manifest, and a live
`GET /v1/integrity` (or `aims verify`) recomputes them. A pack without a system filter
has no gaps: every link up to the signed head is recomputed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

PACK_FORMAT = "aims-audit-pack/1"
GENESIS = "0" * 64
SIGNED_FILES = ("manifest.json", "manifest.sig")


def checkpoint_message(position: int, head_hash: str, signed_at: str) -> bytes:
    """The bytes a checkpoint signature covers."""
    return f"aims-checkpoint/v1\n{position}\n{head_hash}\n{signed_at}".encode()


def manifest_message(manifest: bytes) -> bytes:
    """The bytes a pack signature covers."""
    return b"aims-audit-pack/v1\n" + manifest


def event_hash(event: dict[str, Any], prev_hash: str) -> str:
    """Recompute an exported event's chain hash from its exact stored content."""
    header = json.dumps(
        [event["aimsposition"], event["id"], event["aimsstream"], event["aimsversion"],
         event["type"], event["aimsschemaversion"], event["time"]],
        separators=(",", ":"), ensure_ascii=False,
    ).encode()  # fmt: skip
    body = b"\n".join((header, event["aimsdata"].encode(), event["aimsmetadata"].encode()))
    return hashlib.sha256(body + bytes.fromhex(prev_hash)).hexdigest()


class PackError(Exception):
    """The pack does not verify."""


@dataclass
class PackReport:
    ok: bool
    events_verified: int = 0
    checkpoint: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def verify_pack(pack: Path | IO[bytes], public_key_pem: bytes) -> PackReport:
    """Verify a pack against a public key; never raises for a bad pack."""
    report = PackReport(ok=False)
    try:
        key = load_pem_public_key(public_key_pem)
        if not isinstance(key, Ed25519PublicKey):
            raise PackError("the public key is not an Ed25519 key")
        with zipfile.ZipFile(pack) as zf:
            report.manifest = _check_manifest(zf, key)
            report.checkpoint = _check_checkpoint(zf, key)
            report.events_verified = _check_events(zf, report.manifest, report.checkpoint)
        report.ok = True
    except PackError as exc:
        report.error = str(exc)
    except (
        ValueError,
        KeyError,
        TypeError,
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
    ) as exc:
        report.error = f"malformed pack: {type(exc).__name__}: {exc}"
    return report


def _sig_ok(key: Ed25519PublicKey, signature: str, message: bytes) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        if base64.b64encode(raw).decode() != signature:  # only the canonical encoding counts
            return False
        key.verify(raw, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _check_manifest(zf: zipfile.ZipFile, key: Ed25519PublicKey) -> dict[str, Any]:
    raw = zf.read("manifest.json")
    if not _sig_ok(key, zf.read("manifest.sig").decode(), manifest_message(raw)):
        raise PackError("manifest.sig is not a valid signature of manifest.json by this key")
    manifest = json.loads(raw)
    if manifest.get("format") != PACK_FORMAT:
        raise PackError(f"unknown pack format {manifest.get('format')!r}")
    listed = manifest["files"]
    present = {n for n in zf.namelist() if n not in SIGNED_FILES}
    if present != set(listed):
        raise PackError(f"files differ from the manifest: {sorted(present ^ set(listed))}")
    for name, meta in listed.items():
        digest = hashlib.sha256()
        with zf.open(name) as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != meta["sha256"]:
            raise PackError(f"{name}: sha256 does not match the manifest")
    return manifest  # type: ignore[no-any-return]


def _check_checkpoint(zf: zipfile.ZipFile, key: Ed25519PublicKey) -> dict[str, Any]:
    cp = json.loads(zf.read("checkpoint.json"))
    message = checkpoint_message(int(cp["position"]), cp["head_hash"], cp["signed_at"])
    if not _sig_ok(key, cp["signature"], message):
        raise PackError("checkpoint.json: the signature does not verify with this key")
    return cp  # type: ignore[no-any-return]


def _lines(zf: zipfile.ZipFile, name: str) -> Iterator[dict[str, Any]]:
    with zf.open(name) as f:
        for raw in f:
            if raw.strip():
                yield json.loads(raw)


class _Chain:
    """Walks chain.jsonl forward, checking that positions are contiguous."""

    def __init__(self, rows: Iterator[dict[str, Any]]) -> None:
        self.rows, self.hash = rows, GENESIS
        self.position: int | None = None

    def advance(self) -> bool:
        row = next(self.rows, None)
        if row is None:
            return False
        pos = int(row["position"])
        if self.position is not None and pos != self.position + 1:
            raise PackError(f"chain.jsonl: position {pos} follows {self.position}")
        self.position, self.hash = pos, row["hash"]
        return True

    def seek(self, position: int) -> str:
        while self.position is None or self.position < position:
            if not self.advance():
                raise PackError(f"chain.jsonl ends before position {position}")
        if self.position != position:
            raise PackError(f"chain.jsonl has no position {position}")
        return self.hash


def _check_events(zf: zipfile.ZipFile, manifest: dict[str, Any], cp: dict[str, Any]) -> int:
    chain, count, last = _Chain(_lines(zf, "chain.jsonl")), 0, 0
    for event in _lines(zf, "events.jsonl"):
        pos = int(event["aimsposition"])
        if event.get("specversion") != "1.0" or pos <= last:
            raise PackError(f"events.jsonl: event at {pos} is out of order or not CloudEvents 1.0")
        if json.loads(event["aimsdata"]) != event["data"]:
            raise PackError(f"events.jsonl: position {pos}: data differs from the hashed data")
        prev = chain.seek(pos - 1)
        listed = chain.seek(pos)
        if event["aimsprevhash"] != prev:
            raise PackError(f"events.jsonl: position {pos}: previous hash does not link")
        if event_hash(event, prev) != event["aimshash"] or listed != event["aimshash"]:
            raise PackError(f"events.jsonl: position {pos}: hash does not match its content")
        count, last = count + 1, pos
    if count:
        while chain.advance():
            pass
        if chain.position != int(cp["position"]) or chain.hash != cp["head_hash"]:
            raise PackError("chain.jsonl does not end at the signed checkpoint head")
        if last > int(cp["position"]):
            raise PackError("events.jsonl has events after the signed checkpoint")
    if count != manifest.get("event_count"):
        raise PackError(f"events.jsonl has {count} events, the manifest says "
                        f"{manifest.get('event_count')}")  # fmt: skip
    return count


def verify_pack_cli(pack: Path, public_key: Path | None, out: Any, err: Any) -> int:
    """`aims verify --pack`: print the outcome; 0 verified, 2 failed, 1 unusable input."""
    if public_key is None:
        err.print("[bold red]error:[/] --public-key is required (GET /v1/checkpoints/public-key)")
        return 1
    try:
        pem = public_key.read_bytes()
        if not pack.is_file():
            raise OSError(f"{pack} is not a file")
    except OSError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        return 1
    report = verify_pack(pack, pem)
    if not report.ok:
        err.print(f"[bold red]pack does not verify:[/] {report.error}")
        return 2
    cp, m = report.checkpoint, report.manifest
    out.print(f"[green]pack verifies[/]: {report.events_verified} events, system "
              f"{m.get('system_id') or 'all'}, signed head {cp['head_hash'][:16]}... at "
              f"position {cp['position']} ({cp['signed_at']}), key {cp.get('key_id')}")  # fmt: skip
    return 0
