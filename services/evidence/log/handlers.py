"""Accepting a witness's cosigned checkpoint."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import asyncpg

from services.evidence.log import queries
from shared.domain.errors import DomainError, Invalid
from shared.kernel.tlog import NoteError, Verifier, open_checkpoint
from shared.kernel.tlog.note import ALG_COSIGNATURE_V1


class UnknownWitness(DomainError):
    """No cosignature on the note comes from a witness this log is configured to accept."""

    code = "unknown_witness"


class NotOurCheckpoint(DomainError):
    """The cosigned checkpoint is not one this log signed."""

    code = "unknown_checkpoint"


@dataclass(frozen=True)
class AddCosignatures:
    """A witness posts a checkpoint note carrying its cosignature."""

    note: str
    log: Verifier
    witnesses: tuple[Verifier, ...]


async def add_cosignatures(cmd: AddCosignatures, pool: asyncpg.Pool) -> tuple[int, list[str]]:
    """Verify and keep the known witnesses' cosignatures; returns (tree size, witnesses)."""
    try:
        cp, sigs = open_checkpoint(cmd.note, [cmd.log, *cmd.witnesses])
    except NoteError as exc:
        raise Invalid(f"not a checkpoint signed by this log: {exc}") from exc
    if cmd.log.name not in {s.name for s in sigs if s.key_hash == cmd.log.key_hash}:
        raise Invalid("the note carries no valid signature of this log")
    ours = await queries.checkpoint_of_size(pool, cp.size)
    if ours is None or ours.split("\n\n", 1)[0] + "\n" != cp.format():
        raise NotOurCheckpoint(f"this log signed no such checkpoint at size {cp.size}")
    known = {(w.name, w.key_hash) for w in cmd.witnesses}
    lines = {_line_key(x): x for x in cmd.note.split("\n\n", 1)[1].splitlines(keepends=True)}
    cosigs = [(s, lines[(s.name, s.key_hash)]) for s in sigs
              if (s.name, s.key_hash) in known and (s.name, s.key_hash) in lines]  # fmt: skip
    if not cosigs:
        raise UnknownWitness("no cosignature from a witness in AIMS_WITNESS_KEYS")
    await queries.save_cosignatures(pool, cp.size, base64.b64encode(cp.root_hash).decode(), cosigs)
    return cp.size, sorted({s.name for s, _ in cosigs})


def witness_verifiers(lines: list[str]) -> tuple[Verifier, ...]:
    """Parse AIMS_WITNESS_KEYS; cosigner keys (type 0x04) only."""
    found = tuple(Verifier.from_line(x) for x in lines)
    wrong = [v.name for v in found if v.alg != ALG_COSIGNATURE_V1]
    if wrong:
        raise ValueError(f"AIMS_WITNESS_KEYS holds keys that are not cosigner keys: {wrong}")
    return found


def _line_key(line: str) -> tuple[str, int]:
    """(name, key hash) of a signature line, ("", -1) for anything else."""
    try:
        _, name, sig = line.rstrip("\n").split(" ")
        return name, int.from_bytes(base64.b64decode(sig)[:4], "big")
    except ValueError:
        return "", -1
