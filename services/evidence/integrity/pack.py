"""The audit pack (aims-audit-pack/2): proofs, not vouching, in a zip written incrementally.

Contents (verify_pack.py checks them):
  events.jsonl      the selected events as CloudEvents 1.0 JSON, one per line, with the aims
                    envelope as extension attributes and the exact stored data/metadata text
  proofs.jsonl      per event, same order: {"position", "leaf": base64 canonical bytes,
                    "hashes": RFC 9162 inclusion proof of leaf position - 1 in the tree of N}
                    (a pack of the whole tree, positions 1..N, carries no per-event proofs:
                    its leaves rebuild the signed root)
  checkpoint.txt    the log's signed C2SP checkpoint of size N, with witness cosignatures
  consistency.json  consistency proofs between N and each witness's newest cosigned size
  soa.json          the Statement of Applicability      } unverified context, from read
  report.html       a human-readable trace of the system } models: no proof covers them
  README.txt        how to verify the pack
  manifest.json     sha256 and size of every file above; which are verified, which not

Nothing is signed here. The server recomputes what it exports: each event's leaf is
rebuilt from the row and its proof is checked against the signed root before it is
written; a mismatch (an edited row, a wrong stored tree node) aborts the export. So the
pack is O(k log n) bytes for k events, and a stored hash is never passed on unchecked.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import tempfile
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence, Set
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, NamedTuple
from uuid import UUID

import asyncpg
import orjson
from isal import isal_zlib

from services.evidence.integrity import report
from services.evidence.integrity.signing import load_signer
from services.evidence.integrity.verify_pack import (
    CHECKPOINT,
    CONSISTENCY,
    CONTEXT_TYPES,
    EVENTS,
    MANIFEST,
    PACK_FORMAT,
    PROOFS,
    README,
    REPORT,
    SOA,
    UNVERIFIED_CONTEXT,
    VERIFIED,
    consistency_json,
    envelope,
)
from services.evidence.log import keys, signer
from services.evidence.log import queries as log_queries
from services.evidence.log.keys import LogKeys
from shared.contract.annex_a import controls
from shared.contract.events import CATEGORIES
from shared.contract.events.evidence import CHECKPOINT_STREAM
from shared.domain.errors import Conflict
from shared.kernel.eventstore import EventStore
from shared.kernel.eventstore.hashing import iso
from shared.kernel.requestctx import Actor, RequestContext
from shared.kernel.tlog import (
    MAX_SIGNATURES,
    Checkpoint,
    Frontier,
    NoteError,
    merkle,
    open_checkpoint,
)
from shared.kernel.tlog import store as tree
from shared.platform import db
from shared.platform.config import Settings

BATCH = 2000
COMPRESSLEVEL = 1  # deflate: level 1 is ~3x faster than the default 6, files ~12% larger
# The big members deflate with ISA-L (python-isal) rather than zlib: plain deflate that any
# unzip reads, ~5x faster at level 1 with the same size (events.jsonl: 360 vs 68 MiB/s).
ISAL_LEVEL = 1
# A whole-log pack this large is rendered in worker processes (pack_workers.py) when the
# exporter has a database URL to give them; starting them costs about a second.
PARALLEL_MIN = 50_000
SPOOL = 16 << 20  # proofs.jsonl waits in memory up to this size, then in a temporary file
# Positions in windows of BATCH, not LIMIT: bounded work per query whatever the plan.
# id::text is exactly str(UUID). The JSON texts come as their UTF-8 bytes (bytea): the
# lines are bytes, and decoding them to str only to encode them again was more than half
# of what reading a row cost this process (5.6 against 2.1 us).
_SELECT = (
    "SELECT position, id::text, stream_id, version, type, schema_version, recorded_at,"
    " convert_to(data::text, 'UTF8'), convert_to(metadata::text, 'UTF8')"
    " FROM events WHERE position > $1 AND position <= $2"
)
WHOLE_SQL = _SELECT + " ORDER BY position"
# A system's pack: events naming it, plus organisation-wide context (SoA, criteria, reviews).
_FOR_SYSTEM = " AND (type = ANY($4) OR data->>'system_id' = $3 OR (data->'system_ids')::jsonb ? $3)"
# The renderings of verify_pack.py (event_line, proof_line, canonical_bytes) as byte
# templates: what orjson writes for those dicts and lists, filled with pre-escaped JSON
# fragments (test_pack_lines.py holds them to the same bytes). The id is a UUID's text
# and the time an iso() string: neither ever needs escaping.
_EVENT = (
    b'{"specversion":"1.0","id":"%s","source":%s,"type":%s,"subject":%s,"time":"%s",'
    b'"datacontenttype":"application/json","data":%s,"aimsposition":%d,"aimsstream":%s,'
    b'"aimsversion":%d,"aimsschemaversion":%d,"aimsactor":%s,"aimsdata":%s,"aimsmetadata":%s}'
)
_LEAF = b'\x00[%d,"%s",%s,%d,%s,%d,"%s"]\n%s\n%s'  # RFC 9162's 0x00 leaf prefix, then the leaf
_PROOF = b'{"position":%d,"leaf":"%s","hashes":[%s]}'
_b64 = partial(binascii.b2a_base64, newline=False)
_CONTROL = bytes(range(0x20))


def _string(text: bytes) -> bytes | None:
    """The JSON string of UTF-8 text as orjson writes it, when the text holds no control
    character (else None): only \\ and " are escaped then. Stored JSON texts are full of
    quotes, which orjson escapes about twice as slowly as two bytes.replace calls."""
    if len(text.translate(None, _CONTROL)) != len(text):  # faster than a regex search
        return None
    return b'"%s"' % text.replace(b"\\", b"\\\\").replace(b'"', b'\\"')


def _text(text: str | bytes) -> str:
    """A text column's value as str, whether it was read as text or as its UTF-8 bytes."""
    return text if isinstance(text, str) else text.decode()


def _strings(texts: list[str] | list[bytes]) -> tuple[list[bytes], list[bytes] | None]:
    """The UTF-8 bytes of many texts (str, or their UTF-8 bytes already), and their JSON
    strings as _string writes them when no text holds a control character (else None): a
    few calls on the joined texts of a batch rather than several per text. NUL (never in
    PostgreSQL text) separates them."""
    if texts and isinstance(texts[0], bytes):
        joined = b"\x00".join(texts)  # every value is bytes when the first is
    else:
        joined = "\x00".join(texts).encode()  # type: ignore[arg-type]  # all str
    raw = joined.split(b"\x00")
    if not texts or len(raw) != len(texts):
        return [_text(t).encode() for t in texts], None
    if len(joined.translate(None, _CONTROL)) != len(joined) - len(texts) + 1:
        return raw, None
    escaped = joined.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
    return raw, (b'"' + escaped.replace(b"\x00", b'"\x00"') + b'"').split(b"\x00")


README_TEXT = """aims audit pack (format aims-audit-pack/2)

Verify offline, with the log's public key: the verifier key line from
GET /v1/log/public-key (or the PEM from GET /v1/checkpoints/public-key):

    aims verify --pack THIS.zip --public-key log.pub [--witness-state DIR]

What is proven (the files listed as "verified" in manifest.json):
  checkpoint.txt    a C2SP signed note: the log's key signed the RFC 9162 Merkle root of
                    its first N events (the signer recomputed it from the events first).
  proofs.jsonl      for each exported event, its canonical bytes (the Merkle leaf) and an
                    inclusion proof of that leaf at index position - 1 in the tree of N
                    (none in a pack of the whole log: all N leaves rebuild the root).
  events.jsonl      each line is the CloudEvent of the leaf on the same line of
                    proofs.jsonl; its fields rebuild those canonical bytes exactly.
  consistency.json  consistency proofs from the checkpoints witnesses cosigned to N. With
                    --witness-state (the directory `aims witness` keeps), the verifier
                    checks that this pack's history extends the one your witness holds,
                    so a rewrite of anything your witness saw is detected.

A pack of the whole log holds every position 1..N, so nothing can be left out of it.
A system's pack proves that each event in it is in the log; it cannot prove that no
event of the system was left out (compare with an unfiltered pack).

Not proven: soa.json and report.html are built from the service's read models, which
whoever operates the database can change; manifest.json lists them as
"unverified_context". The manifest is not signed: its hashes only show that the files
are the ones written together.
"""


class PackRefused(Conflict):
    """The log does not prove what the pack would say: nothing unproven is exported."""

    code = "pack_refused"


class _Sink:
    """An unseekable file the zip writes into; the bytes are drained between batches."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, b: bytes) -> int:
        self.chunks.append(bytes(b))
        return len(b)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass  # the zip never closes a file it was handed; the chunks stay drainable

    def drain(self) -> bytes:
        out, self.chunks = b"".join(self.chunks), []
        return out


class _Deflate:
    """One big member's bytes as they stream past: their sha256, CRC-32 and size, and the
    member's data (ISA-L raw deflate, or the bytes as they are) handed to `out`.

    Every step releases the GIL, so a member is written on a worker thread while the
    next batch is read and rendered. The CRC is ISA-L's: zipfile's own (zlib.crc32) is
    ~50x slower and was a large part of an export's time."""

    def __init__(self, out: Callable[[bytes], object], deflated: bool) -> None:
        self.out, self.digest = out, hashlib.sha256()
        # raw deflate (wbits -15) is the stream zipfile would have made with zlib
        self.deflate = (
            isal_zlib.compressobj(ISAL_LEVEL, isal_zlib.DEFLATED, -15) if deflated else None
        )
        self.crc = self.size = self.compressed = 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.crc = isal_zlib.crc32(data, self.crc)
        self.size += len(data)
        self._out(self.deflate.compress(data) if self.deflate else data)

    def finish(self) -> None:
        if self.deflate is not None:
            self._out(self.deflate.flush())
            self.deflate = None

    def _out(self, data: bytes) -> None:
        if data:
            self.compressed += len(data)
            self.out(data)


class _Flushed:
    """A zip member's compressor once its stream was finished by hand."""

    @staticmethod
    def flush() -> bytes:
        return b""


@dataclass
class _Pack:
    zf: zipfile.ZipFile
    sink: _Sink
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    current: _Entry | None = None

    @property
    def deflated(self) -> bool:
        return self.zf.compression == zipfile.ZIP_DEFLATED

    def put(self, name: str, data: bytes) -> None:
        self.zf.writestr(name, data)
        self.files[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

    def open(self, name: str) -> _Entry:
        f = self.zf.open(name, "w", force_zip64=True)  # writes the local header
        out: IO[bytes] = self.zf.fp  # type: ignore[assignment]  # open for writing
        self.current = _Entry(self, name, f, _Deflate(out.write, self.deflated))
        return self.current

    async def abandon(self) -> None:
        """Release an unfinished zip (its bytes are never sent)."""
        entry, self.current = self.current, None
        with suppress(Exception):
            if entry is not None:
                if entry.pending:
                    await entry.pending
                entry.f.close()
            self.zf.close()


@dataclass
class _Entry:
    """A big member: its data goes into the zip by _Deflate, not through zipfile's writer,
    which only writes the member's header and, on close, its sizes and CRC."""

    pack: _Pack
    name: str
    f: IO[bytes]
    stream: _Deflate
    pending: asyncio.Future[None] | None = None

    async def put(self, data: bytes) -> bytes:
        """Start writing data on a worker thread (it overlaps reading the next batch);
        return the zip bytes finished so far."""
        if self.pending:
            await self.pending
        done = self.pack.sink.drain()
        self.pending = asyncio.get_running_loop().run_in_executor(None, self.stream.write, data)
        return done

    async def close(self) -> None:
        if self.pending:
            await self.pending
        self.stream.finish()
        _sized(self.f, self.stream)
        self.f.close()
        self.pack.current = None
        self.pack.files[self.name] = {
            "sha256": self.stream.digest.hexdigest(),
            "size": self.stream.size,
        }

    async def copy(self, spooled: _Deflate, spool: IO[bytes]) -> AsyncIterator[bytes]:
        """Write a member whose data was deflated into `spool` already."""
        spool.seek(0)
        out: IO[bytes] = self.pack.zf.fp  # type: ignore[assignment]  # open for writing
        while chunk := spool.read(1 << 20):
            out.write(chunk)
            yield self.pack.sink.drain()
        self.stream = spooled
        await self.close()


class _Later:
    """At most one call at a time on a worker thread, waited for before the next starts."""

    def __init__(self) -> None:
        self.pending: asyncio.Future[None] | None = None

    async def run(self, fn: Callable[..., Any], *args: Any) -> None:
        await self.wait()
        self.pending = asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            await pending


def _sized(f: IO[bytes], stream: _Deflate) -> None:
    """Give zipfile's member writer the sizes and CRC of data written past it."""
    w: Any = f
    w._file_size, w._crc, w._compress_size = stream.size, stream.crc, stream.compressed
    if w._compressor is not None:
        w._compressor = _Flushed()  # the stream is finished: nothing left to flush


class Rendered(NamedTuple):
    """A batch's events.jsonl and proofs.jsonl lines, leaf hashes, report rows and types."""

    events: bytes
    proofs: bytes
    leaves: list[bytes]
    traced: list[tuple[str, str, int, str, str]]
    types: list[str]


class _Lines:
    """events.jsonl and proofs.jsonl, batch by batch, each event's leaf recomputed from its
    row and its inclusion proof checked against the signed root before it is written.

    The lines are the bytes event_line, proof_line and canonical_bytes (verify_pack.py)
    make, formatted from pre-built fragments rather than dicts: orjson escapes each string
    once, and what consecutive rows share is carried rather than recomputed (the text of a
    timestamp, the envelope and escaped metadata of one append, a stream, a type)."""

    def __init__(self, trace: report.Trace, checkpoint: Checkpoint, whole: bool) -> None:
        self.trace, self.size, self.root = trace, checkpoint.size, checkpoint.root_hash
        # A pack of the whole tree proves itself: its leaves rebuild the signed root, so
        # its events carry no per-event proofs (O(n) bytes instead of O(n log n)).
        self.whole = Frontier() if whole else None
        self.count = 0
        self.time: tuple[datetime | None, str, bytes] = (None, "", b"")
        self.meta: tuple[str | bytes | None, str, bytes, bytes, bytes, bytes] = (
            None, "", b"", b"", b"", b"")  # fmt: skip
        self.names: dict[str, bytes] = {}  # JSON text of types, streams, actors

    def batch(self, rows: Sequence[Sequence[Any]], proofs: list[list[bytes]] | None) -> tuple[
        bytes, bytes]:  # fmt: skip
        """The lines of a batch of rows; `proofs` is None for a whole-tree pack."""
        out = self.render(rows, proofs, self.trace.full)
        if proofs is not None:
            self._check(rows, out.leaves, proofs)
        self.take(out)
        return out.events, out.proofs

    def take(self, out: Rendered) -> None:
        """Fold a rendered batch (in log order) into the whole tree's root and the report."""
        if self.whole is not None:
            self.whole.extend(out.leaves)
        full = self.trace.full
        for row in out.traced:
            if row[0] not in full:
                self.trace.add(*row)
        self.count += len(out.types)
        self.trace.count(out.types)

    def render(
        self, rows: Sequence[Sequence[Any]], proofs: list[list[bytes]] | None, full: Set[str]
    ) -> Rendered:
        """The lines and leaf hashes of a batch, and the report rows of types not in `full`
        (no state but caches: a worker process renders windows of the log with it too)."""
        names, dumps = self.names, orjson.dumps
        traced: list[tuple[str, str, int, str, str]] = []
        ts, ts_text, ts_b = self.time
        meta_text, actor, meta_b, meta_json, source_json, actor_json = self.meta
        events, lines, leaves = [], [], []
        # neighbouring leaves' proofs share most hashes: each is encoded once per batch
        encoded: dict[bytes, bytes] = {}

        def quoted(h: bytes) -> bytes:
            return encoded.get(h) or encoded.setdefault(h, b'"%s"' % _b64(h))

        b64, sha256, event_fmt, leaf_fmt = _b64, hashlib.sha256, _EVENT, _LEAF
        data_bs, data_js = _strings([r[7] for r in rows])
        meta_bs, meta_js = _strings([r[8] for r in rows])
        for i, (pos, eid, stream, ver, type_, sver, recorded_at, data, meta) in enumerate(rows):
            if recorded_at != ts:
                ts, ts_text = recorded_at, iso(recorded_at)
                ts_b = ts_text.encode()
            if meta != meta_text:
                meta_text, (source, actor) = meta, envelope(meta)
                meta_b = meta_bs[i]
                meta_json = (meta_js[i] if meta_js else _string(meta_b)) or dumps(_text(meta))
                source_json = names.get(source) or names.setdefault(source, dumps(source))
                actor_json = names.get(actor) or names.setdefault(actor, dumps(actor))
            if (stream_json := names.get(stream)) is None:
                stream_json = names[stream] = dumps(stream)
                if len(names) > 4096:  # streams are many: keep memory bounded
                    names.clear()
            if (type_json := names.get(type_)) is None:
                type_json = names[type_] = dumps(type_)
            data_b = data_bs[i]
            if (data_json := data_js[i] if data_js else _string(data_b)) is not None:
                fragment = data_b  # no control character, so not on several lines either
            else:
                # the stored JSON text as it is, unless it spans lines (the store never does)
                multiline = b"\n" in data_b or b"\r" in data_b
                fragment = dumps(orjson.loads(data)) if multiline else data_b
                data_json = dumps(_text(data))
            # 0x00 || canonical bytes: hashed as it is, its tail is the leaf
            prefixed = leaf_fmt % (pos, eid.encode(), stream_json, ver, type_json, sver, ts_b,
                                   data_b, meta_b)  # fmt: skip
            leaf = memoryview(prefixed)[1:]
            leaves.append(sha256(prefixed).digest())
            events.append(event_fmt % (
                eid.encode(), source_json, type_json, stream_json, ts_b, fragment, pos,
                stream_json, ver, sver, actor_json, data_json, meta_json))  # fmt: skip
            hashes = b"" if proofs is None else b",".join(map(quoted, proofs[i]))
            lines.append(_PROOF % (pos, b64(leaf), hashes))
            if type_ not in full:
                traced.append((type_, ts_text, pos, actor, _text(data)))
        self.time = (ts, ts_text, ts_b)
        self.meta = (meta_text, actor, meta_b, meta_json, source_json, actor_json)
        events.append(b"")
        lines.append(b"")
        types = list(map(itemgetter(4), rows))
        return Rendered(b"\n".join(events), b"\n".join(lines), leaves, traced, types)

    def _check(
        self, rows: Sequence[Sequence[Any]], leaves: list[bytes], proofs: list[list[bytes]]
    ) -> None:
        """Every proof places its recomputed leaf under the signed root (before any of the
        batch is written)."""
        size, root = self.size, self.root
        for row, leaf, hashes in zip(rows, leaves, proofs, strict=True):
            pos = row[0]
            if not merkle.verify_inclusion(leaf, pos - 1, size, hashes, root):
                raise PackRefused(
                    f"the event at position {pos}, as stored now, is not the leaf the signed"
                    f" checkpoint of size {size} commits to (or a stored tree node is wrong):"
                    " the log was altered after it was signed; nothing is exported. Run"
                    " `aims verify` and investigate.", position=pos, tree_size=size,
                )  # fmt: skip

    def check_whole(self) -> None:
        """A whole-tree pack: the leaves written rebuild exactly the signed root."""
        if self.whole is not None and (
            self.whole.size != self.size or self.whole.root() != self.root
        ):
            raise PackRefused(
                f"the {self.whole.size} events as stored now do not rebuild the root the"
                f" checkpoint of size {self.size} signed: the log was altered after it was"
                " signed; nothing is exported. Run `aims verify` and investigate.",
                tree_size=self.size,
            )  # fmt: skip


async def _bounds(pool: asyncpg.Pool, frm: datetime | None, to: datetime | None) -> tuple[int, int]:
    """The position range of a time range (recorded_at never decreases along the log)."""
    lo = 0
    if frm is not None:
        lo = await pool.fetchval(
            "SELECT coalesce(min(position), 1::bigint << 62) - 1 FROM events"
            " WHERE recorded_at >= $1",
            frm,
        )
    hi = await pool.fetchval(
        "SELECT coalesce(max(position), 0) FROM events"
        " WHERE ($1::timestamptz IS NULL OR recorded_at <= $1)",
        to,
    )
    return int(lo), int(hi)


@dataclass(frozen=True)
class PackPlan:
    """What a pack will hold: a position range within a signed checkpoint of size N."""

    lo: int
    hi: int
    checkpoint: Checkpoint
    note: str  # the signed note with the witnesses' cosignature lines
    system_id: UUID | None = None
    frm: datetime | None = None
    to: datetime | None = None

    @property
    def tree_size(self) -> int:
        return self.checkpoint.size


async def plan_pack(
    pool: asyncpg.Pool, store: EventStore, log: LogKeys, ctx: RequestContext, *,
    system_id: UUID | None = None, frm: datetime | None = None, to: datetime | None = None,
) -> PackPlan:  # fmt: skip
    """Fix the range and its checkpoint: the latest one if it covers the range (checkpoint
    records aside), else a new one (signed only after the signer's full verification); its
    signature is re-checked with the configured key."""
    lo, hi = await _bounds(pool, frm, to)
    latest = await log_queries.latest_checkpoint(pool)
    if latest is not None and not await _newer_events(pool, latest.tree_size, hi):
        note = latest.note
    else:
        new, _ = await signer.sign_checkpoint(pool, store, log, ctx)
        if new is None:
            raise Conflict("the log is empty: nothing to export", code="empty_log")
        note = str(new["note"])
    try:
        cp, _ = open_checkpoint(note, [log.verifier])
    except NoteError as exc:
        raise PackRefused(f"the log's latest checkpoint does not verify with the configured"
                          f" key: {exc}") from exc  # fmt: skip
    if cp.origin != log.signer.name:
        raise PackRefused(f"the latest checkpoint is of log {cp.origin!r}, not {log.signer.name!r}")
    cosignatures = [x for x in await log_queries.cosignature_lines(pool, cp.size) if x not in note]
    del cosignatures[MAX_SIGNATURES - note.count("\n\u2014 ") :]  # what a note may carry
    return PackPlan(lo, min(hi, cp.size), cp, note + "".join(cosignatures), system_id, frm, to)


async def _newer_events(pool: asyncpg.Pool, size: int, hi: int) -> bool:
    """Are there events in (size, hi] other than checkpoint records (a checkpoint's own
    record always lies past the tree it signs, so it never needs a newer checkpoint)?"""
    return bool(await pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM events WHERE position > $1 AND position <= $2"
        " AND stream_id <> $3)", size, hi, CHECKPOINT_STREAM,
    ))  # fmt: skip


async def pack_chunks(
    pool: asyncpg.Pool, log: LogKeys, plan: PackPlan, *, stored: bool = False,
    database_url: str | None = None, parallel_min: int = PARALLEL_MIN,
) -> AsyncIterator[bytes]:  # fmt: skip
    """The zip, chunk by chunk, in bounded memory. An export that stops (a refused proof,
    a client gone) leaves the zip unfinished, so what was sent never verifies. `stored`
    writes every member uncompressed (for content that is compressed already); with a
    `database_url`, a whole-log pack of at least `parallel_min` events is rendered by one
    worker process per core."""
    sink = _Sink()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    zf = zipfile.ZipFile(sink, "w", method, compresslevel=None if stored else COMPRESSLEVEL)
    pack = _Pack(zf, sink)
    try:
        parallel = (database_url, parallel_min)
        async for chunk in _members(pool, log, plan, pack, parallel):
            yield chunk
    except BaseException:
        await pack.abandon()
        raise


async def _members(
    pool: asyncpg.Pool, log: LogKeys, plan: PackPlan, pack: _Pack,
    workers: tuple[str | None, int] = (None, 0),
) -> AsyncIterator[bytes]:  # fmt: skip
    """Write the members; proofs.jsonl is spooled (to disk when large) while events.jsonl
    is written, since a zip is written one member at a time."""
    cp, system_id, trace = plan.checkpoint, plan.system_id, report.Trace()
    whole = system_id is None and plan.lo == 0 and plan.hi == cp.size
    lines = _Lines(trace, cp, whole)
    # a large pack of the whole log is rendered by worker processes reading `database_url`
    url, at_least = workers
    parallel = url if whole and plan.hi - plan.lo >= at_least else None
    sql = _SELECT + (_FOR_SYSTEM if system_id else "") + " ORDER BY position"
    args: list[Any] = [str(system_id), list(CONTEXT_TYPES)] if system_id else []
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
        # proofs.jsonl is deflated as it is made, on its own thread, and copied in after
        spooled, spooling = _Deflate(spool.write, pack.deflated), _Later()
        async with pool.acquire() as conn:
            if plan.hi > 0 and await tree.stored_size(conn) < cp.size:
                await tree.extend(conn, cp.size)  # nodes only; every proof is checked below
            entry = pack.open(EVENTS)
            windows = iter(range(plan.lo, plan.hi, BATCH))
            fetch = partial(_fetch, conn, sql, plan.hi, args)
            pending = None if parallel else fetch(next(windows, None))
            try:
                if parallel:
                    from services.evidence.integrity import pack_workers  # imports this module

                    outs = pack_workers.rendered(parallel, plan.lo, plan.hi, trace.full)
                    async for out in outs:
                        lines.take(out)
                        await spooling.run(spooled.write, out.proofs)
                        yield await entry.put(out.events)
                while pending is not None:
                    rows = await pending
                    # PostgreSQL reads and sends the next window while this one is rendered
                    pending = fetch(next(windows, None))
                    if rows:
                        proofs = (
                            None if whole else await _proofs(pool, [r[0] for r in rows], cp.size)
                        )
                        events, proofs_text = lines.batch(rows, proofs)
                        await spooling.run(spooled.write, proofs_text)
                        yield await entry.put(events)
                await spooling.run(spooled.finish)
                await spooling.wait()
            finally:
                if pending is not None:  # an export that stops: the connection goes back idle
                    pending.cancel()
                    with suppress(BaseException):
                        await pending
                with suppress(Exception):  # the spool is not read again after a failure
                    await spooling.wait()
            lines.check_whole()
            await entry.close()
            async for chunk in pack.open(PROOFS).copy(spooled, spool):
                yield chunk
            consistency = await _consistency(pool, conn, log, cp)
            soa = await _soa(conn)
            system = await conn.fetchrow(
                "SELECT * FROM evidence_system WHERE system_id = $1", system_id
            )
    pack.put(CHECKPOINT, plan.note.encode())
    pack.put(CONSISTENCY, consistency_json(consistency))
    pack.put(SOA, orjson.dumps(soa, option=orjson.OPT_INDENT_2))
    root = base64.b64encode(cp.root_hash).decode()
    scope = {"system_id": system_id, "from": plan.frm, "to": plan.to, "events": lines.count,
             "origin": cp.origin, "tree_size": cp.size, "root_hash": root}  # fmt: skip
    pack.put(REPORT, report.render(trace, dict(system) if system else None, soa, scope))
    pack.put(README, README_TEXT.encode())
    manifest = orjson.dumps({
        "format": PACK_FORMAT, "created_at": iso(datetime.now(UTC)), "origin": cp.origin,
        "tree_size": cp.size, "root_hash": root,
        "system_id": str(system_id) if system_id else None,
        "from": iso(plan.frm) if plan.frm else None, "to": iso(plan.to) if plan.to else None,
        "event_count": lines.count, "files": pack.files, "verified": list(VERIFIED),
        "unverified_context": list(UNVERIFIED_CONTEXT),
    }, option=orjson.OPT_INDENT_2)  # fmt: skip
    pack.zf.writestr(MANIFEST, manifest)
    pack.zf.close()
    yield pack.sink.drain()


def _fetch(
    conn: asyncpg.Connection, sql: str, hi: int, args: list[Any], after: int | None
) -> asyncio.Future[list[asyncpg.Record]] | None:
    """Start fetching the rows of the window of BATCH positions after `after`."""
    if after is None:
        return None
    rows: Awaitable[list[asyncpg.Record]] = conn.fetch(sql, after, min(after + BATCH, hi), *args)
    return asyncio.ensure_future(rows)


async def _proofs(conn: tree.Conn, positions: list[int], size: int) -> list[
    list[bytes]]:  # fmt: skip
    """RFC 9162 inclusion proofs of these positions in the tree of `size` leaves, from the
    stored nodes fetched in one query. A proof lists the subtrees beside the leaf's path,
    bottom first, and neighbouring leaves share most of them, so each subtree is folded
    once per batch. Nothing here is trusted: every proof is checked against the signed
    root before it is written (_Lines.batch)."""
    paths = [_path(p - 1, size) for p in positions]
    spans = {(lv, ix): [(lv, ix)] if (ix + 1) << lv <= size else _span(ix << lv, size)
             for lv, ix in dict.fromkeys(chain.from_iterable(paths))}  # fmt: skip
    wanted = list(dict.fromkeys(chain.from_iterable(spans.values())))
    nodes = await tree.fetch_nodes(conn, wanted)
    if len(nodes) != len(wanted):
        missing = [w for w in wanted if w not in nodes][:3]
        raise PackRefused(f"tree nodes missing from storage: {missing}; the checkpoint signer"
                          " stores them again on its next pass")  # fmt: skip
    value = {s: _fold([nodes[n] for n in span]) for s, span in spans.items()}
    return [[value[s] for s in path] for path in paths]


def _path(index: int, size: int) -> list[merkle.Node]:
    """The subtrees beside leaf `index`'s path to the root (PATH of RFC 9162 2.1.3.1), as
    (level, index), bottom first; a sibling wholly past the right edge does not exist."""
    out, level = [], 0
    while (1 << level) < size:
        sibling = (index >> level) ^ 1
        if sibling << level < size:
            out.append((level, sibling))
        level += 1
    return out


def _span(begin: int, end: int) -> list[merkle.Node]:
    """The perfect nodes covering [begin, end), largest first (a subtree that sticks out
    past the right edge is the fold of these)."""
    out, width = [], end - begin
    for level in reversed(range(width.bit_length())):
        if width >> level & 1:
            out.append((level, begin >> level))
            begin += 1 << level
    return out


def _fold(hashes: list[bytes]) -> bytes:
    """The root of consecutive perfect subtrees, largest first."""
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = merkle.node_hash(left, h)
    return h


async def _consistency(
    pool: asyncpg.Pool, conn: asyncpg.Connection, log: LogKeys, cp: Checkpoint
) -> list[tuple[int, int, Sequence[bytes]]]:
    """Consistency proofs between N and each witness's newest cosigned size, each checked
    against the two signed roots before it is exported."""
    proofs: list[tuple[int, int, Sequence[bytes]]] = []
    for size in await log_queries.witnessed_sizes(pool):
        if size in (0, cp.size):
            continue
        note = await log_queries.checkpoint_of_size(pool, size)
        if note is None:
            continue  # no signed root to check it against: not exported
        try:
            other, _ = open_checkpoint(note, [log.verifier])
        except NoteError as exc:
            raise PackRefused(f"the checkpoint of size {size} does not verify: {exc}") from exc
        (m, root_m), (n, root_n) = sorted([(size, other.root_hash), (cp.size, cp.root_hash)])
        hashes = await tree.consistency(conn, m, n)
        if not merkle.verify_consistency(m, n, root_m, root_n, hashes):
            raise PackRefused(
                f"the signed trees of sizes {m} and {n} are not consistent: the log was"
                " rewritten; nothing is exported", first=m, second=n,
            )  # fmt: skip
        proofs.append((m, n, hashes))
    return proofs


async def _soa(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Every Annex A control with its SoA row (or `not_set`)."""
    rows = {r["control_id"]: dict(r) for r in await conn.fetch("SELECT * FROM evidence_soa")}
    out = []
    for c in controls().values():
        row = rows.get(c.id) or {"status": "not_set", "applicable": None, "justification": ""}
        out.append({"control_id": c.id, "title": c.title, "group": c.group_title,
                    **{k: v for k, v in row.items() if k != "control_id"}})  # fmt: skip
    return out


async def write_pack(
    pool: asyncpg.Pool, out: IO[bytes], store: EventStore, log: LogKeys, ctx: RequestContext,
    *, system_id: UUID | None = None, frm: datetime | None = None, to: datetime | None = None,
    stored: bool = False, database_url: str | None = None, parallel_min: int = PARALLEL_MIN,
) -> None:  # fmt: skip
    """Write an audit pack to a binary file (used by `aims export` and benchmarks)."""
    plan = await plan_pack(pool, store, log, ctx, system_id=system_id, frm=frm, to=to)
    chunks = pack_chunks(
        pool, log, plan, stored=stored, database_url=database_url, parallel_min=parallel_min
    )
    writing = _Later()  # the file is written on a thread while the next chunk is made
    try:
        async for chunk in chunks:
            await writing.run(out.write, chunk)
    finally:
        await writing.wait()


async def export_file(
    database_url: str, path: Path, key_path: Path, *, origin: str | None = None,
    witness_keys: Sequence[str] = (), system_id: UUID | None = None,
    frm: datetime | None = None, to: datetime | None = None, actor: str = "aims-cli",
    stored: bool = False, parallel_min: int = PARALLEL_MIN,
) -> None:  # fmt: skip
    """Write a pack to `path` atomically, straight from the database (`aims export`); the
    log's origin defaults to the configured AIMS_LOG_ORIGIN."""
    settings = Settings()
    settings.log_origin = origin or settings.log_origin
    settings.witness_keys = " ".join(witness_keys) or settings.witness_keys
    log = keys.build(load_signer(key_path).key, settings)
    pool = await db.create_pool(database_url, size=3, timeout=60)
    tmp = path.with_name(path.name + ".part")
    try:
        store = EventStore(pool, categories=CATEGORIES["evidence"])
        ctx = RequestContext(actor=Actor(actor, frozenset({"auditor"})), service="evidence")
        with tmp.open("wb") as out:
            await write_pack(
                pool, out, store, log, ctx, system_id=system_id, frm=frm, to=to, stored=stored,
                database_url=database_url, parallel_min=parallel_min,
            )  # fmt: skip
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
        await db.close_pool(pool)
