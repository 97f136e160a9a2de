"""The transparency log: checkpoints, proofs, entries and witness cosignatures (RFC 9162, C2SP)."""
