"""RFC 9162 Merkle trees: published vectors, brute force against the recursive definitions."""

from __future__ import annotations

import functools
import hashlib

import pytest

from shared.kernel.tlog import (
    EMPTY_ROOT,
    Frontier,
    consistency_nodes,
    consistency_proof,
    inclusion_nodes,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    root_at,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex

# The RFC 6962 test tree used by certificate-transparency, Trillian and transparency-dev/merkle
# (merkle/testonly LeafInputs, NodeHashes, RootHashes; proof/verify_test.go).
LEAVES = [h(x) for x in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657")] + [
    h("606162636465666768696a6b6c6d6e6f")
]
NODES = {
    (0, i): h(x)
    for i, x in enumerate(
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ]
    )
} | {
    (1, 0): h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    (1, 1): h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
    (1, 2): h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
    (1, 3): h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    (2, 0): h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    (2, 1): h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    (3, 0): h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
}
ROOTS = [EMPTY_ROOT] + [
    h(x)
    for x in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
N = NODES  # the proofs below, written as the node each element is
# (leaf index, tree size, proof): verify_test.go's inclusionProofs, whose leaf numbers are 1-based.
INCLUSION = [
    (0, 1, []),
    (0, 8, [N[0, 1], N[1, 1], N[2, 1]]),
    (5, 8, [N[0, 4], N[1, 3], N[2, 0]]),
    (2, 3, [N[1, 0]]),
    (1, 5, [N[0, 0], N[1, 1], N[0, 4]]),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, [N[0, 1], N[1, 1], N[2, 1]]),
    (6, 8, [N[1, 2], N[1, 3], N[2, 0]]),
    (2, 5, [N[1, 1], N[0, 4]]),
    (6, 7, [N[1, 2], N[0, 6], N[2, 0]]),
]
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def vector_node(level: int, index: int) -> bytes:
    """Node callback over the published node hashes."""
    return NODES[level, index]


def test_hashing_primitives_match_the_vectors() -> None:
    assert EMPTY_ROOT == hashlib.sha256(b"").digest() == root([])
    assert EMPTY_ROOT.hex().startswith("e3b0c442")
    assert [leaf_hash(d) for d in LEAVES] == [NODES[0, i] for i in range(8)]
    assert node_hash(NODES[0, 0], NODES[0, 1]) == NODES[1, 0]
    assert node_hash(NODES[2, 0], NODES[2, 1]) == NODES[3, 0] == ROOTS[8]


def test_roots_of_the_vector_tree_every_way() -> None:
    hashes = [leaf_hash(d) for d in LEAVES]
    frontier = Frontier()
    assert frontier.root() == ROOTS[0] and root_at(0, vector_node) == ROOTS[0]
    emitted: dict[tuple[int, int], bytes] = {}
    for size in range(1, 9):
        emitted |= {(lv, i): x for lv, i, x in frontier.append(hashes[size - 1])}
        assert frontier.size == size
        assert root(hashes[:size]) == frontier.root() == ROOTS[size]
        assert root_at(size, vector_node) == ROOTS[size]
        resumed = Frontier.from_nodes(size, vector_node)
        assert resumed.root() == ROOTS[size] and resumed.nodes() == frontier.nodes()
    assert emitted == NODES  # the frontier hands out exactly the perfect subtrees, once each


def test_append_reports_the_nodes_it_completes() -> None:
    frontier = Frontier.from_nodes(7, vector_node)
    assert frontier.nodes() == [(2, 0, N[2, 0]), (1, 2, N[1, 2]), (0, 6, N[0, 6])]
    completed = frontier.append(N[0, 7])
    assert completed == [(0, 7, N[0, 7]), (1, 3, N[1, 3]), (2, 1, N[2, 1]), (3, 0, N[3, 0])]
    assert frontier.nodes() == [(3, 0, ROOTS[8])]
    with pytest.raises(ValueError):
        frontier.append(b"short")


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_known_inclusion_proofs(index: int, size: int, proof: list[bytes]) -> None:
    node = Recorder(NODES)
    assert inclusion_proof(index, size, node) == proof
    assert node.calls == inclusion_nodes(index, size)
    assert verify_inclusion(NODES[0, index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("m", "n", "proof"), CONSISTENCY)
def test_known_consistency_proofs(m: int, n: int, proof: list[bytes]) -> None:
    node = Recorder(NODES)
    assert consistency_proof(m, n, node) == proof
    assert node.calls == consistency_nodes(m, n)
    assert verify_consistency(m, n, ROOTS[m], ROOTS[n], proof)


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION[1:])
def test_corrupted_inclusion_proofs_fail(index: int, size: int, proof: list[bytes]) -> None:
    leaf, good = NODES[0, index], ROOTS[size]
    probes = [
        (leaf, index - 1, size, proof, good),
        (leaf, index + 1, size, proof, good),
        (leaf, index ^ 2, size, proof, good),
        (leaf, index, size * 2, proof, good),
        (leaf, index, size // 2, proof, good),
        (b"WrongLeaf", index, size, proof, good),
        (NODES[0, (index + 1) % 8], index, size, proof, good),
        (leaf, index, size, proof, EMPTY_ROOT),
        (leaf, index, size, proof, SOME_HASH),
        (leaf, index, size, [*proof, b""], good),
        (leaf, index, size, [*proof, good], good),
        (leaf, index, size, [b"", *proof], good),
        (leaf, index, size, [good, *proof], good),
        (leaf, index, size, proof[:-1], good),
        (leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], good),
    ]
    probes += [(leaf, index, size, _flip(proof, k), good) for k in range(len(proof))]
    for probe in probes:
        assert not verify_inclusion(*probe), probe


@pytest.mark.parametrize(("m", "n", "proof"), CONSISTENCY[1:])
def test_corrupted_consistency_proofs_fail(m: int, n: int, proof: list[bytes]) -> None:
    r1, r2 = ROOTS[m], ROOTS[n]
    probes = [
        (m - 1, n, r1, r2, proof),
        (m + 1, n, r1, r2, proof),
        (m ^ 2, n, r1, r2, proof),
        (m, n * 2, r1, r2, proof),
        (m, n // 2, r1, r2, proof),
        (m, n, b"WrongRoot", r2, proof),
        (m, n, r1, b"WrongRoot", proof),
        (m, n, SOME_HASH, r2, proof),
        (m, n, r2, r1, proof),
        (m, n, r1, r2, []),
        (m, n, r1, r2, [*proof, b""]),
        (m, n, r1, r2, [*proof, r1]),
        (m, n, r1, r2, [*proof, r2]),
        (m, n, r1, r2, [b"", *proof]),
        (m, n, r1, r2, [r1, *proof]),
        (m, n, r1, r2, [r2, *proof]),
        (m, n, r1, r2, [proof[0], *proof]),
        (m, n, r1, r2, proof[:-1]),
    ]
    probes += [(m, n, r1, r2, _flip(proof, k)) for k in range(len(proof))]
    for probe in probes:
        assert not verify_consistency(*probe), probe


def test_trivial_and_degenerate_consistency() -> None:
    a, b = ROOTS[3], ROOTS[5]
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, b, [])
    assert verify_consistency(3, 3, a, a, [])
    assert not verify_consistency(0, 0, a, a, [])  # size 0 has one root
    assert not verify_consistency(0, 5, a, b, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, b, [EMPTY_ROOT])
    assert not verify_consistency(3, 3, a, b, [])
    assert not verify_consistency(3, 3, a, a, [a])
    assert not verify_consistency(5, 3, b, a, [])
    assert not verify_consistency(1, 2, ROOTS[1], ROOTS[2], [])
    assert consistency_proof(0, 5, vector_node) == consistency_proof(5, 5, vector_node) == []


def test_garbage_never_raises() -> None:
    junk: list[object] = [None, -1, 1.5, True, "3", b"", b"x" * 32, [b"x" * 32], 2**64, object()]
    good = (NODES[0, 0], 0, 8, INCLUSION[1][2], ROOTS[8])
    for slot in range(5):
        for value in junk:
            args = list(good)
            args[slot] = value
            assert verify_inclusion(*args) is False  # type: ignore[arg-type]
    good_c = (6, 8, ROOTS[6], ROOTS[8], CONSISTENCY[2][2])
    for slot in range(5):
        for value in junk:
            args = list(good_c)
            args[slot] = value
            assert verify_consistency(*args) is False  # type: ignore[arg-type]
    assert not verify_inclusion(NODES[0, 0], 0, 8, [SOME_HASH] * 10_000, ROOTS[8])


def test_proof_generation_rejects_impossible_requests() -> None:
    for index, size in [(0, 0), (8, 8), (-1, 8), (0, 2**64)]:
        with pytest.raises(ValueError):
            inclusion_proof(index, size, vector_node)
    with pytest.raises(ValueError):
        consistency_proof(6, 5, vector_node)
    with pytest.raises(ValueError):
        inclusion_proof(0, 8, lambda lv, i: b"not a hash")


# --- brute force against the recursive definitions -------------------------------------------

BRUTE = 300
HASHES = [leaf_hash(b"entry %d" % i) for i in range(BRUTE)]


def _split(n: int) -> int:
    """Largest power of two below n, by counting (independent of the library's bit trick)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@functools.cache
def _mth(lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) by the recursive definition, memoised for speed."""
    if hi - lo == 1:
        return HASHES[lo]
    k = _split(hi - lo)
    return node_hash(_mth(lo, lo + k), _mth(lo + k, hi))


def _path(m: int, lo: int, hi: int) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(m, D[lo:hi]), m relative to lo."""
    if hi - lo == 1:
        return []
    k = _split(hi - lo)
    if m < k:
        return _path(m, lo, lo + k) + [_mth(lo + k, hi)]
    return _path(m - k, lo + k, hi) + [_mth(lo, lo + k)]


def _subproof(m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
    """RFC 9162 2.1.4.1 SUBPROOF(m, D[lo:hi], b)."""
    if m == hi - lo:
        return [] if complete else [_mth(lo, hi)]
    k = _split(hi - lo)
    if m <= k:
        return _subproof(m, lo, lo + k, complete) + [_mth(lo + k, hi)]
    return _subproof(m - k, lo + k, hi, False) + [_mth(lo, lo + k)]


@pytest.fixture(scope="module")
def store() -> dict[tuple[int, int], bytes]:
    """Every perfect node of the brute-force tree, as the frontier emitted them."""
    frontier, nodes = Frontier(), {}
    for size in range(1, BRUTE + 1):
        for level, index, x in frontier.append(HASHES[size - 1]):
            assert (level, index) not in nodes
            nodes[level, index] = x
        assert frontier.root() == root(HASHES[:size]) == _mth(0, size), size
    return nodes


def test_brute_force_roots_and_resume(store: dict[tuple[int, int], bytes]) -> None:
    for size in range(BRUTE + 1):
        expected = _mth(0, size) if size else EMPTY_ROOT
        assert root_at(size, lambda lv, i: store[lv, i]) == expected
        resumed = Frontier.from_nodes(size, lambda lv, i: store[lv, i])
        if size < BRUTE:
            resumed.append(HASHES[size])
            assert resumed.root() == _mth(0, size + 1)


def test_brute_force_inclusion(store: dict[tuple[int, int], bytes]) -> None:
    for size in range(1, BRUTE + 1):
        tree_root = _mth(0, size)
        for index in range(size):
            node = Recorder(store)
            proof = inclusion_proof(index, size, node)
            assert proof == _path(index, 0, size), (index, size)
            assert node.calls == inclusion_nodes(index, size)
            assert len(node.calls) <= 2 * size.bit_length()
            assert verify_inclusion(HASHES[index], index, size, proof, tree_root)


def test_brute_force_inclusion_negatives(store: dict[tuple[int, int], bytes]) -> None:
    for size in range(1, 70):
        tree_root = _mth(0, size)
        for index in range(size):
            leaf = HASHES[index]
            proof = _path(index, 0, size)
            assert not verify_inclusion(leaf, index, size, proof + [leaf], tree_root)
            assert not verify_inclusion(leaf, index, size, [leaf, *proof], tree_root)
            for k in range(len(proof)):
                assert not verify_inclusion(leaf, index, size, _flip(proof, k), tree_root)
            if proof:
                assert not verify_inclusion(leaf, index, size, proof[:-1], tree_root)
            for other in {index - 1, index + 1, index ^ 1} & set(range(size)) - {index}:
                assert not verify_inclusion(leaf, other, size, proof, tree_root)
                assert not verify_inclusion(HASHES[other], index, size, proof, tree_root)
            for other_size in {size - 1, size + 1, 2 * size, size // 2} - {0, size}:
                other_root = _mth(0, other_size)
                assert not verify_inclusion(leaf, index, other_size, proof, other_root)
            assert not verify_inclusion(leaf, index, size, proof, _flip([tree_root], 0)[0])
            assert not verify_inclusion(leaf, size, size, proof, tree_root)


def test_brute_force_consistency(store: dict[tuple[int, int], bytes]) -> None:
    for n in range(1, 65):
        root_n = _mth(0, n)
        for m in range(1, n + 1):
            root_m = _mth(0, m)
            node = Recorder(store)
            proof = consistency_proof(m, n, node)
            assert proof == (_subproof(m, 0, n, True) if m < n else []), (m, n)
            assert node.calls == consistency_nodes(m, n)
            assert verify_consistency(m, n, root_m, root_n, proof)
            if m == n:
                continue
            assert not verify_consistency(m, n, root_n, root_m, proof)
            assert not verify_consistency(m, n, root_m, root_n, proof[:-1])
            assert not verify_consistency(m, n, root_m, root_n, proof + [root_n])
            assert not verify_consistency(m, n, root_m, root_n, [root_m, *proof])
            for k in range(len(proof)):
                assert not verify_consistency(m, n, root_m, root_n, _flip(proof, k))
            for m2 in {m - 1, m + 1} - {0, m, n}:
                assert not verify_consistency(m2, n, _mth(0, m2), root_n, proof)
            for n2 in {n - 1, n + 1} - {m, n}:
                assert not verify_consistency(m, n2, root_m, _mth(0, n2), proof)


class Recorder:
    """A node callback over a dict that records which nodes were asked for."""

    def __init__(self, nodes: dict[tuple[int, int], bytes]) -> None:
        self.nodes = nodes
        self.calls: list[tuple[int, int]] = []

    def __call__(self, level: int, index: int) -> bytes:
        self.calls.append((level, index))
        return self.nodes[level, index]


def _flip(proof: list[bytes], k: int) -> list[bytes]:
    """A copy of proof with one bit of element k flipped."""
    bad = bytearray(proof[k])
    bad[0] ^= 0x10
    return [*proof[:k], bytes(bad), *proof[k + 1 :]]
