"""`aims witness`: an auditor's independent check that the log only ever grows.

The witness keeps, outside the operator's database, the newest checkpoint it has verified.
Each run fetches the log's latest checkpoint (no token: checkpoints and consistency proofs
are public), checks its signature with the log's verifier key the auditor was given, and
checks an RFC 9162 consistency proof from the checkpoint it holds. Only then does it store
the new checkpoint with its own cosignature (C2SP tlog-cosignature) and post that back.

What then holds: the operator, even holding the database superuser and the log's signing
key, cannot rewrite anything the witness has seen. A rewritten history has a different
root at the witnessed size, so no consistency proof to the witnessed root exists, and a
log that presents an older, smaller tree is a rollback. Both end the run non-zero.
"""

from __future__ import annotations

import base64
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from shared.kernel.tlog import (
    Checkpoint,
    CosignatureSigner,
    NoteError,
    Verifier,
    open_checkpoint,
    verify_consistency,
)

CHECKPOINT_FILE = "checkpoint"
KEY_FILE = "witness_ed25519.pem"
PUBLIC_FILE = "witness.pub"
OK, FAILED, UNREACHABLE = 0, 1, 3


class WitnessError(Exception):
    """The log cannot be trusted: bad signature, inconsistent history or a rollback."""


@dataclass
class Outcome:
    """What one run found: exit code and a line for humans."""

    code: int
    message: str


def load_key(state: Path, key_file: Path | None) -> Ed25519PrivateKey:
    """The witness key: `key_file`, else the one in the state directory (created 0600)."""
    path = key_file or state / KEY_FILE
    if key_file is None and not path.exists():
        state.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SystemExit(f"{path} is not an Ed25519 private key")
    return key


def default_name() -> str:
    """A witness name that says where it runs."""
    host = "".join(c for c in socket.gethostname() if c.isalnum() or c in "-.") or "host"
    return f"aims-witness/{host}"


def held(state: Path, log: Verifier) -> Checkpoint | None:
    """The checkpoint this witness verified last (its own file; the signature re-checked)."""
    path = state / CHECKPOINT_FILE
    if not path.exists():
        return None
    try:
        cp, _ = open_checkpoint(path.read_text(), [log])
    except NoteError as exc:
        raise WitnessError(f"the stored checkpoint {path} does not verify: {exc}") from exc
    return cp


def check(old: Checkpoint | None, new: Checkpoint, proof: list[bytes] | None) -> str | None:
    """Why `new` may not follow `old` (None when it may)."""
    if old is None:
        return None
    if new.size < old.size:
        return f"rollback: the log shows size {new.size}, smaller than size {old.size} seen before"
    if new.size == old.size:
        if new.root_hash != old.root_hash:
            return (f"fork at size {new.size}: root {_b64(new.root_hash)} differs from the"
                    f" witnessed root {_b64(old.root_hash)}")  # fmt: skip
        return None
    if proof is None or not verify_consistency(
        old.size, new.size, old.root_hash, new.root_hash, proof
    ):
        return (f"inconsistent history: size {new.size} root {_b64(new.root_hash)} is not an"
                f" extension of size {old.size} root {_b64(old.root_hash)}")  # fmt: skip
    return None


def run_once(
    client: httpx.Client, log: Verifier, state: Path, signer: CosignatureSigner
) -> Outcome:
    """Fetch, verify, store and cosign the latest checkpoint."""
    note = _get(client, "/v1/log/checkpoint").text
    try:
        new, _ = open_checkpoint(note, [log])
    except NoteError as exc:
        raise WitnessError(f"the log's checkpoint does not verify with its key: {exc}") from exc
    if new.origin != log.name:
        raise WitnessError(f"checkpoint origin {new.origin!r} is not the log {log.name!r}")
    old = held(state, log)
    proof = None
    if old is not None and new.size > old.size:
        body = _get(client, f"/v1/log/proofs/consistency?first={old.size}&second={new.size}")
        proof = [base64.b64decode(h, validate=True) for h in body.json()["hashes"]]
    why = check(old, new, proof)
    if why is not None:
        raise WitnessError(why)
    if old is not None and new.size == old.size:
        return Outcome(OK, f"unchanged at size {new.size}")
    cosigned = _with_line(note, signer.cosign(new.format(), int(time.time())))
    _write_atomic(state / CHECKPOINT_FILE, cosigned)
    posted = _post(client, cosigned)
    since = f"from size {old.size} " if old else ""
    return Outcome(OK, f"consistent {since}to size {new.size}, cosigned{posted}")


def _get(client: httpx.Client, path: str) -> httpx.Response:
    r = client.get(path)
    if r.status_code != 200:
        raise httpx.HTTPStatusError(f"{path}: HTTP {r.status_code}", request=r.request, response=r)
    return r


def _post(client: httpx.Client, note: str) -> str:
    try:
        r = client.post("/v1/log/cosignatures", content=note.encode(),
                        headers={"Content-Type": "text/plain; charset=utf-8"})  # fmt: skip
    except httpx.HTTPError as exc:
        print(f"warning: could not post the cosignature: {exc}", file=sys.stderr)
        return " (not posted)"
    if r.status_code >= 300:
        print(f"warning: the log refused the cosignature: HTTP {r.status_code} {r.text[:200]}",
              file=sys.stderr)  # fmt: skip
        return " (refused by the log)"
    return " and posted"


def _with_line(note: str, line: str) -> str:
    return note if note.endswith("\n") and line in note else note + line


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def witness(
    url: str, public_key: Path, state: Path, *, every: float | None, key_file: Path | None,
    name: str | None,
) -> int:  # fmt: skip
    """Run once (or every `every` seconds); returns the exit code."""
    log = Verifier.from_line(public_key.read_text().strip())
    state.mkdir(parents=True, exist_ok=True)
    signer = CosignatureSigner(name or default_name(), load_key(state, key_file))
    (state / PUBLIC_FILE).write_text(signer.verifier_line() + "\n")
    with httpx.Client(base_url=url.rstrip("/"), timeout=30) as client:
        while True:
            try:
                outcome = run_once(client, log, state, signer)
            except WitnessError as exc:
                print(f"ALARM: {exc}", file=sys.stderr)
                return FAILED
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                outcome = Outcome(UNREACHABLE, f"could not check the log: {exc}")
            print(outcome.message, file=sys.stderr if outcome.code else sys.stdout, flush=True)
            if every is None:
                return outcome.code
            time.sleep(every)
