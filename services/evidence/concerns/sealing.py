"""Sealing an anonymous reporter's identity: AES-GCM under a key only this service holds.

An anonymous concern must not name its reporter to the people who read the log (auditors
read every event, audit packs carry them), yet separation of duties must still keep the
reporter from triaging their own concern, and admins may need to know who it was. So the
event keeps the reporter sealed: AES-256-GCM with a random nonce, the concern's id as
associated data (a sealed value copied to another concern does not open), under a key
kept in the data directory beside the checkpoint key (created 0600 on first use; every
replica of the evidence service needs the same file). Whoever holds the key and the
database can unseal; nobody else can.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "aesgcm1"


@dataclass(frozen=True)
class Sealer:
    key: bytes

    @property
    def key_id(self) -> str:
        """A short fingerprint of the key, so a value sealed under another key is told apart."""
        return hashlib.sha256(b"aims:concern-seal:" + self.key).hexdigest()[:16]

    def seal(self, subject: str, concern_id: UUID) -> str:
        """`subject` sealed for the concern `concern_id`."""
        nonce = os.urandom(12)
        box = AESGCM(self.key).encrypt(nonce, subject.encode(), concern_id.bytes)
        return f"{PREFIX}:{self.key_id}:{base64.b64encode(nonce + box).decode()}"

    def unseal(self, sealed: str, concern_id: UUID) -> str | None:
        """The sealed subject; None when it was sealed under another key or was altered."""
        try:
            prefix, key_id, text = sealed.split(":", 2)
            raw = base64.b64decode(text, validate=True)
        except ValueError:
            return None
        if prefix != PREFIX or key_id != self.key_id or len(raw) < 12:
            return None
        try:
            return AESGCM(self.key).decrypt(raw[:12], raw[12:], concern_id.bytes).decode()
        except (InvalidTag, UnicodeDecodeError):
            return None


def load_sealer(path: Path) -> Sealer:
    """The key at `path`, created (mode 0600) when absent; concurrent creators agree.

    A new key is written to a file of its own and linked into place: the link is atomic
    and fails when another process got there first, so no reader sees a half-written key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(base64.b64encode(AESGCM.generate_key(bit_length=256)).decode())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it first: use theirs
        finally:
            tmp.unlink()
    key = base64.b64decode(path.read_text().strip(), validate=True)
    if len(key) != 32:
        raise RuntimeError(f"{path} does not hold a 256-bit key (base64)")
    return Sealer(key)
