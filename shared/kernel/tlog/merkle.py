"""RFC 9162 section 2.1 Merkle trees: hashes, a streaming frontier, proofs from stored subtrees.

Nodes are named (level, index): level 0 holds the leaf hashes and node (level, index) covers
leaves [index * 2**level, (index + 1) * 2**level). Only *perfect* nodes, those whose whole range
lies inside the tree, are ever stored; the ragged right edge of a tree is recomputed from them, so
a proof or a root costs O(log n) node look-ups whatever the tree size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TypeAlias

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
# Sizes and indices are uint64 in every wire format (RFC 9162 structures, checkpoints).
MAX_SIZE = 1 << 64
# A tree of fewer than 2**64 leaves is at most 64 levels high; a consistency proof may carry one
# extra node. Longer proofs are rejected before any element is looked at.
_MAX_PROOF = 65

Node: TypeAlias = tuple[int, int]
NodeFn: TypeAlias = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    """Hash of one log entry: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves by the recursive definition (the slow reference)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root(leaf_hashes[:k]), root(leaf_hashes[k:]))


def root_at(size: int, node: NodeFn) -> bytes:
    """Root of the tree of `size` leaves from its perfect subtrees: O(log n) callbacks."""
    _check_size(size)
    if size == 0:
        return EMPTY_ROOT
    return _fold([node(level, index) for level, index in _range_nodes(0, size)])


class Frontier:
    """Streaming tree builder (the compact range [0, size)) holding O(log n) hashes."""

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        # One perfect subtree per set bit of size, largest (leftmost) first.
        self._hashes: list[bytes] = []

    @classmethod
    def from_nodes(cls, size: int, node: NodeFn) -> Frontier:
        """Resume at `size` from stored perfect-subtree hashes."""
        _check_size(size)
        frontier = cls()
        frontier._hashes = [_checked(node(level, index)) for level, index in _range_nodes(0, size)]
        frontier._size = size
        return frontier

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def nodes(self) -> list[tuple[int, int, bytes]]:
        """The perfect subtrees the frontier holds, as (level, index, hash), largest first."""
        spans = _range_nodes(0, self._size)
        return [(level, index, h) for (level, index), h in zip(spans, self._hashes, strict=True)]

    def append(self, leaf_hash: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return every perfect node it completes, the leaf itself first."""
        if self._size + 1 >= MAX_SIZE:
            raise ValueError("tree is full")
        h = _checked(leaf_hash)
        level, index = 0, self._size
        completed = [(level, index, h)]
        # A right child (odd index) completes its parent; carry up like a binary counter.
        while index & 1:
            h = node_hash(self._hashes.pop(), h)
            level, index = level + 1, index >> 1
            completed.append((level, index, h))
        self._hashes.append(h)
        self._size += 1
        return completed

    def extend(self, leaf_hashes: Sequence[bytes]) -> None:
        """Add many leaf hashes, as append does one by one, without listing the nodes they
        complete (a bulk rebuild of a root: two hashes per leaf, no other work)."""
        if self._size + len(leaf_hashes) >= MAX_SIZE:
            raise ValueError("tree is full")
        for h in leaf_hashes:  # all checked first: a refused one leaves the frontier as it was
            _checked(h)
        hashes, size, pop, sha256 = self._hashes, self._size, self._hashes.pop, hashlib.sha256
        for h in leaf_hashes:
            index = size
            while index & 1:  # a right child completes its parent: carry up
                h = sha256(b"\x01" + pop() + h).digest()
                index >>= 1
            hashes.append(h)
            size += 1
        self._size = size

    def root(self) -> bytes:
        """Root hash of the current tree."""
        return _fold(self._hashes) if self._hashes else EMPTY_ROOT

    def copy(self) -> Frontier:
        """An independent frontier at the same size."""
        other = Frontier()
        other._hashes, other._size = list(self._hashes), self._size
        return other


def frontier_nodes(size: int) -> list[Node]:
    """The perfect nodes `Frontier.from_nodes(size, ...)` and `root_at(size, ...)` ask for."""
    _check_size(size)
    return _range_nodes(0, size)


def inclusion_nodes(index: int, size: int) -> list[Node]:
    """Every perfect node `inclusion_proof(index, size, ...)` will ask for, in call order."""
    return [x for group in _inclusion_plan(index, size) for x in group]


def consistency_nodes(m: int, n: int) -> list[Node]:
    """Every perfect node `consistency_proof(m, n, ...)` will ask for, in call order."""
    return [x for group in _consistency_plan(m, n) for x in group]


def inclusion_proof(index: int, size: int, node: NodeFn) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(index, D[size]) built from perfect-subtree hashes."""
    return _materialise(_inclusion_plan(index, size), node)


def consistency_proof(m: int, n: int, node: NodeFn) -> list[bytes]:
    """RFC 9162 2.1.4.1 PROOF(m, D[n]) built from perfect-subtree hashes (empty if m is 0 or n)."""
    return _materialise(_consistency_plan(m, n), node)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does `proof` place `leaf_hash` at `index` in the tree with `root`?"""
    if not (_is_size(index) and _is_size(size) and index < size):
        return False
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_proof(proof)):
        return False
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # On the right edge a node may have no sibling for several levels.
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: is the tree (m, root_m) a prefix of the tree (n, root_n)?"""
    if not (_is_size(m) and _is_size(n) and m <= n):
        return False
    if not (_is_hash(root_m) and _is_hash(root_n) and _is_proof(proof)):
        return False
    if m == n:
        return not proof and root_m == root_n and (m > 0 or root_m == EMPTY_ROOT)
    if m == 0:
        # The empty tree is a prefix of every tree; its only valid root is SHA-256("").
        return not proof and root_m == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, root_m)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == root_m and sr == root_n


def _inclusion_plan(index: int, size: int) -> list[list[Node]]:
    """Proof elements of PATH(index, D[size]), each as the perfect nodes that fold into it."""
    _check_size(size)
    if not (isinstance(index, int) and 0 <= index < size):
        raise ValueError(f"leaf index {index!r} is outside a tree of size {size}")
    return _path_plan(0, index, size)


def _consistency_plan(m: int, n: int) -> list[list[Node]]:
    """Proof elements of PROOF(m, D[n]), each as the perfect nodes that fold into it."""
    _check_size(m)
    _check_size(n)
    if m > n:
        raise ValueError(f"cannot prove a tree of size {m} consistent with a smaller one ({n})")
    if m == 0 or m == n:
        return []
    # SUBPROOF recurses down to the largest perfect node ending at leaf m; it is omitted when
    # it is the whole old tree (m a power of two), since the verifier already knows root_m.
    level = (m & -m).bit_length() - 1
    index = (m >> level) - 1
    head = [[(level, index)]] if index else []
    return head + _path_plan(level, index, n)


def _path_plan(level: int, index: int, size: int) -> list[list[Node]]:
    """Siblings of node (level, index) up to the root of a `size`-leaf tree, bottom first."""
    plan: list[list[Node]] = []
    while (1 << level) < size:
        start = (index ^ 1) << level
        # A sibling wholly past the right edge does not exist at this level: the node is
        # promoted unchanged. One partly past it is the root of the ragged remainder.
        if start < size:
            plan.append(_range_nodes(start, min(start + (1 << level), size)))
        level, index = level + 1, index >> 1
    return plan


def _range_nodes(begin: int, end: int) -> list[Node]:
    """Perfect nodes covering [begin, end), largest first; begin must be aligned to all of them."""
    nodes: list[Node] = []
    width = end - begin
    for level in reversed(range(width.bit_length())):
        if width >> level & 1:
            nodes.append((level, begin >> level))
            begin += 1 << level
    return nodes


def _materialise(plan: list[list[Node]], node: NodeFn) -> list[bytes]:
    """Fetch each element's nodes through the callback and fold them into one hash."""
    return [_fold([_checked(node(level, index)) for level, index in group]) for group in plan]


def _fold(hashes: list[bytes]) -> bytes:
    """Root of consecutive perfect subtrees (largest first): MTH splits off the left one."""
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _checked(h: bytes) -> bytes:
    """A node hash from a caller or the database, refused unless it is 32 bytes."""
    if not _is_hash(h):
        raise ValueError(f"node hash must be {HASH_SIZE} bytes, got {h!r:.80}")
    return h


def _check_size(size: int) -> None:
    """Refuse a tree size that is not a uint64."""
    if not _is_size(size):
        raise ValueError(f"tree size must be an integer in [0, 2**64), got {size!r}")


def _is_size(x: object) -> bool:
    """A uint64, and not a bool."""
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x < MAX_SIZE


def _is_hash(x: object) -> bool:
    """Exactly 32 bytes."""
    return isinstance(x, bytes) and len(x) == HASH_SIZE


def _is_proof(proof: object) -> bool:
    """A short list or tuple of 32-byte hashes."""
    return (
        isinstance(proof, list | tuple)
        and len(proof) <= _MAX_PROOF
        and all(_is_hash(p) for p in proof)
    )
