"""C2SP signed notes, checkpoints and cosignatures against published vectors."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.kernel.tlog import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    MAX_NOTE_BYTES,
    Checkpoint,
    CosignatureSigner,
    NoteError,
    Signer,
    Verifier,
    open_checkpoint,
    open_note,
    open_note_signatures,
    sign_note,
)

DASH = "\u2014"

# golang.org/x/mod/sumdb/note: package documentation and note_test.go (TestSign, TestOpen).
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    f"{DASH} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
    "SNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    f"{DASH} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oO"
    "TGwnWLox33WWd1RvMc+QQ=\n"
)

# c2sp.org/signed-note, "Verifier keys" example.
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = (
    f"This is an example message.\n\n{DASH} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6"
    "TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)

# A real checkpoint of the arche2025h1 staging static-CT log, signed by the log (type 0x01 and an
# RFC 6962 STH signature, 0x05) and cosigned by five public test witnesses (type 0x04).
ARCHE = (
    "arche2025h1.staging.ct.transparency.dev\n1432088532\n"
    "U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n\n"
    f"{DASH} arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQF"
    "X6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=\n"
    f"{DASH} arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lef"
    "whUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n"
    f"{DASH} transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/"
    "KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==\n"
    f"{DASH} witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH"
    "+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==\n"
    f"{DASH} remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIo"
    "bWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n"
    f"{DASH} witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvV"
    "r+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==\n"
)
ARCHE_LOG_VKEY = (
    "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
)
# Raw Ed25519 keys as the sigsum testing policy lists them; the witnesses' published vkeys follow.
WITNESS_KEYS = {
    "transparency.dev/DEV:witness-little-garden": (
        "2b6eb0ec483503544cde4e8fc1ce6d1921db21dffccc186865f808f7625443cc"
    ),
    "witness1.smartit.nu/witness1": (
        "f4855a0f46e8a3e23bb40faf260ee57ab8a18249fa402f2ca2d28a60e1a3130e"
    ),
    "remora.n621.de": "ebcdeb78e7fdb2ef9227b2c1ef11e94600b55b4d6d9a57877e31ee89e59adc36",
    "witness.stagemole.eu": "4a921b7caef58ae670cdc11ef4184f1c058f7b9259a9107a969f69fa54aa496f",
}
WITNESS_VKEYS = [
    "transparency.dev/DEV:witness-little-garden+d8042a87+BCtusOxINQNUTN5Oj8HObRkh2yHf/MwYaGX4CPdiVEPM",
    "witness1.smartit.nu/witness1+a48c820f+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO",
    "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
    "witness.stagemole.eu+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv",
]
# c2sp.org/tlog-checkpoint example body.
SOFA = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def peter() -> Signer:
    """The Go docs' signer, from its PRIVATE+KEY string (0x01 || 32-byte seed)."""
    seed = base64.b64decode(PETER_SKEY.split("+", 4)[4])[1:]
    return Signer("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed))


def test_go_signer_reproduces_the_published_note() -> None:
    signer = peter()
    assert signer.key_hash == 0xC74F20A3
    assert signer.verifier_line() == PETER_VKEY
    assert signer.sign(TEXT) == PETER_SIG  # Ed25519 is deterministic
    assert sign_note(TEXT, signer) == TEXT + "\n" + PETER_SIG


def test_go_open_semantics() -> None:
    p, e = Verifier.from_line(PETER_VKEY), Verifier.from_line(ENOCH_VKEY)
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert open_note(note, [p]) == (TEXT, ["PeterNeumann"])  # unknown Enoch is ignored
    assert open_note(note.encode(), [p, e]) == (TEXT, ["PeterNeumann", "EnochRoot"])
    _, sigs = open_note_signatures(note, [e, p])
    assert [(s.key_hash, s.timestamp) for s in sigs] == [(0xC74F20A3, None), (0xAF0CFE78, None)]
    with pytest.raises(NoteError, match="no verifiable signatures"):
        open_note(note, [])
    # Repeated signatures count once; only a known key's signatures are checked.
    dup = TEXT + "\n" + PETER_SIG * 2 + ENOCH_SIG * 2 + ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    assert open_note(dup, [p]) == (TEXT, ["PeterNeumann"])
    bad = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(NoteError, match="invalid signature for key PeterNeumann\\+c74f20a3"):
        open_note(bad, [p])
    with pytest.raises(NoteError, match="malformed"):
        open_note(TEXT + "\n" + PETER_SIG * 101, [p])
    assert open_note(TEXT + "\n" + PETER_SIG * 100, [p])[1] == ["PeterNeumann"]


@pytest.mark.parametrize(
    "note",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + f"{DASH} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFY",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + PETER_SIG,  # no blank line
        TEXT + "\n" + PETER_SIG + "\n",  # trailing blank line
        TEXT + "\n" + PETER_SIG.replace(f"{DASH} ", DASH),
        TEXT + "\n" + PETER_SIG.replace(DASH, "-"),
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Peter+Neumann"),
        TEXT + "\n" + PETER_SIG.replace("=\n", "\n"),  # unpadded base64
        TEXT + "\n" + PETER_SIG.replace("AM=", "AN="),  # non-canonical base64
        TEXT + "\n" + f"{DASH} PeterNeumann AAAA\n",  # too short for key ID and signature
        (TEXT + "\n" + PETER_SIG).replace("\n", "\r\n"),
        TEXT.replace("problem,", "problem,\t") + "\n" + PETER_SIG,
        "x" * MAX_NOTE_BYTES + "\n\n" + PETER_SIG,
    ],
)
def test_malformed_notes_are_rejected(note: str) -> None:
    with pytest.raises(NoteError):
        open_note(note, [Verifier.from_line(PETER_VKEY)])


def test_garbage_note_inputs_are_note_errors() -> None:
    p = Verifier.from_line(PETER_VKEY)
    for junk in [b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), "\ud800\n\n" + PETER_SIG, 42, b""]:
        with pytest.raises(NoteError):
            open_note(junk, [p])  # type: ignore[arg-type]


def test_tampering_with_text_or_key_id() -> None:
    p = Verifier.from_line(PETER_VKEY)
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(TEXT.replace("cryptography", "cryptographY") + "\n" + PETER_SIG, [p])
    raw = bytearray(base64.b64decode(PETER_SIG.split()[-1]))
    raw[3] ^= 1  # a different key ID is a different (unknown) key
    other_id = f"{DASH} PeterNeumann {base64.b64encode(raw).decode()}\n"
    with pytest.raises(NoteError, match="no verifiable signatures"):
        open_note(TEXT + "\n" + other_id, [p])
    assert open_note(TEXT + "\n" + other_id + PETER_SIG, [p])[1] == ["PeterNeumann"]


def test_verifier_keys_parse_and_reject_manglings() -> None:
    v = Verifier.from_line(PETER_VKEY)
    assert (v.name, v.key_hash, v.alg) == ("PeterNeumann", 0xC74F20A3, ALG_ED25519)
    assert v.line() == PETER_VKEY
    assert Verifier.from_line(PETER_VKEY.replace("c74f20a3", "C74F20A3")) == v
    b = PETER_VKEY
    bad = {b[i:j] for i in range(len(b) + 1) for j in range(i + 1, len(b) + 1)} - {b}
    bad |= {b[:i] + chr(ord(b[i]) + 1) + b[i + 1 :] for i in range(len(b))}
    bad |= {
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    }
    for line in bad:
        with pytest.raises(NoteError):
            Verifier.from_line(line)


def test_c2sp_signed_note_example() -> None:
    v = Verifier.from_line(C2SP_VKEY)
    assert v.key_hash == 0x530D903A and v.line() == C2SP_VKEY
    assert open_note(C2SP_NOTE, [v]) == ("This is an example message.\n", ["example.com/foo"])


def test_ambiguous_verifiers_only_matter_when_used() -> None:
    p, e = Verifier.from_line(PETER_VKEY), Verifier.from_line(ENOCH_VKEY)
    clash = Verifier("PeterNeumann", e.public_key)
    object.__setattr__(clash, "key_hash", p.key_hash)  # fake a key ID collision
    note = TEXT + "\n" + PETER_SIG
    assert open_note(note, [p, p])[1] == ["PeterNeumann"]  # the same key twice is harmless
    with pytest.raises(NoteError, match="ambiguous key PeterNeumann\\+c74f20a3"):
        open_note(note, [p, clash])
    assert open_note(TEXT + "\n" + ENOCH_SIG, [e, p, clash])[1] == ["EnochRoot"]


def test_signing_refuses_bad_input() -> None:
    signer = peter()
    for text in ["abc", "a\x00b\n", "\ud800\n", "x" * MAX_NOTE_BYTES + "\n"]:
        with pytest.raises(NoteError):
            sign_note(text, signer)
    with pytest.raises(NoteError):
        sign_note(TEXT)
    with pytest.raises(NoteError):
        Signer("bad name", Ed25519PrivateKey.generate())
    with pytest.raises(NoteError):
        Verifier("ok", b"short")


def test_round_trip_with_several_signers() -> None:
    a, b = Signer("a.example/log", Ed25519PrivateKey.generate()), peter()
    note = sign_note("multi\n\nline with a blank\n", a, b)
    verifiers = [Verifier.from_line(a.verifier_line()), b.verifier()]
    assert open_note(note, verifiers) == (
        "multi\n\nline with a blank\n",
        ["a.example/log", "PeterNeumann"],
    )


def test_checkpoint_format_and_parse() -> None:
    cp = Checkpoint.parse(SOFA)
    assert (cp.origin, cp.size, cp.extensions) == ("example.com/behind-the-sofa", 20852163, ())
    assert cp.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert cp.format() == SOFA
    ext = Checkpoint("o", 0, bytes(32), ("ext one", "ext two"))
    assert ext.format() == f"o\n0\n{'A' * 43}=\next one\next two\n"
    assert Checkpoint.parse(ext.format()) == ext
    assert Checkpoint.parse(Checkpoint("o", 2**64 - 1, bytes(32)).format()).size == 2**64 - 1


@pytest.mark.parametrize(
    "text",
    [
        SOFA[:-1],
        "example.com\n1\n",
        "\n1\n" + SOFA.split("\n")[2] + "\n",
        SOFA + "\n",
        SOFA + "\nextension after a blank\n",
        SOFA.replace("20852163", "020852163"),
        SOFA.replace("20852163", "+20852163"),
        SOFA.replace("20852163", " 20852163"),
        SOFA.replace("20852163", "20_852_163"),
        SOFA.replace("20852163", "\u0662\u0660"),
        SOFA.replace("20852163", "-1"),
        SOFA.replace("20852163", str(2**64)),
        SOFA.replace("20852163", ""),
        SOFA.replace("q2I=", "q2J="),  # non-canonical base64 (padding bits set)
        SOFA.replace("q2I=", "q2I"),
        SOFA.replace("CsUY", ""),  # 29 bytes
        SOFA.replace("behind", "be\thind"),
    ],
)
def test_checkpoint_parse_is_strict(text: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(text)


def test_real_checkpoint_with_witness_cosignatures() -> None:
    witnesses = [Verifier(n, bytes.fromhex(k), ALG_COSIGNATURE_V1) for n, k in WITNESS_KEYS.items()]
    assert [w.line() for w in witnesses] == WITNESS_VKEYS
    log = Verifier.from_line(ARCHE_LOG_VKEY)
    cp, sigs = open_checkpoint(ARCHE, [log, *witnesses])
    assert (cp.origin, cp.size) == ("arche2025h1.staging.ct.transparency.dev", 1432088532)
    assert [s.name for s in sigs] == [log.name, *WITNESS_KEYS]
    assert [s.timestamp for s in sigs] == [None] + [1779573024] * 4
    assert open_note(ARCHE, witnesses[2:3])[1] == ["remora.n621.de"]
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(ARCHE.replace("1432088532", "1432088533"), witnesses[2:3])
    # A witness key taken as a plain Ed25519 signer has another key ID and matches nothing.
    plain = Verifier("remora.n621.de", witnesses[2].public_key)
    with pytest.raises(NoteError, match="no verifiable"):
        open_note(ARCHE, [plain])


def test_cosignature_timestamp_vector() -> None:
    # transparency-dev/formats note_cosigv1_test.go, TestCosignatureTimestamp.
    raw = base64.b64decode(
        "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEB"
        "YJXORmnFBOBA=="
    )
    cosigner = CosignatureSigner("w", Ed25519PrivateKey.generate()).verifier()
    assert cosigner.timestamp(raw[4:]) == 1727964367
    assert cosigner.timestamp(raw[4:-1]) is None
    assert Verifier.from_line(PETER_VKEY).timestamp(raw[4:]) is None


def test_cosignature_round_trip_and_exact_message() -> None:
    key = Ed25519PrivateKey.generate()
    cosigner = CosignatureSigner("witness.example/w1", key)
    public = cosigner.verifier().public_key
    digest = hashlib.sha256(b"witness.example/w1\n\x04" + public).digest()
    assert cosigner.key_hash == int.from_bytes(digest[:4], "big")
    line = cosigner.cosign(SOFA, 1679315147)
    raw = base64.b64decode(line.split()[-1])
    assert raw[:4] == digest[:4] and int.from_bytes(raw[4:12], "big") == 1679315147
    key.public_key().verify(raw[12:], b"cosignature/v1\ntime 1679315147\n" + SOFA.encode())
    verifier = Verifier.from_line(cosigner.verifier_line())
    assert verifier.alg == ALG_COSIGNATURE_V1 and verifier == cosigner.verifier()
    _, sigs = open_note_signatures(SOFA + "\n" + line, [verifier])
    assert [(s.name, s.timestamp) for s in sigs] == [("witness.example/w1", 1679315147)]
    # The timestamp is signed: moving it breaks the cosignature.
    moved = raw[:4] + (1679315148).to_bytes(8, "big") + raw[12:]
    forged = f"{DASH} witness.example/w1 {base64.b64encode(moved).decode()}\n"
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(SOFA + "\n" + forged, [verifier])
    # Log signature and cosignature on one note; sign() stamps the current time.
    log = Signer("example.com/behind-the-sofa", Ed25519PrivateKey.generate())
    note = sign_note(SOFA, log, cosigner)
    assert open_note(note, [log.verifier(), verifier])[1] == [log.name, cosigner.name]


def test_cosigner_refuses_non_checkpoints_and_bad_times() -> None:
    cosigner = CosignatureSigner("w", Ed25519PrivateKey.generate())
    for text, ts in [(TEXT, 1), (SOFA, -1), (SOFA, 2**63), (SOFA, True), (SOFA[:-1], 1)]:
        with pytest.raises(NoteError):
            cosigner.cosign(text, ts)
    # A cosignature over text that is not a checkpoint never verifies.
    fake = cosigner._key.sign(b"cosignature/v1\ntime 5\n" + TEXT.encode())
    sig = (5).to_bytes(8, "big") + fake
    assert not cosigner.verifier().verify(TEXT.encode(), sig)
    assert not cosigner.verifier().verify(SOFA.encode(), (2**63).to_bytes(8, "big") + fake)
