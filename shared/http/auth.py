"""JWT bearer authentication and the role-based access tables of the services."""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from fastapi import Request

from shared.kernel.requestctx import Actor
from shared.platform.config import Settings

ROLES = ("admin", "system_owner", "risk_officer", "approver", "mlops", "auditor", "viewer")
ANY_ROLE = frozenset(ROLES)
ALGORITHM = "HS256"

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
        return settings.jwt_secret
    path = settings.jwt_key_path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return read_key(path)


def read_key(path: Path) -> str:
    return path.read_text().strip()


def load_key(settings: Settings) -> str:
    """The signing secret for a running service (never creates one)."""
    if settings.jwt_secret:
        return settings.jwt_secret
    if not settings.jwt_key_path.exists():
        raise RuntimeError(
            f"no JWT key: set AIMS_JWT_SECRET or create {settings.jwt_key_path} (aims up does)"
        )
    return read_key(settings.jwt_key_path)


def issue_token(key: str, sub: str, role_names: list[str], ttl: timedelta) -> str:
    """A signed token with `sub`, `roles`, `iat` and `exp`."""
    now = datetime.now(UTC)
    claims = {"sub": sub, "roles": sorted(roles(*role_names)), "iat": now, "exp": now + ttl}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def decode_token(key: str, token: str) -> Actor:
    """The actor of a valid token; AuthError(401) for anything else."""
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "roles"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthError(401, "token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise AuthError(401, "invalid token") from exc
    granted = claims.get("roles")
    if not isinstance(granted, list) or not all(isinstance(r, str) for r in granted):
        raise AuthError(401, "invalid token: roles must be a list of names")
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        raise AuthError(401, "invalid token: empty subject")
    return Actor(claims["sub"], frozenset(granted) & ANY_ROLE)


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(401, "missing bearer token")
    return token.strip()


def authenticate(request: Request) -> Actor:
    """The caller of this request (cached on the request)."""
    actor = getattr(request.state, "actor", None)
    if actor is None:
        actor = decode_token(request.app.state.jwt_key, bearer(request))
        request.state.actor = actor
    return actor


def access_control(table: AccessTable) -> Callable[[Request], Awaitable[Actor]]:
    """A router dependency enforcing `table` for the matched route."""

    async def check(request: Request) -> Actor:
        route = request.scope.get("route")
        allowed = table.get((request.method, getattr(route, "path", "")))
        actor = authenticate(request)
        if allowed is None or not actor.roles & allowed:
            raise AuthError(403, f"roles {sorted(actor.roles)} may not {request.method} this")
        return actor

    return check
