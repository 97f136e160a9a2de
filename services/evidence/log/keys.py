"""The log's signing identity and the witnesses it accepts, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI, Request

from services.evidence.log.handlers import witness_verifiers
from shared.kernel.tlog import Signer, Verifier
from shared.platform.config import Settings


@dataclass(frozen=True)
class LogKeys:
    """The note signer (key name = origin), its verifier key and the accepted witnesses."""

    signer: Signer
    witnesses: tuple[Verifier, ...]
    key: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier()

    def public_pem(self) -> str:
        """The public key as PEM (for tools that want PEM rather than a verifier line)."""
        public = self.key.public_key()
        return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def build(key: Ed25519PrivateKey, settings: Settings) -> LogKeys:
    """Keys from the configured key file and settings (never from the database)."""
    signer = Signer(settings.log_origin, key)
    return LogKeys(signer, witness_verifiers(settings.witness_key_lines), key)


def install(app: FastAPI, keys: LogKeys) -> None:
    app.state.log_keys = keys


def of(request: Request) -> LogKeys:
    """The started app's log keys."""
    return cast(LogKeys, request.app.state.log_keys)
