"""Bearer tokens from an OpenID Connect provider: discovery, a cached JWKS, role mapping."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import jwt
import yaml

from shared.kernel.requestctx import Actor
from shared.platform.config import Settings

# Asymmetric only: an HS* token "signed" with the provider's public key, or `none`,
# never gets as far as a key lookup.
ALGORITHMS = ("RS256", "ES256", "EdDSA")
ROLE_CLAIMS = ("groups", "roles")


class OidcError(Exception):
    """A token that does not verify (401) or a provider that cannot be reached (503)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def load_role_map(path: Path | None, known: frozenset[str]) -> dict[str, frozenset[str]]:
    """Group -> aims roles from a YAML or JSON file; an unknown aims role is an error."""
    if path is None:
        return {}
    text = path.read_text()
    raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping of group -> roles")
    mapping: dict[str, frozenset[str]] = {}
    for group, granted in raw.items():
        names = [granted] if isinstance(granted, str) else granted
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{path}: {group!r} must map to a role or a list of roles")
        unknown = set(names) - known
        if unknown:
            raise ValueError(f"{path}: {group!r} maps to unknown roles {sorted(unknown)}")
        mapping[str(group)] = frozenset(names)
    return mapping


def check_settings(settings: Settings, known: frozenset[str]) -> None:
    """Refuse to start with an incomplete OIDC configuration (RuntimeError)."""
    if not settings.oidc_audience:
        raise RuntimeError("AIMS_OIDC_ISSUER is set but AIMS_OIDC_AUDIENCE is not")
    if settings.oidc_roles_claim not in ROLE_CLAIMS:
        raise RuntimeError(f"AIMS_OIDC_ROLES_CLAIM must be one of {', '.join(ROLE_CLAIMS)}")
    try:
        load_role_map(settings.oidc_role_map, known)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise RuntimeError(f"AIMS_OIDC_ROLE_MAP: {exc}") from exc


class OidcVerifier:
    """Verifies provider tokens; fetches keys without blocking the event loop."""

    def __init__(
        self, issuer: str, audience: str, roles_claim: str,
        role_map: Mapping[str, frozenset[str]], *, leeway: float = 30.0,
        min_refresh_seconds: float = 10.0, timeout: float = 5.0,
    ) -> None:  # fmt: skip
        self.issuer, self.audience, self.roles_claim = issuer.rstrip("/"), audience, roles_claim
        self.role_map, self.leeway = dict(role_map), leeway
        self.min_refresh_seconds, self.timeout = min_refresh_seconds, timeout
        self.keys: dict[str, jwt.PyJWK] = {}
        self.fetches = 0  # JWKS downloads so far (bounded by the refresh interval)
        self._jwks_uri: str | None = None
        self._last_fetch = float("-inf")
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, known: frozenset[str]) -> OidcVerifier:
        assert settings.oidc_issuer and settings.oidc_audience
        return cls(
            settings.oidc_issuer, settings.oidc_audience, settings.oidc_roles_claim,
            load_role_map(settings.oidc_role_map, known),
            leeway=settings.oidc_leeway_seconds,
            min_refresh_seconds=settings.oidc_jwks_min_refresh_seconds,
        )  # fmt: skip

    async def verify(self, token: str) -> tuple[Actor, str | None]:
        """The actor of a valid token and its display name; OidcError otherwise."""
        claims = await self.decode(token)
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise OidcError(401, "invalid token: empty subject")
        return Actor(sub, self.roles_of(claims)), display_name(claims)

    async def decode(self, token: str, audience: str | None = None) -> dict[str, Any]:
        """The claims of a token signed by the provider for `audience` (this verifier's if
        None; the console checks ID tokens with its client id); OidcError otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise OidcError(401, "invalid token") from exc
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS:
            raise OidcError(401, f"invalid token: algorithm {alg!r} is not accepted")
        key = await self._key(kid if isinstance(kid, str) else None)
        try:
            claims = jwt.decode(
                token, key.key, algorithms=[alg], audience=audience or self.audience,
                issuer=self.issuer, leeway=self.leeway,
                options={"require": ["sub", "iss", "aud", "exp"]},
            )  # fmt: skip
        except jwt.ExpiredSignatureError as exc:
            raise OidcError(401, "token expired") from exc
        except jwt.PyJWTError as exc:
            raise OidcError(401, f"invalid token: {exc}") from exc
        return dict(claims)

    def roles_of(self, claims: Mapping[str, Any]) -> frozenset[str]:
        """The aims roles granted by the token's groups; unknown groups grant nothing."""
        value = claims.get(self.roles_claim, [])
        groups = value.split() if isinstance(value, str) else value
        if not isinstance(groups, list):
            return frozenset()
        granted: set[str] = set()
        for group in groups:
            if isinstance(group, str):
                granted |= self.role_map.get(group, frozenset())
        return frozenset(granted)

    async def _key(self, kid: str | None) -> jwt.PyJWK:
        if kid not in self.keys or kid is None:
            await self._refresh()
        found = self.keys.get(kid) if kid else self._only_key()
        if found is None:
            raise OidcError(401, "invalid token: unknown signing key")
        return found

    def use_discovery(self, doc: Mapping[str, Any]) -> None:
        """Take the JWKS address from a discovery document read elsewhere (read once)."""
        self._jwks_uri = jwks_uri_of(doc)

    def _only_key(self) -> jwt.PyJWK | None:
        return next(iter(self.keys.values())) if len(self.keys) == 1 else None

    async def _refresh(self) -> None:
        # One download at a time, and none sooner than min_refresh_seconds after the last:
        # a flood of tokens with made-up kids costs the provider at most one request per
        # interval, while a key rotated at the provider is picked up on its first use.
        async with self._lock:
            if time.monotonic() - self._last_fetch < self.min_refresh_seconds:
                return
            self._last_fetch = time.monotonic()
            self.fetches += 1
            try:
                async with httpx.AsyncClient(timeout=self.timeout) as http:
                    if self._jwks_uri is None:
                        self._jwks_uri = await self._discover(http)
                    r = await http.get(self._jwks_uri)
                    r.raise_for_status()
                    self.keys = parse_jwks(r.json())
            except (httpx.HTTPError, ValueError) as exc:
                raise OidcError(503, f"identity provider unavailable: {exc}") from exc

    async def _discover(self, http: httpx.AsyncClient) -> str:
        return jwks_uri_of(await discover(http, self.issuer))


async def discover(http: httpx.AsyncClient, issuer: str) -> dict[str, Any]:
    """The provider's discovery document, checked to name `issuer` (HTTPError, ValueError)."""
    issuer = issuer.rstrip("/")
    r = await http.get(f"{issuer}/.well-known/openid-configuration")
    r.raise_for_status()
    doc = r.json()
    if not isinstance(doc, dict) or str(doc.get("issuer", "")).rstrip("/") != issuer:
        named = doc.get("issuer") if isinstance(doc, dict) else None
        raise ValueError(f"discovery names issuer {named!r}, not {issuer!r}")
    return doc


def jwks_uri_of(doc: Mapping[str, Any]) -> str:
    """The `jwks_uri` of a discovery document (ValueError when it has none)."""
    uri = doc.get("jwks_uri")
    if not isinstance(uri, str):
        raise ValueError("discovery document has no jwks_uri")
    return uri


def parse_jwks(doc: Any) -> dict[str, jwt.PyJWK]:
    """The usable signing keys of a JWKS, by kid (symmetric and unknown keys dropped)."""
    keys: dict[str, jwt.PyJWK] = {}
    for raw in doc.get("keys", []) if isinstance(doc, dict) else []:
        if not isinstance(raw, dict) or raw.get("use", "sig") != "sig" or raw.get("kty") == "oct":
            continue
        try:
            key = jwt.PyJWK(raw)
        except jwt.PyJWTError:
            continue
        keys[str(raw.get("kid", ""))] = key
    return keys


def display_name(claims: Mapping[str, Any]) -> str | None:
    """`name`, else `email`, when the provider sends one."""
    for claim in ("name", "email"):
        value = claims.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
