"""Shapes of the transparency-log API (hashes and leaves are standard base64)."""

from __future__ import annotations

from pydantic import BaseModel


class ConsistencyProof(BaseModel):
    """RFC 9162 consistency proof between two tree sizes."""

    first: int
    second: int
    hashes: list[str]


class InclusionProof(BaseModel):
    """RFC 9162 inclusion proof of one leaf (0-based index) in a tree of `tree_size`."""

    leaf_index: int
    tree_size: int
    hashes: list[str]


class Entry(BaseModel):
    """One log entry: its 1-based position and its canonical bytes (the leaf's data)."""

    position: int
    leaf: str


class Entries(BaseModel):
    """A page of entries; `next` is the position to ask for next, null at the end."""

    entries: list[Entry]
    next: int | None


class CosignaturesAccepted(BaseModel):
    """Which witnesses' cosignatures were kept, for which tree size."""

    tree_size: int
    witnesses: list[str]
