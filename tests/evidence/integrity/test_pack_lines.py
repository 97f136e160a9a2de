"""The export formats its lines from byte templates for speed: they must be, byte for byte,
the renderings the offline verifier re-derives (event_line, proof_line, canonical_bytes),
and the bulk Merkle fold must give the root the one-by-one frontier gives."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from services.evidence.integrity import report
from services.evidence.integrity.pack import PackRefused, _Lines
from services.evidence.integrity.verify_pack import (
    canonical_bytes,
    envelope,
    event_line,
    proof_line,
)
from shared.kernel.eventstore.hashing import iso
from shared.kernel.tlog import Checkpoint, merkle
from shared.kernel.tlog.merkle import Frontier

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_meta = st.one_of(
    st.builds(lambda src, sub: {"source": src, "actor": {"sub": sub}}, _text, _text | st.none()),
    _json,
)


def _row(pos: int, stream: str, type_: str, data: object, meta: object, step: int) -> tuple:
    # multi-line data text too: the store never writes it, the renderings still agree
    data_text = orjson.dumps(data, option=orjson.OPT_INDENT_2 if pos % 3 == 0 else 0).decode()
    data_text += "\t" if pos % 5 == 1 else ""  # raw whitespace a json column may keep
    eid = f"{pos:08x}-0000-4000-8000-000000000000"
    ts = T0 + timedelta(microseconds=step)
    return (
        pos,
        eid,
        stream,
        pos % 7,
        type_,
        1 + pos % 2,
        ts,
        data_text,
        orjson.dumps(meta).decode(),
    )


def _expected(row: tuple, hashes: list[bytes]) -> tuple[bytes, bytes, bytes]:
    pos, eid, stream, ver, type_, sver, ts, data, meta = row
    source, actor = envelope(meta)
    leaf = canonical_bytes(pos, eid, stream, ver, type_, sver, iso(ts), data, meta)
    line = event_line(pos, eid, stream, ver, type_, sver, iso(ts), data, meta, source, actor)
    return line, proof_line(pos, leaf, hashes), leaf


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            _text,
            st.sampled_from(["SystemRegistered", 'Odd"Type\n', "É"]),
            _json,
            _meta,
            st.integers(0, 2),
        ),  # fmt: skip
        min_size=1,
        max_size=12,
    )
)
def test_lines_are_the_verifier_renderings_byte_for_byte(events):
    rows = [
        _row(i + 1, stream, type_, data, meta, step=sum(x[4] for x in events[: i + 1]))
        for i, (stream, type_, data, meta, _) in enumerate(events)
    ]
    leaves = [hashlib.sha256(b"\x00" + _expected(r, [])[2]).digest() for r in rows]
    cp = Checkpoint("example.org/log", len(rows), merkle.root(leaves))
    trace = report.Trace()
    trace.full.update(e[1] for e in events)  # the report's summaries are not the point here
    lines = _Lines(trace, cp, whole=True)
    # in two batches: what is carried from one batch to the next changes nothing
    half = len(rows) // 2
    out = [lines.batch(rows[:half], None), lines.batch(rows[half:], None)]
    lines.check_whole()
    assert b"".join(e for e, _ in out) == b"".join(_expected(r, [])[0] + b"\n" for r in rows)
    assert b"".join(p for _, p in out) == b"".join(_expected(r, [])[1] + b"\n" for r in rows)
    assert lines.count == len(rows)


def test_proof_lines_carry_checked_hashes_and_a_wrong_leaf_is_refused():
    rows = [_row(i + 1, f"system-{i % 3}", "SystemRegistered", {"n": i}, {"source": "registry"}, i)
            for i in range(11)]  # fmt: skip
    leaves = [hashlib.sha256(b"\x00" + _expected(r, [])[2]).digest() for r in rows]
    cp = Checkpoint("example.org/log", len(rows), merkle.root(leaves))
    nodes = _nodes(leaves)
    proofs = [
        merkle.inclusion_proof(r[0] - 1, len(rows), lambda lv, ix: nodes[lv, ix]) for r in rows
    ]
    events, lines = _Lines(report.Trace(), cp, whole=False).batch(rows[3:9], proofs[3:9])
    assert lines == b"".join(
        _expected(r, p)[1] + b"\n" for r, p in zip(rows[3:9], proofs[3:9], strict=True)
    )
    assert events == b"".join(_expected(r, [])[0] + b"\n" for r in rows[3:9])
    tampered = [*rows[3:9]]
    tampered[2] = (*tampered[2][:7], '{"n": "edited"}', tampered[2][8])
    try:
        _Lines(report.Trace(), cp, whole=False).batch(tampered, proofs[3:9])
    except PackRefused as exc:
        assert "position 6" in str(exc)
    else:
        raise AssertionError("an edited row was exported")


def _nodes(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    frontier, nodes = Frontier(), {}
    for h in leaves:
        nodes.update({(lv, ix): x for lv, ix, x in frontier.append(h)})
    return nodes


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=5))
def test_bulk_extend_is_append_one_by_one(batches):
    one, bulk, n = Frontier(), Frontier(), 0
    for k in batches:
        hashes = [hashlib.sha256(str(n + i).encode()).digest() for i in range(k)]
        n += k
        for h in hashes:
            one.append(h)
        bulk.extend(hashes)
        assert (bulk.size, bulk.root(), bulk.nodes()) == (one.size, one.root(), one.nodes())


def test_bulk_extend_refuses_a_malformed_hash_and_changes_nothing():
    frontier = Frontier()
    frontier.extend([hashlib.sha256(b"a").digest()])
    root = frontier.root()
    try:
        frontier.extend([hashlib.sha256(b"b").digest(), b"short"])
    except ValueError:
        pass
    else:
        raise AssertionError("a 5-byte leaf hash was accepted")
    assert (frontier.size, frontier.root()) == (1, root)
