"""C2SP signed notes, tlog checkpoints and Ed25519 tlog cosignatures.

Formats: c2sp.org/signed-note, c2sp.org/tlog-checkpoint, c2sp.org/tlog-cosignature (cosignature/v1,
signature type 0x04). Opening a note follows golang.org/x/mod/sumdb/note.Open: signatures from
unknown keys are ignored, a known key's signature that fails is fatal, and at least one known key
must have signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100  # the spec requires accepting at least 16; Go's note.Open stops at 100

_DASH = "\u2014 "  # em dash and space open every signature line
# Unicode White_Space, which is exactly what Go's unicode.IsSpace tests for key names.
_SPACES = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_TREE_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")
_MAX_TIMESTAMP = (1 << 63) - 1
_MAX_TREE_SIZE = 1 << 64


class NoteError(ValueError):
    """A malformed, unverified or badly signed note, key or checkpoint."""


class NoteSignature(NamedTuple):
    """A verified signature: who, which key, the signature bytes, and a cosignature's time."""

    name: str
    key_hash: int
    signature: bytes
    timestamp: int | None


def key_hash(name: str, alg: int, public_key: bytes) -> int:
    """C2SP key ID: the first 4 bytes of SHA-256(name || 0x0A || alg || public key)."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def valid_name(name: object) -> bool:
    """Key names are non-empty UTF-8 without Unicode spaces or '+'."""
    if not isinstance(name, str) or not name or "+" in name:
        return False
    return _SPACES.isdisjoint(name) and _utf8(name) is not None


@dataclass(frozen=True)
class Verifier:
    """A trusted public key: an Ed25519 note signer (0x01) or Ed25519 cosigner (0x04)."""

    name: str
    public_key: bytes
    alg: int = ALG_ED25519
    key_hash: int = field(init=False)
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not valid_name(self.name):
            raise NoteError(f"invalid key name {self.name!r}")
        if self.alg not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError(f"unknown signature type {self.alg!r}")
        if not isinstance(self.public_key, bytes) or len(self.public_key) != 32:
            raise NoteError("an Ed25519 public key is 32 bytes")
        object.__setattr__(self, "key_hash", key_hash(self.name, self.alg, self.public_key))
        object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.public_key))

    @classmethod
    def from_line(cls, line: str) -> Verifier:
        """Parse a verifier key `<name>+<hex key ID>+<base64(type || public key)>`."""
        if not isinstance(line, str):
            raise NoteError("a verifier key is a string")
        name, _, rest = line.partition("+")
        hash_hex, _, key64 = rest.partition("+")
        if not _KEY_ID.fullmatch(hash_hex) or not valid_name(name):
            raise NoteError("malformed verifier key")
        key = _b64decode(key64)
        if len(key) != 33:
            raise NoteError("malformed verifier key")
        verifier = cls(name, key[1:], key[0])
        if verifier.key_hash != int(hash_hex, 16):
            raise NoteError("verifier key ID does not match its name and key")
        return verifier

    def line(self) -> str:
        """The verifier key string."""
        return f"{self.name}+{self.key_hash:08x}+{_b64encode(bytes([self.alg]) + self.public_key)}"

    def verify(self, msg: bytes, sig: bytes) -> bool:
        """Is `sig` (the bytes after the key ID) this key's signature of note text `msg`?"""
        if self.alg == ALG_ED25519:
            return len(sig) == 64 and self._ed25519(sig, msg)
        timestamp = self.timestamp(sig)
        if timestamp is None or _checkpoint_text(msg) is None:
            return False
        return self._ed25519(sig[8:], _cosigned_message(timestamp, msg))

    def timestamp(self, sig: bytes) -> int | None:
        """A cosignature's POSIX time, or None for a plain signature or a malformed one."""
        if self.alg != ALG_COSIGNATURE_V1 or len(sig) != 8 + 64:
            return None
        timestamp = int.from_bytes(sig[:8], "big")
        return timestamp if timestamp <= _MAX_TIMESTAMP else None

    def _ed25519(self, sig: bytes, msg: bytes) -> bool:
        """Plain Ed25519 verification as a boolean."""
        try:
            self._key.verify(sig, msg)
        except InvalidSignature:
            return False
        return True


class Signer:
    """Signs note text as `name` with an Ed25519 key (signature type 0x01)."""

    alg = ALG_ED25519

    def __init__(self, name: str, key: Ed25519PrivateKey) -> None:
        self.name = name
        self._key = key
        public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._verifier = Verifier(name, public, self.alg)  # validates the name
        self.key_hash = self._verifier.key_hash

    def verifier(self) -> Verifier:
        """The matching Verifier."""
        return self._verifier

    def verifier_line(self) -> str:
        """The verifier key string to hand to those who will check this signer."""
        return self._verifier.line()

    def sign(self, text: str) -> str:
        """One signature line (ending in a newline) over the note text."""
        return _signature_line(self.name, self.key_hash, self._key.sign(_note_text(text)))


class CosignatureSigner(Signer):
    """Cosigns checkpoints as c2sp.org/tlog-cosignature v1 (signature type 0x04)."""

    alg = ALG_COSIGNATURE_V1

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """One cosignature line for a checkpoint body, stating the POSIX time `timestamp`."""
        msg = _note_text(checkpoint_text)
        if _checkpoint_text(msg) is None:
            raise NoteError("a cosigner signs checkpoints only")
        if type(timestamp) is not int or not 0 <= timestamp <= _MAX_TIMESTAMP:
            raise NoteError("timestamp must be an integer in [0, 2**63)")
        signature = self._key.sign(_cosigned_message(timestamp, msg))
        return _signature_line(self.name, self.key_hash, timestamp.to_bytes(8, "big") + signature)

    def sign(self, text: str) -> str:
        """A cosignature line stating the current time."""
        return self.cosign(text, int(time.time()))


class NoteSigner(Protocol):
    """Anything that turns note text into one signature line."""

    def sign(self, text: str) -> str: ...


def sign_note(text: str, *signers: NoteSigner) -> str:
    """The signed note: text, a blank line, one line per signer (append more lines later)."""
    _note_text(text)
    if not 1 <= len(signers) <= MAX_SIGNATURES:
        raise NoteError(f"a note needs 1 to {MAX_SIGNATURES} signatures")
    return text + "\n" + "".join(s.sign(text) for s in signers)


def open_note(note: str | bytes, verifiers: Iterable[Verifier]) -> tuple[str, list[str]]:
    """The text of a note and the names that verifiably signed it; NoteError otherwise."""
    text, signatures = open_note_signatures(note, verifiers)
    return text, [s.name for s in signatures]


def open_note_signatures(
    note: str | bytes, verifiers: Iterable[Verifier]
) -> tuple[str, list[NoteSignature]]:
    """Like open_note, returning the verified signatures themselves (with cosignature times)."""
    msg = _note_str(note)
    split = msg.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    text, block = msg[: split + 1], msg[split + 2 :]
    if not block.endswith("\n"):
        raise NoteError("malformed note: the signature block must end in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    known = _index(verifiers)
    msg_bytes = text.encode()
    verified: list[NoteSignature] = []
    seen: set[tuple[str, int]] = set()
    for line in lines:
        name, key_id, sig = _parse_signature_line(line)
        if (name, key_id) not in known:
            continue  # signed-note: unknown keys MUST be ignored
        verifier = known[name, key_id]
        if verifier is None:
            raise NoteError(f"ambiguous key {name}+{key_id:08x}")
        if (name, key_id) in seen:
            continue  # like Go, only a key's first signature counts
        seen.add((name, key_id))
        if not verifier.verify(msg_bytes, sig):
            raise NoteError(f"invalid signature for key {name}+{key_id:08x}")
        verified.append(NoteSignature(name, key_id, sig, verifier.timestamp(sig)))
    if not verified:
        raise NoteError("note has no verifiable signatures")
    return text, verified


@dataclass(frozen=True)
class Checkpoint:
    """A c2sp.org/tlog-checkpoint body: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extensions", tuple(self.extensions))
        for line in (self.origin, *self.extensions):
            if not isinstance(line, str) or not line or "\n" in line or _CONTROL.search(line):
                raise NoteError(f"checkpoint lines must be non-empty single lines: {line!r:.80}")
        if type(self.size) is not int or not 0 <= self.size < _MAX_TREE_SIZE:
            raise NoteError("checkpoint size must be an integer in [0, 2**64)")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != 32:
            raise NoteError("checkpoint root hash must be 32 bytes")

    def format(self) -> str:
        """The note text: one line each for origin, size, base64 root, then extensions."""
        lines = (self.origin, str(self.size), _b64encode(self.root_hash), *self.extensions)
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Strictly parse a checkpoint body (the text of its signed note)."""
        if not isinstance(text, str) or not text.endswith("\n"):
            raise NoteError("malformed checkpoint: must end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("malformed checkpoint: needs origin, size and root hash lines")
        origin, size, root_hash, *extensions = lines
        if not _TREE_SIZE.fullmatch(size):
            raise NoteError(f"malformed checkpoint size {size!r:.40}")
        return cls(origin, int(size), _b64decode(root_hash), tuple(extensions))


def open_checkpoint(
    note: str | bytes, verifiers: Iterable[Verifier]
) -> tuple[Checkpoint, list[NoteSignature]]:
    """Open a signed checkpoint: the parsed body and its verified signatures."""
    text, signatures = open_note_signatures(note, verifiers)
    return Checkpoint.parse(text), signatures


def _index(verifiers: Iterable[Verifier]) -> dict[tuple[str, int], Verifier | None]:
    """Verifiers by (name, key ID); None marks two different keys that collide."""
    index: dict[tuple[str, int], Verifier | None] = {}
    for v in verifiers:
        k = (v.name, v.key_hash)
        index[k] = v if index.get(k, v) == v else None
    return index


def _parse_signature_line(line: str) -> tuple[str, int, bytes]:
    """`— <name> <base64(key ID || signature)>` as (name, key ID, signature)."""
    if not line.startswith(_DASH):
        raise NoteError(f"malformed note: not a signature line: {line!r:.80}")
    name, _, b64 = line[len(_DASH) :].partition(" ")
    if not valid_name(name) or not b64:
        raise NoteError(f"malformed signature line: {line!r:.80}")
    raw = _b64decode(b64)
    if len(raw) < 5:
        raise NoteError(f"malformed signature line: {line!r:.80}")
    return name, int.from_bytes(raw[:4], "big"), raw[4:]


def _signature_line(name: str, key_id: int, sig: bytes) -> str:
    """Format one signature line."""
    return f"{_DASH}{name} {_b64encode(key_id.to_bytes(4, 'big') + sig)}\n"


def _note_str(note: str | bytes) -> str:
    """A whole signed note as text, after the size, UTF-8 and control-character checks."""
    raw = _utf8(note) if isinstance(note, str) else note
    if not isinstance(raw, bytes | bytearray):
        raise NoteError("malformed note: not UTF-8 text")
    if len(raw) > MAX_NOTE_BYTES:
        raise NoteError(f"note larger than {MAX_NOTE_BYTES} bytes")
    try:
        msg = bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("malformed note: not UTF-8") from None
    if _CONTROL.search(msg):
        raise NoteError("malformed note: control characters")
    return msg


def _note_text(text: str) -> bytes:
    """Note text to sign, as bytes; it must end in a newline and hold no control characters."""
    raw = _utf8(text) if isinstance(text, str) else None
    if raw is None or not raw.endswith(b"\n") or _CONTROL.search(text):
        raise NoteError("note text must be UTF-8, end in a newline, and have no control chars")
    if len(raw) > MAX_NOTE_BYTES:
        raise NoteError(f"note text larger than {MAX_NOTE_BYTES} bytes")
    return raw


def _checkpoint_text(msg: bytes) -> Checkpoint | None:
    """The checkpoint a note text holds, or None."""
    try:
        return Checkpoint.parse(msg.decode("utf-8"))
    except (NoteError, UnicodeDecodeError):
        return None


def _cosigned_message(timestamp: int, checkpoint: bytes) -> bytes:
    """What a cosignature/v1 Ed25519 signature covers."""
    return b"cosignature/v1\ntime %d\n" % timestamp + checkpoint


def _utf8(text: str) -> bytes | None:
    """UTF-8 bytes, or None for a string with lone surrogates."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def _b64encode(raw: bytes) -> str:
    """Standard padded base64."""
    return base64.b64encode(raw).decode("ascii")


def _b64decode(text: str) -> bytes:
    """Standard padded base64, refusing any encoding but the canonical one."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("malformed base64") from None
    if _b64encode(raw) != text:
        raise NoteError("non-canonical base64")
    return raw
