"""JWT bearer authentication and the role-based access tables of the services."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from fastapi import Request
from starlette.applications import Starlette

from shared.http import oidc
from shared.kernel.requestctx import Actor
from shared.platform.config import Settings

ROLES = ("admin", "system_owner", "risk_officer", "approver", "mlops", "auditor", "viewer")
ANY_ROLE = frozenset(ROLES)
ALGORITHM = "HS256"
AUDIENCE = "aims"  # the `aud` of every embedded token
MAX_TTL = timedelta(hours=24)
MIN_SECRET_LENGTH = 32

# (METHOD, route path template) -> roles allowed. One table per service is the single
# source of truth for who may call what; a route missing from its table is refused.
AccessTable = Mapping[tuple[str, str], frozenset[str]]


class AuthError(Exception):
    """Authentication (401) or authorisation (403) failure."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def roles(*names: str) -> frozenset[str]:
    """A checked set of role names."""
    unknown = set(names) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")
    return frozenset(names)


def ensure_key(settings: Settings) -> str:
    """The signing secret: AIMS_JWT_SECRET, else the key file (created 0600 when absent)."""
    if settings.jwt_secret:
        return checked_secret(settings.jwt_secret, "AIMS_JWT_SECRET")
    path = settings.jwt_key_path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return read_key(path)


def read_key(path: Path) -> str:
    return checked_secret(path.read_text().strip(), str(path))


def checked_secret(secret: str, source: str) -> str:
    """`secret` if long enough to sign with; RuntimeError naming `source` otherwise."""
    if len(secret) < MIN_SECRET_LENGTH:
        raise RuntimeError(
            f"{source} is {len(secret)} characters; a JWT secret needs at least "
            f"{MIN_SECRET_LENGTH} (`openssl rand -base64 48` makes one)"
        )
    return secret


def load_key(settings: Settings) -> str:
    """The signing secret for a running service (never creates one).

    With AIMS_OIDC_ISSUER set, the OIDC settings are checked instead and the key is a
    throwaway: embedded tokens are then never accepted.
    """
    if settings.oidc_issuer:
        oidc.check_settings(settings, ANY_ROLE)
        return secrets.token_urlsafe(48)
    if settings.jwt_secret:
        return checked_secret(settings.jwt_secret, "AIMS_JWT_SECRET")
    if not settings.jwt_key_path.exists():
        raise RuntimeError(
            f"no JWT key: set AIMS_JWT_SECRET or create {settings.jwt_key_path} (aims up does)"
        )
    return read_key(settings.jwt_key_path)


def normalise_subject(sub: str) -> str:
    """One spelling per person: trimmed and case-folded (`Erin ` and `erin` are one)."""
    return sub.strip().casefold()


def issue_token(key: str, sub: str, role_names: list[str], ttl: timedelta) -> str:
    """A signed token with `sub`, `roles`, `aud`, `iat`, `exp`; Value/RuntimeError if refused."""
    checked_secret(key, "the signing key")
    subject = normalise_subject(sub)
    if not subject:
        raise ValueError("the subject is empty")
    if not timedelta(0) < ttl <= MAX_TTL:
        raise ValueError("a token's lifetime must be more than 0 and at most 24h")
    now = datetime.now(UTC)
    claims = {
        "sub": subject, "roles": sorted(roles(*role_names)), "aud": AUDIENCE,
        "iat": now, "exp": now + ttl,
    }  # fmt: skip
    return jwt.encode(claims, key, algorithm=ALGORITHM)


# Verified tokens by their exact text, briefly: a pipeline sends the same token with every
# request, and checking its HMAC and claims again costs more than the gate's own rules. An
# entry holds only until the token's `exp` and at most VERIFIED_SECONDS; failures are never
# kept, and the key is part of the entry, so a token is only ever trusted under its key.
VERIFIED_SECONDS = 60.0
VERIFIED_MAX = 4096
_verified: dict[tuple[str, str], tuple[Actor, float]] = {}


def decode_token(key: str, token: str) -> Actor:
    """The actor of a valid embedded token; AuthError(401) for anything else."""
    now = time.time()
    hit = _verified.get((key, token))
    if hit is not None and now < hit[1]:
        return hit[0]
    actor, exp = _decode(key, token)
    if len(_verified) >= VERIFIED_MAX:
        _verified.clear()  # a burst of distinct tokens: start over rather than track age
    _verified[(key, token)] = (actor, min(exp, now + VERIFIED_SECONDS))
    return actor


def _decode(key: str, token: str) -> tuple[Actor, float]:
    """The actor of a valid embedded token and its `exp`; AuthError(401) for anything else."""
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], audience=AUDIENCE,
            options={"require": ["sub", "exp", "roles", "aud"]},
        )  # fmt: skip
    except jwt.ExpiredSignatureError as exc:
        raise AuthError(401, "token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise AuthError(401, "invalid token") from exc
    granted = claims.get("roles")
    if not isinstance(granted, list) or not all(isinstance(r, str) for r in granted):
        raise AuthError(401, "invalid token: roles must be a list of names")
    sub = claims["sub"]
    if not isinstance(sub, str) or not normalise_subject(sub):
        raise AuthError(401, "invalid token: empty subject")
    return Actor(normalise_subject(sub), frozenset(granted) & ANY_ROLE), float(claims["exp"])


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(401, "missing bearer token")
    return token.strip()


def authenticate(request: Request) -> Actor:
    """The caller of this request (cached on the request; see `authenticate_async`)."""
    actor = _cached_actor(request)
    if actor is None:
        if _oidc(request.app) is not None:  # access_control verified it already on every route
            raise AuthError(401, "not authenticated")
        actor = decode_token(request.app.state.jwt_key, bearer(request))
        request.state.actor = actor
    return actor


async def authenticate_async(request: Request) -> Actor:
    """The caller of this request, from the OIDC provider's keys when one is configured."""
    cached = _cached_actor(request)
    if cached is not None:
        return cached
    if _oidc(request.app) is None:
        return authenticate(request)
    actor, request.state.actor_name = await verify_token(request.app, bearer(request))
    request.state.actor = actor
    return actor


def _cached_actor(request: Request) -> Actor | None:
    """The actor already found for this request, if any.

    Read from the request's state dict directly: `getattr(request.state, ..., None)` raises
    and catches an AttributeError on every request that has none yet (measurable per call).
    """
    found: Actor | None = request.scope.get("state", {}).get("actor")
    return found


async def verify_token(app: Starlette, token: str) -> tuple[Actor, str | None]:
    """The actor (and display name, from OIDC) of a bearer token; AuthError otherwise."""
    verifier = _oidc(app)
    if verifier is None:
        return decode_token(app.state.jwt_key, token), None
    try:
        return await verifier.verify(token)
    except oidc.OidcError as exc:
        raise AuthError(exc.status, exc.detail) from exc


def _oidc(app: Starlette) -> oidc.OidcVerifier | None:
    """The app's OIDC verifier (built on first use, one per app), or None without OIDC."""
    state = app.state
    known = state._state  # not getattr(): a missing name would raise on every request
    verifier: oidc.OidcVerifier | None = known.get("oidc")
    settings: Settings | None = known.get("settings")
    if verifier is None and settings is not None and settings.oidc_issuer:
        verifier = state.oidc = oidc.OidcVerifier.from_settings(settings, ANY_ROLE)
    return verifier


def access_control(table: AccessTable) -> Callable[[Request], Awaitable[Actor]]:
    """A router dependency enforcing `table` for the matched route."""

    async def check(request: Request) -> Actor:
        route = request.scope.get("route")
        allowed = table.get((request.method, getattr(route, "path", "")))
        actor = await authenticate_async(request)
        if allowed is None or not actor.roles & allowed:
            raise AuthError(403, f"roles {sorted(actor.roles)} may not {request.method} this")
        return actor

    return check
