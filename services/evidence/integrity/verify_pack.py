"""Offline verification of an aims audit pack (format aims-audit-pack/2): no database.

The pack proves; it does not vouch. Nothing in it is signed by the server except the
checkpoint, and the checkpoint signs only a Merkle root the signer recomputed from the
events. So an auditor holding the log's public key checks:

1. The zip itself, before reading any content: known entry names only, no duplicates
   (which different unzip tools resolve differently), at most MAX_ENTRIES, every byte
   of the archive inside a listed entry (no hidden local entries), declared sizes under
   per-file bounds, and every member read as a stream with bounded lines, so a zip bomb
   ends with a clear error in bounded memory.
2. checkpoint.txt: a C2SP signed note of a tlog-checkpoint, signed by the log's key (a
   witness's cosignature is checked too when the witness state holds its key).
3. proofs.jsonl: each line's leaf (the event's canonical bytes) is placed by its RFC 9162
   inclusion proof at leaf index position - 1 of the signed tree.
4. events.jsonl: line i is exactly the CloudEvent of the leaf on line i of proofs.jsonl:
   its id, type, stream, position, version, schema version, time, data and metadata
   rebuild the canonical bytes byte for byte (the layout of
   shared/kernel/eventstore/hashing.py), and the line is the one rendering of them.
5. Positions strictly increase and lie within the tree; the manifest's counts, checkpoint
   fields and file hashes match. A pack of the whole log (no system, no time filter) must
   hold every position 1..N, so nothing can be left out of it; a system pack's events
   must each name the system (or be organisation-wide context), but the pack cannot
   prove that no event of the system was left out.
6. With a witness state (the `checkpoint` file `aims witness` keeps), the witnessed
   checkpoint's log signature, and either the same size and root or a consistency proof
   from consistency.json between the two sizes: the pack's history extends the one the
   auditor's witness saw.

soa.json and report.html come from the service's read models: they are listed in the
manifest as unverified context, and no proof covers them. Their manifest hashes are
still checked, which only shows the pack was not changed after it was written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import IO, Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

from shared.kernel.tlog.merkle import Frontier, leaf_hash, verify_consistency, verify_inclusion
from shared.kernel.tlog.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    MAX_NOTE_BYTES,
    Checkpoint,
    NoteError,
    NoteSignature,
    Verifier,
    open_checkpoint,
)

PACK_FORMAT = "aims-audit-pack/2"
EVENTS, PROOFS, CHECKPOINT, CONSISTENCY = (
    "events.jsonl", "proofs.jsonl", "checkpoint.txt", "consistency.json")  # fmt: skip
SOA, REPORT, README, MANIFEST = "soa.json", "report.html", "README.txt", "manifest.json"
VERIFIED = (EVENTS, PROOFS, CHECKPOINT, CONSISTENCY)
UNVERIFIED_CONTEXT = (SOA, REPORT)
# Organisation-wide context a system's pack carries besides the events naming the system.
CONTEXT_TYPES = ("SoAEntrySet", "RiskCriteriaSet", "ManagementReviewRecorded")
WITNESS_CHECKPOINT, WITNESS_PUBLIC = "checkpoint", "witness.pub"  # files of `aims witness`

MiB = 1 << 20
# Largest uncompressed size of each member. The log files are read as streams, so their
# bound limits work, not memory (a pack of 1M events with proofs is about 2 GiB).
LIMITS = {
    EVENTS: 8 << 30, PROOFS: 8 << 30, CHECKPOINT: MiB, CONSISTENCY: MiB, MANIFEST: MiB,
    README: MiB, SOA: 64 * MiB, REPORT: 64 * MiB,
}  # fmt: skip
MAX_ENTRIES = 16
MAX_LINE = 16 * MiB
MAX_CENTRAL_DIRECTORY = MiB
MAX_PROOF = 64  # hashes in one inclusion or consistency proof (a 2**64 tree needs 64, +1)
CHUNK = MiB
_MANIFEST_KEYS = frozenset({
    "format", "created_at", "origin", "tree_size", "root_hash", "system_id", "from", "to",
    "event_count", "files", "verified", "unverified_context"})  # fmt: skip
_EOCD, _EOCD64, _LOCATOR64, _LOCAL = b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07", b"PK\x03\x04"


class PackError(Exception):
    """The pack does not verify (the message says where and why)."""


# -- the renderings the server writes and the verifier re-derives ------------------------


def envelope(metadata: str) -> tuple[str, str]:
    """The CloudEvents source and the actor of an event, from its metadata text."""
    try:
        meta = orjson.loads(metadata)
    except orjson.JSONDecodeError:
        meta = None
    if not isinstance(meta, dict):
        return "/aims/aims", ""
    actor = meta.get("actor")
    sub = actor.get("sub") if isinstance(actor, dict) else None
    return f"/aims/{meta.get('source') or 'aims'}", sub if isinstance(sub, str) else ""


def event_line(
    position: int, event_id: str, stream: str, version: int, type_: str, schema_version: int,
    time: str, data: str, metadata: str, source: str, actor: str,
) -> bytes:  # fmt: skip
    """One events.jsonl line: a CloudEvents 1.0 structured JSON event with the aims envelope
    as extension attributes and the exact stored data and metadata text (no newline)."""
    return orjson.dumps({
        "specversion": "1.0", "id": event_id, "source": source, "type": type_,
        "subject": stream, "time": time, "datacontenttype": "application/json",
        # the stored JSON text as it is, unless it spans lines (the store never does)
        "data": orjson.loads(data) if "\n" in data or "\r" in data else orjson.Fragment(data),
        "aimsposition": position, "aimsstream": stream, "aimsversion": version,
        "aimsschemaversion": schema_version, "aimsactor": actor,
        "aimsdata": data, "aimsmetadata": metadata,
    })  # fmt: skip


def canonical_bytes(
    position: int, event_id: str, stream: str, version: int, type_: str, schema_version: int,
    time: str, data: str, metadata: str,
) -> bytes:  # fmt: skip
    """The canonical bytes of an event (shared/kernel/eventstore/hashing.py): the leaf."""
    header = orjson.dumps([position, event_id, stream, version, type_, schema_version, time])
    return b"".join((header, b"\n", data.encode(), b"\n", metadata.encode()))


def proof_line(position: int, leaf: bytes, hashes: Sequence[bytes]) -> bytes:
    """One proofs.jsonl line (no newline)."""
    return orjson.dumps({"position": position, "leaf": _b64(leaf),
                         "hashes": [_b64(h) for h in hashes]})  # fmt: skip


def consistency_json(proofs: Iterable[tuple[int, int, Sequence[bytes]]]) -> bytes:
    """consistency.json: RFC 9162 consistency proofs, the smaller size first."""
    items = [{"first": m, "second": n, "hashes": [_b64(h) for h in hashes]}
             for m, n, hashes in proofs]  # fmt: skip
    return orjson.dumps(items, option=orjson.OPT_INDENT_2)


def names_system(type_: str, data: object, system_id: str) -> bool:
    """Does an event belong in the pack of one system (the export's SQL filter)?"""
    if type_ in CONTEXT_TYPES:
        return True
    if not isinstance(data, dict):
        return False
    if data.get("system_id") == system_id:
        return True
    ids = data.get("system_ids")  # jsonb `?`: array element, object key or the string itself
    if isinstance(ids, list):
        return system_id in [x for x in ids if isinstance(x, str)]
    return (isinstance(ids, dict) and system_id in ids) or ids == system_id


# -- the report -------------------------------------------------------------------------


@dataclass
class PackReport:
    """What verification found; `verified` and the counts are filled in only when ok."""

    ok: bool = False
    error: str | None = None
    origin: str = ""
    tree_size: int = 0
    root_hash: str = ""
    events_verified: int = 0
    complete: bool = False  # every position first..last is here (a pack without a system)
    first_position: int = 0
    last_position: int = 0
    verified: list[str] = field(default_factory=list)
    unverified_context: list[str] = field(default_factory=list)
    cosigned_by: list[str] = field(default_factory=list)
    witness: str | None = None
    manifest: dict[str, Any] = field(default_factory=dict)


def verify_pack(
    pack: Path | IO[bytes], public_key: bytes, witness_state: Path | None = None
) -> PackReport:
    """Verify a pack with the log's public key (a verifier key line or an Ed25519 PEM) and,
    optionally, a witness state; never raises for a bad pack."""
    report = PackReport()
    try:
        if isinstance(pack, Path):
            with pack.open("rb") as f:
                _verify(f, public_key, witness_state, report)
        else:
            _verify(pack, public_key, witness_state, report)
        report.ok = True
    except PackError as exc:
        report.error = str(exc)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        report.error = f"malformed zip: {exc}"
    except (NoteError, OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        report.error = f"malformed pack: {type(exc).__name__}: {exc}"
    if not report.ok:
        report.verified, report.events_verified, report.complete = [], 0, False
    return report


def _verify(f: IO[bytes], public_key: bytes, witness_state: Path | None, r: PackReport) -> None:
    key = _log_key(public_key)
    witness = _witness_state(witness_state) if witness_state is not None else None
    _check_end_record(f)
    with zipfile.ZipFile(f) as zf:
        infos = _check_structure(zf, f)
        manifest = _manifest(zf, infos)
        r.manifest = manifest
        cp, log = _checkpoint(zf, infos[CHECKPOINT], manifest, key, witness, r)
        proofs = _consistency(zf, infos[CONSISTENCY], manifest, cp.size)
        _events(zf, infos, manifest, cp, r)
        for name in sorted(set(infos) - {MANIFEST, EVENTS, PROOFS, CHECKPOINT, CONSISTENCY}):
            digest, size = hashlib.sha256(), 0
            for chunk in _chunks(zf, infos[name]):
                digest.update(chunk)
                size += len(chunk)
            _matches_manifest(manifest, name, digest.hexdigest(), size)
    if witness is not None:
        r.witness = _check_witness(witness[0], log, cp, proofs)
    r.verified = list(VERIFIED)
    r.unverified_context = [n for n in (*UNVERIFIED_CONTEXT, README) if n in infos]


# -- keys and the witness state ---------------------------------------------------------


def _log_key(public_key: bytes) -> Verifier | bytes:
    """The log's verifier key line, or the raw Ed25519 key of a PEM (named by the origin)."""
    if len(public_key) > 64 * 1024:
        raise PackError("the public key file is too large to be a key")
    if public_key.lstrip().startswith(b"-----BEGIN"):
        try:
            key = load_pem_public_key(public_key)
        except ValueError as exc:
            raise PackError(f"the public key PEM does not load: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise PackError("the public key is not an Ed25519 key")
        return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    try:
        verifier = Verifier.from_line(public_key.decode().strip())
    except (NoteError, UnicodeDecodeError) as exc:
        raise PackError(
            "the public key is neither the log's verifier key line (GET /v1/log/public-key)"
            f" nor an Ed25519 PEM (GET /v1/checkpoints/public-key): {exc}"
        ) from exc
    if verifier.alg != ALG_ED25519:
        raise PackError("the public key is a witness cosignature key, not the log's key")
    return verifier


def _witness_state(state: Path) -> tuple[bytes, Verifier | None]:
    """The witnessed checkpoint note, and the witness's own key when the state holds it."""
    path = state / WITNESS_CHECKPOINT if state.is_dir() else state
    if not path.is_file():
        raise PackError(f"witness state: {path} does not exist (run `aims witness` first)")
    note = _read_file(path, MAX_NOTE_BYTES)
    public = state / WITNESS_PUBLIC
    witness = None
    if state.is_dir() and public.is_file():
        try:
            witness = Verifier.from_line(_read_file(public, 64 * 1024).decode().strip())
        except (NoteError, UnicodeDecodeError) as exc:
            raise PackError(f"witness state: {public} is not a verifier key: {exc}") from exc
        if witness.alg != ALG_COSIGNATURE_V1:
            raise PackError(f"witness state: {public} is not a cosignature key")
    return note, witness


def _read_file(path: Path, limit: int) -> bytes:
    with path.open("rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise PackError(f"{path} is larger than {limit} bytes")
    return data


def _open_with(
    note: str | bytes, verifiers: list[Verifier], log: Verifier, what: str
) -> tuple[Checkpoint, list[NoteSignature]]:
    """Open a checkpoint note and insist the log's own key signed it."""
    try:
        cp, sigs = open_checkpoint(note, verifiers)
    except NoteError as exc:
        raise PackError(f"{what}: {exc}") from exc
    if not any(s.name == log.name and s.key_hash == log.key_hash for s in sigs):
        raise PackError(f"{what}: not signed by the log's key {log.name}+{log.key_hash:08x}")
    if cp.origin != log.name:
        raise PackError(f"{what}: origin {cp.origin!r} is not the log {log.name!r}")
    return cp, sigs


def _check_witness(
    note: bytes, log: Verifier, cp: Checkpoint, proofs: dict[tuple[int, int], list[bytes]]
) -> str:
    held, _ = _open_with(note, [log], log, "witness state checkpoint")
    if held.size == cp.size:
        if held.root_hash != cp.root_hash:
            raise PackError(
                f"fork: the pack's root at size {cp.size} is {_b64(cp.root_hash)}, the witnessed"
                f" root at that size is {_b64(held.root_hash)}: the history was rewritten"
            )
        return f"the pack's checkpoint is the witnessed one (size {cp.size})"
    m, n = sorted((held.size, cp.size))
    roots = {held.size: held.root_hash, cp.size: cp.root_hash}
    proof = proofs.get((m, n))
    if proof is None:
        raise PackError(
            f"consistency.json holds no proof between the witnessed size {held.size} and the"
            f" pack's size {cp.size}, so the pack cannot show that its history extends the"
            f" one your witness holds (GET /v1/log/proofs/consistency?first={m}&second={n})"
        )
    if not verify_consistency(m, n, roots[m], roots[n], proof):
        raise PackError(
            f"inconsistent history: the tree of size {n} (root {_b64(roots[n])}) does not extend"
            f" the tree of size {m} (root {_b64(roots[m])}); the witnessed history was rewritten"
        )
    return f"consistent with the witnessed checkpoint of size {held.size}"


# -- the zip ----------------------------------------------------------------------------


def _check_end_record(f: IO[bytes]) -> None:
    """Bound the central directory before zipfile parses it (its entries are held in
    memory): read the end record ourselves."""
    f.seek(0, 2)
    size = f.tell()
    tail_at = max(0, size - (22 + 0xFFFF))
    f.seek(tail_at)
    tail = f.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise PackError("not a zip file (no end of central directory record)")
    entries, cd_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        loc = at - 20
        if loc < 0 or tail[loc : loc + 4] != _LOCATOR64:
            raise PackError("malformed zip64 end record")
        (offset,) = struct.unpack("<Q", tail[loc + 8 : loc + 16])
        f.seek(offset)
        record = f.read(56)
        if len(record) != 56 or record[:4] != _EOCD64:
            raise PackError("malformed zip64 end record")
        entries, cd_size = struct.unpack("<QQ", record[32:48])
    if entries > MAX_ENTRIES:
        raise PackError(f"the zip lists {entries} entries; a pack has at most {MAX_ENTRIES}")
    if cd_size > MAX_CENTRAL_DIRECTORY:
        raise PackError(f"the zip's central directory is {cd_size} bytes; refused")
    f.seek(0)


def _check_structure(zf: zipfile.ZipFile, f: IO[bytes]) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise PackError(f"the zip has {len(infos)} entries; a pack has at most {MAX_ENTRIES}")
    names = [i.filename for i in infos]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise PackError(f"duplicate entry names (unzip tools disagree on which one counts):"
                        f" {duplicates}")  # fmt: skip
    unknown = sorted(set(names) - set(LIMITS))
    if unknown:
        raise PackError(f"unknown entries in the pack: {unknown!r:.200}")
    missing = [n for n in (MANIFEST, *VERIFIED) if n not in names]
    if missing:
        raise PackError(f"the pack lacks {missing}")
    if zf.comment:
        raise PackError("the zip has a comment; a pack has none")
    for info in infos:
        if info.flag_bits & 0x1:
            raise PackError(f"{info.filename} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise PackError(f"{info.filename}: compression method {info.compress_type} refused")
        if info.file_size > LIMITS[info.filename]:
            raise PackError(
                f"{info.filename} declares {info.file_size} bytes uncompressed, more than the"
                f" {LIMITS[info.filename]} allowed (a zip bomb?)"
            )
    _check_layout(zf, f, infos)
    return {i.filename: i for i in infos}


def _check_layout(zf: zipfile.ZipFile, f: IO[bytes], infos: list[zipfile.ZipInfo]) -> None:
    """Every byte before the central directory belongs to a listed entry: no prefix, no
    gaps, no overlaps, so no hidden local entry a streaming unzipper would show instead."""
    at = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset != at:
            raise PackError(f"{info.filename}: the zip has bytes outside its listed entries"
                            " (hidden or overlapping entries)")  # fmt: skip
        f.seek(info.header_offset)
        header = f.read(30)
        if len(header) != 30 or header[:4] != _LOCAL:
            raise PackError(f"{info.filename}: bad local file header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        f.seek(info.header_offset + 30 + name_len)
        extra = f.read(extra_len)
        at = info.header_offset + 30 + name_len + extra_len + info.compress_size
        if info.flag_bits & 0x8:  # a data descriptor follows: 12 to 24 bytes
            f.seek(at)
            sig = f.read(4)
            at += (4 if sig == b"PK\x07\x08" else 0) + (20 if _has_zip64(extra) else 12)
    if at != zf.start_dir:
        raise PackError("the zip has bytes between its last entry and its central directory")


def _has_zip64(extra: bytes) -> bool:
    """Does a local header's extra field hold zip64 sizes (so its data descriptor has
    8-byte sizes)?"""
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[i : i + 4])
        if tag == 0x0001:
            return True
        i += 4 + size
    return False


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's bytes in chunks of at most CHUNK, never more than its bound in total."""
    limit, total = LIMITS[info.filename], 0
    with zf.open(info) as f:
        while chunk := f.read(CHUNK):
            total += len(chunk)
            if total > limit:
                raise PackError(f"{info.filename} inflates past {limit} bytes")
            yield chunk


def _small(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    return b"".join(_chunks(zf, info))


class _Lines:
    """A member's lines (without the newline), each at most MAX_LINE, hashed as read."""

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self.zf, self.info = zf, info
        self.digest = hashlib.sha256()
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        name, rest = self.info.filename, b""
        for chunk in _chunks(self.zf, self.info):
            self.digest.update(chunk)
            self.size += len(chunk)
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            if len(rest) > MAX_LINE or any(len(line) > MAX_LINE for line in lines):
                raise PackError(f"{name}: a line longer than {MAX_LINE} bytes (a zip bomb?)")
            yield from lines
        if rest:
            raise PackError(f"{name} does not end in a newline (truncated?)")


# -- the members ------------------------------------------------------------------------


def _manifest(zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> dict[str, Any]:
    try:
        manifest = orjson.loads(_small(zf, infos[MANIFEST]))
    except orjson.JSONDecodeError as exc:
        raise PackError(f"manifest.json is not JSON: {exc}") from exc
    if not isinstance(manifest, dict) or set(manifest) != _MANIFEST_KEYS:
        raise PackError(f"manifest.json must have exactly the keys {sorted(_MANIFEST_KEYS)}")
    if manifest["format"] != PACK_FORMAT:
        raise PackError(f"unknown pack format {manifest['format']!r:.80} (want {PACK_FORMAT})")
    files = manifest["files"]
    if not isinstance(files, dict) or set(files) != set(infos) - {MANIFEST}:
        raise PackError("the files listed in manifest.json differ from the files in the zip")
    for name, meta in files.items():
        if not (isinstance(meta, dict) and set(meta) == {"sha256", "size"}
                and isinstance(meta["sha256"], str) and _is_int(meta["size"])):  # fmt: skip
            raise PackError(f"manifest.json: malformed entry for {name}")
    if manifest["verified"] != list(VERIFIED):
        raise PackError(f"manifest.json: `verified` must be {list(VERIFIED)}")
    context = [n for n in UNVERIFIED_CONTEXT if n in infos]
    if manifest["unverified_context"] != context:
        raise PackError(f"manifest.json: `unverified_context` must be {context}")
    for key in ("tree_size", "event_count"):
        if not _is_int(manifest[key]):
            raise PackError(f"manifest.json: {key} is not a non-negative integer")
    for key in ("system_id", "from", "to"):
        if manifest[key] is not None and not isinstance(manifest[key], str):
            raise PackError(f"manifest.json: {key} is neither null nor a string")
    return manifest


def _matches_manifest(manifest: dict[str, Any], name: str, sha256: str, size: int) -> None:
    listed = manifest["files"][name]
    if listed["sha256"] != sha256 or listed["size"] != size:
        raise PackError(f"{name}: sha256 or size does not match manifest.json")


def _checkpoint(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, manifest: dict[str, Any], key: Verifier | bytes,
    witness: tuple[bytes, Verifier | None] | None, r: PackReport,
) -> tuple[Checkpoint, Verifier]:  # fmt: skip
    raw = _small(zf, info)
    _matches_manifest(manifest, CHECKPOINT, hashlib.sha256(raw).hexdigest(), len(raw))
    if isinstance(key, bytes):  # a PEM: the key's name is the log's origin, the first line
        try:
            log = Verifier(raw.split(b"\n", 1)[0].decode(), key, ALG_ED25519)
        except (NoteError, UnicodeDecodeError) as exc:
            raise PackError(f"checkpoint.txt: malformed origin line: {exc}") from exc
    else:
        log = key
    verifiers = [log] if witness is None or witness[1] is None else [log, witness[1]]
    cp, sigs = _open_with(raw, verifiers, log, "checkpoint.txt")
    if (manifest["origin"], manifest["tree_size"], manifest["root_hash"]) != (
        cp.origin, cp.size, _b64(cp.root_hash)):  # fmt: skip
        raise PackError("manifest.json: origin, tree_size or root_hash differ from the signed"
                        " checkpoint")  # fmt: skip
    r.origin, r.tree_size, r.root_hash = cp.origin, cp.size, _b64(cp.root_hash)
    r.cosigned_by = [s.name for s in sigs if s.name != log.name or s.key_hash != log.key_hash]
    return cp, log


def _consistency(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, manifest: dict[str, Any], size: int
) -> dict[tuple[int, int], list[bytes]]:
    raw = _small(zf, info)
    _matches_manifest(manifest, CONSISTENCY, hashlib.sha256(raw).hexdigest(), len(raw))
    try:
        items = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise PackError(f"consistency.json is not JSON: {exc}") from exc
    if not isinstance(items, list):
        raise PackError("consistency.json is not a list")
    proofs: dict[tuple[int, int], list[bytes]] = {}
    for item in items:
        if not isinstance(item, dict) or set(item) != {"first", "second", "hashes"}:
            raise PackError("consistency.json: each proof has exactly first, second, hashes")
        m, n = item["first"], item["second"]
        if not (_is_int(m) and _is_int(n) and 0 < m < n and size in (m, n)):
            raise PackError(f"consistency.json: sizes {m!r:.40}, {n!r:.40} are not an increasing"
                            f" pair including the checkpoint's size {size}")  # fmt: skip
        if (m, n) in proofs:
            raise PackError(f"consistency.json: two proofs between {m} and {n}")
        proofs[m, n] = _hashes(item["hashes"], "consistency.json")
    if consistency_json((m, n, h) for (m, n), h in proofs.items()) != raw:
        raise PackError("consistency.json is not in its canonical form")
    return proofs


def _events(
    zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], manifest: dict[str, Any],
    cp: Checkpoint, r: PackReport,
) -> None:  # fmt: skip
    events, proofs = _Lines(zf, infos[EVENTS]), _Lines(zf, infos[PROOFS])
    system_id, size, root = manifest["system_id"], cp.size, cp.root_hash
    count, last, first = 0, 0, 0
    # A pack of the whole tree carries no per-event proofs: its leaves, positions 1..N in
    # order, must rebuild the signed root. Any proof line in it, or a gap, fails.
    whole: Frontier | None = None
    for eline, pline in zip_longest(events, proofs):
        line = count + 1
        if eline is None or pline is None:
            short = EVENTS if eline is None else PROOFS
            raise PackError(f"{short} ends at line {count}, before the other file")
        position, leaf, hashes = _proof(pline, line)
        if not last < position <= size:
            raise PackError(f"{PROOFS} line {line}: position {position} is not after {last}"
                            f" and within the tree of size {size}")  # fmt: skip
        if line == 1 and not hashes and size > 1:
            whole = Frontier()
        if whole is not None:
            if hashes or position != line:
                raise PackError(f"{PROOFS} line {line}: a whole-tree pack holds positions"
                                " 1..N in order and no per-event proofs")  # fmt: skip
            whole.append(leaf_hash(leaf))
        elif not verify_inclusion(leaf_hash(leaf), position - 1, size, hashes, root):
            raise PackError(f"{PROOFS} position {position}: the inclusion proof does not"
                            f" place this leaf in the signed tree of size {size}")  # fmt: skip
        type_, data = _event(eline, line, position, leaf)
        if system_id is not None:
            try:
                parsed = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                raise PackError(f"{EVENTS} position {position}: data is not JSON") from exc
            if not names_system(type_, parsed, system_id):
                raise PackError(f"{EVENTS} position {position}: a {type_} event that does not"
                                f" name system {system_id}")  # fmt: skip
        first = first or position
        count, last = line, position
    if whole is not None and (whole.size != size or whole.root() != root):
        raise PackError(f"the {whole.size} leaves of this whole-tree pack do not rebuild the"
                        f" signed root of the tree of size {size}")  # fmt: skip
    _matches_manifest(manifest, EVENTS, events.digest.hexdigest(), events.size)
    _matches_manifest(manifest, PROOFS, proofs.digest.hexdigest(), proofs.size)
    if count != manifest["event_count"]:
        raise PackError(f"{EVENTS} has {count} events, manifest.json says"
                        f" {manifest['event_count']}")  # fmt: skip
    if system_id is None:  # a range of the log: every position in it is here
        if count and last - first + 1 != count:
            raise PackError(f"{EVENTS} leaves out positions between {first} and {last}")
        if manifest["from"] is None and count and first != 1:
            raise PackError(f"{EVENTS} starts at position {first}, not at the start of the log")
        if manifest["to"] is None and (count or manifest["from"] is None) and last != size:
            raise PackError(f"{EVENTS} ends at position {last}, not at the checkpoint's {size}")
        r.complete = True
    r.events_verified, r.first_position, r.last_position = count, first, last


def _proof(line: bytes, n: int) -> tuple[int, bytes, list[bytes]]:
    try:
        proof = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise PackError(f"{PROOFS} line {n} is not JSON: {exc}") from exc
    if not isinstance(proof, dict) or set(proof) != {"position", "leaf", "hashes"}:
        raise PackError(f"{PROOFS} line {n}: want exactly position, leaf and hashes")
    position = proof["position"]
    if not _is_int(position):
        raise PackError(f"{PROOFS} line {n}: position is not a positive integer")
    leaf, hashes = _unb64(proof["leaf"], f"{PROOFS} line {n}"), _hashes(proof["hashes"], PROOFS)
    if proof_line(position, leaf, hashes) != line:
        raise PackError(f"{PROOFS} line {n} is not in its canonical form")
    return position, leaf, hashes


_FIELDS = (
    ("id", str), ("aimsstream", str), ("aimsversion", int), ("type", str),
    ("aimsschemaversion", int), ("time", str), ("aimsdata", str), ("aimsmetadata", str),
)  # fmt: skip


def _event(line: bytes, n: int, position: int, leaf: bytes) -> tuple[str, str]:
    """Check one event line against its proven leaf; returns its type and data text."""
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise PackError(f"{EVENTS} line {n} is not JSON: {exc}") from exc
    if not isinstance(event, dict):
        raise PackError(f"{EVENTS} line {n} is not a JSON object")
    if event.get("aimsposition") != position or type(event.get("aimsposition")) is not int:
        raise PackError(f"{EVENTS} line {n}: aimsposition {event.get('aimsposition')!r:.40} is"
                        f" not the position of its proof ({position})")  # fmt: skip
    values: list[Any] = []
    for name, kind in _FIELDS:
        value = event.get(name)
        if type(value) is not kind:
            raise PackError(f"{EVENTS} position {position}: {name} is not a {kind.__name__}")
        values.append(value)
    eid, stream, version, type_, schema, time, data, meta = values
    if canonical_bytes(position, eid, stream, version, type_, schema, time, data, meta) != leaf:
        raise PackError(f"{EVENTS} position {position}: the event's fields do not rebuild the"
                        " canonical bytes its proof places in the log")  # fmt: skip
    try:
        expected = event_line(position, eid, stream, version, type_, schema, time, data, meta,
                              *envelope(meta))  # fmt: skip
    except orjson.JSONDecodeError as exc:
        raise PackError(f"{EVENTS} position {position}: data is not JSON") from exc
    if expected != line:
        raise PackError(f"{EVENTS} position {position}: the line is not the CloudEvent of its"
                        " proven content (a field outside the proven bytes differs)")  # fmt: skip
    return str(type_), str(data)


def _hashes(value: object, where: str) -> list[bytes]:
    if not isinstance(value, list) or len(value) > MAX_PROOF + 1:
        raise PackError(f"{where}: hashes must be a list of at most {MAX_PROOF + 1}")
    hashes = [_unb64(h, where) for h in value]
    if any(len(h) != 32 for h in hashes):
        raise PackError(f"{where}: a proof hash is not 32 bytes")
    return hashes


def _is_int(x: object) -> bool:
    return type(x) is int and 0 <= x < 1 << 64


def _b64(raw: bytes) -> str:
    return binascii.b2a_base64(raw, newline=False).decode("ascii")


def _unb64(text: object, where: str) -> bytes:
    if not isinstance(text, str):
        raise PackError(f"{where}: expected base64 text")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PackError(f"{where}: malformed base64") from exc
    if _b64(raw) != text:
        raise PackError(f"{where}: non-canonical base64")
    return raw


# -- `aims verify --pack` ---------------------------------------------------------------


def verify_pack_cli(
    pack: Path, public_key_path: Path | None, witness_state: Path | None, out: Any, err: Any
) -> int:
    """`aims verify --pack FILE --public-key KEY [--witness-state DIR]`: 0 ok, 1 failed."""
    from rich.markup import escape

    if public_key_path is None:
        err.print(
            "[bold red]error:[/] --public-key is required: the log's verifier key"
            " (GET /v1/log/public-key) or PEM (GET /v1/checkpoints/public-key)"
        )
        return 1
    try:
        key = _read_file(public_key_path, 64 * 1024)
        if not pack.is_file():
            raise OSError(f"{pack} is not a file")
    except (OSError, PackError) as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        return 1
    report = verify_pack(pack, key, witness_state)
    if not report.ok:
        err.print(f"[bold red]pack does not verify:[/] {escape(report.error or '')}")
        return 1
    m = report.manifest
    scope = f"system {m['system_id']}" if m["system_id"] else "the whole log"
    out.print(escape(
        f"pack verifies: {report.events_verified} events of {scope}, each proven included in"
        f" the checkpoint of {report.origin} at size {report.tree_size}, root"
        f" {report.root_hash}"))  # fmt: skip
    out.print(escape(f"verified: {', '.join(report.verified)}"))
    if report.complete:
        out.print(f"complete: every position from {report.first_position} to"
                  f" {report.last_position} of the log is in the pack")  # fmt: skip
    else:
        out.print(
            "not proven complete: a system pack cannot show that no event of the"
            " system was left out (compare with an unfiltered pack)"
        )
    if report.cosigned_by:
        out.print(escape(f"checkpoint cosigned by: {', '.join(report.cosigned_by)}"))
    out.print(escape(f"witness: {report.witness}") if report.witness else
              "witness: none given; pass --witness-state DIR to check that this history extends"
              " the one your witness holds")  # fmt: skip
    out.print(escape(
        f"unverified context (from read models, not covered by the proofs):"
        f" {', '.join(report.unverified_context) or 'none'}"))  # fmt: skip
    return 0
