"""Sign-in through the OpenID Connect provider: the authorization code flow with PKCE (S256).

The console keeps the provider's access token as the session's bearer token: it is the
token the services verify (`aud` = AIMS_OIDC_AUDIENCE, requested with RFC 8707 `resource`),
so every write carries the person's `sub` at the provider. The ID token only proves the
sign-in to the console (`aud` = its client id, and this attempt's nonce).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.applications import Starlette

from services.console.forms import posted
from services.console.routes import HTML, render
from services.console.security import own_origin, served_over_https
from services.console.upstream import COOKIE
from shared.http.auth import ANY_ROLE
from shared.http.oidc import OidcError, OidcVerifier, check_settings, discover
from shared.http.problems import problem_response
from shared.platform.config import Settings

CALLBACK = "/login/oidc/callback"
ATTEMPT = "aims_oidc"  # the pre-login cookie: this browser's state, nonce and PKCE verifier
ATTEMPT_SECONDS = 600  # time to sign in at the provider before the attempt lapses
# Some providers' codes run to a couple of thousand characters; the rest are short.
Code = Annotated[str, Query(max_length=4096)]
Param = Annotated[str, Query(max_length=512)]
router = APIRouter(default_response_class=HTMLResponse)


class SignInFailed(Exception):
    """The sign-in cannot be completed; the message is shown on the login page."""


@dataclass(frozen=True)
class Provider:
    """The console's client at the provider, as configured."""

    issuer: str
    client_id: str
    client_secret: str | None
    name: str
    console_url: str | None
    audience: str


def provider_of(settings: Settings) -> Provider | None:
    """The sign-in configuration, or None when the console has no client at a provider."""
    if not (settings.oidc_issuer and settings.console_oidc_client_id and settings.oidc_audience):
        return None
    issuer = settings.oidc_issuer.rstrip("/")
    return Provider(
        issuer, settings.console_oidc_client_id, settings.console_oidc_client_secret or None,
        settings.console_oidc_name or urlsplit(issuer).netloc, settings.console_url,
        settings.oidc_audience,
    )  # fmt: skip


def form_targets(provider: Provider | None) -> tuple[str, ...]:
    """Origins the login page's form may lead to (the CSP's form-action also governs where
    the redirect after a form post goes, and the sign-in button redirects to the provider)."""
    if provider is None:
        return ()
    parts = urlsplit(provider.issuer)
    return (f"{parts.scheme}://{parts.netloc}",)


@dataclass(frozen=True)
class Attempt:
    """One sign-in started in this browser, kept in the pre-login cookie until the callback."""

    state: str
    nonce: str
    verifier: str  # the PKCE code verifier; the provider saw only its S256 hash
    redirect_uri: str  # sent again, exactly, with the code
    expires: float

    @classmethod
    def new(cls, redirect_uri: str) -> Attempt:
        token = secrets.token_urlsafe
        return cls(token(24), token(24), token(48), redirect_uri, time.time() + ATTEMPT_SECONDS)

    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def dump(self) -> str:
        return base64.urlsafe_b64encode(json.dumps(asdict(self)).encode()).decode()

    @classmethod
    def load(cls, cookie: str | None) -> Attempt | None:
        """The attempt in the cookie; None when there is none, it lapsed, or is garbled."""
        try:
            attempt = cls(**json.loads(base64.urlsafe_b64decode((cookie or "").encode())))
            return attempt if _well_formed(attempt) and attempt.expires > time.time() else None
        except (ValueError, TypeError):
            return None


def _well_formed(attempt: Attempt) -> bool:
    texts = (attempt.state, attempt.nonce, attempt.verifier, attempt.redirect_uri)
    return all(isinstance(t, str) for t in texts) and isinstance(attempt.expires, int | float)


def redirect_uri(request: Request, provider: Provider) -> str:
    """Where the provider sends the browser back: AIMS_CONSOLE_URL, else this console's URL."""
    base = (provider.console_url or own_origin(request)).rstrip("/")
    return base + CALLBACK


async def discovery(app: Starlette, provider: Provider) -> dict[str, Any]:
    """The provider's discovery document, read once (a failed read is tried again later)."""
    cached: dict[str, Any] | None = getattr(app.state, "oidc_discovery", None)
    if cached is not None:
        return cached
    async with app.state.oidc_discovery_lock:
        if getattr(app.state, "oidc_discovery", None) is None:
            try:
                async with httpx.AsyncClient(timeout=10) as http:
                    doc = await discover(http, provider.issuer)
                check_discovery(doc)
            except (httpx.HTTPError, ValueError) as exc:
                raise SignInFailed(f"The identity provider cannot be used: {exc}") from exc
            verifier(app).use_discovery(doc)  # its JWKS from the same document
            app.state.oidc_discovery = doc
    return dict(app.state.oidc_discovery)


def check_discovery(doc: dict[str, Any]) -> None:
    """ValueError unless the provider offers what this flow needs."""
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(doc.get(name), str):
            raise ValueError(f"its discovery document has no {name}")
    methods = doc.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise ValueError("it does not support PKCE with S256")


def verifier(app: Starlette) -> OidcVerifier:
    """The console's verifier of provider tokens (main.create builds it)."""
    found: OidcVerifier = app.state.oidc
    return found


def configured(request: Request) -> Provider:
    """The sign-in configuration (SignInFailed when there is none)."""
    provider: Provider | None = request.app.state.oidc_provider
    if provider is None:
        raise SignInFailed("sign-in through an identity provider is not configured")
    return provider


@router.post("/login/oidc", status_code=303, response_class=RedirectResponse, responses={
    303: {"description": "To the provider's authorization endpoint, or back to `/login` "
          "saying why not"},
    403: {"description": "Posted from another origin or without the page's token",
          "content": HTML},
    404: {"description": "No provider is configured"},
})  # fmt: skip
async def start(request: Request) -> Response:
    """Begin a sign-in at the provider: a fresh state, nonce and PKCE verifier."""
    provider = getattr(request.app.state, "oidc_provider", None)
    if provider is None:
        return problem_response(404, "sign-in through an identity provider is not configured",
                                code="oidc_not_configured")  # fmt: skip
    await posted(request)
    try:
        doc = await discovery(request.app, provider)
    except SignInFailed as exc:
        return back_to_login(request, str(exc))
    attempt = Attempt.new(redirect_uri(request, provider))
    url = httpx.URL(doc["authorization_endpoint"]).copy_merge_params({
        "response_type": "code", "client_id": provider.client_id,
        "redirect_uri": attempt.redirect_uri, "scope": "openid", "state": attempt.state,
        "nonce": attempt.nonce, "code_challenge": attempt.challenge(),
        "code_challenge_method": "S256", "resource": provider.audience,
    })  # fmt: skip
    resp = RedirectResponse(str(url), status_code=303)
    # Lax, not Strict: the provider's redirect back is a navigation from another site.
    resp.set_cookie(ATTEMPT, attempt.dump(), max_age=ATTEMPT_SECONDS, path="/login/oidc",
                    httponly=True, samesite="lax", secure=served_over_https(request))  # fmt: skip
    return resp


@router.get(CALLBACK, responses={
    200: {"description": "Signed in: a page that continues to the console", "content": HTML},
    303: {"description": "The sign-in failed: to `/login`, saying why"},
    400: {"description": "A request line longer than the server reads (not a provider's)"},
})  # fmt: skip
async def callback(
    request: Request, code: Code = "", state: Param = "", error: Param = "",
    error_description: Param = "",
) -> Response:  # fmt: skip
    """Where the provider sends the browser back: check, exchange the code, sign in."""
    attempt = Attempt.load(request.cookies.get(ATTEMPT))
    try:
        provider = configured(request)
        token, sub = await complete(request.app, provider, attempt, code, state, error,
                                    error_description)  # fmt: skip
    except SignInFailed as exc:
        return back_to_login(request, str(exc))
    # A page, not a redirect: a navigation that began at another site does not carry the
    # SameSite=Strict session cookie along its redirects; this page's own step to / does.
    resp = render(request, "signed_in.html", sub=sub)
    resp.set_cookie(COOKIE, token, httponly=True, samesite="strict",
                    secure=served_over_https(request))  # fmt: skip
    resp.delete_cookie(ATTEMPT, path="/login/oidc")
    return resp


def back_to_login(request: Request, why: str) -> Response:
    """The login page, saying why the sign-in failed; the attempt is forgotten."""
    resp = RedirectResponse("/login?error=" + quote(why[:200]), status_code=303)
    resp.delete_cookie(ATTEMPT, path="/login/oidc", secure=served_over_https(request))
    return resp


async def complete(
    app: Starlette, provider: Provider, attempt: Attempt | None, code: str, state: str,
    error: str, error_description: str,
) -> tuple[str, str]:  # fmt: skip
    """The session's bearer token and subject once the provider's answer checks out."""
    if error:
        said = error_description or error
        if error == "access_denied":
            raise SignInFailed(f"Sign-in cancelled: the provider says {said}.")
        raise SignInFailed(f"The provider refused the sign-in: {said}.")
    if attempt is None:
        raise SignInFailed("This sign-in expired or was started in another browser; "
                           "please sign in again.")  # fmt: skip
    if not hmac.compare_digest(state.encode(), attempt.state.encode()):
        raise SignInFailed("The provider's answer is not for the sign-in this browser started "
                           "(state does not match); please sign in again.")  # fmt: skip
    if not code:
        raise SignInFailed("The provider sent no authorization code; please sign in again.")
    tokens = await exchange(app, provider, attempt, code)
    return await checked(app, provider, attempt, tokens)


async def exchange(
    app: Starlette, provider: Provider, attempt: Attempt, code: str
) -> dict[str, Any]:
    """The provider's tokens for the code (SignInFailed when it refuses, e.g. used or expired)."""
    doc = await discovery(app, provider)
    form = {"grant_type": "authorization_code", "code": code, "code_verifier": attempt.verifier,
            "redirect_uri": attempt.redirect_uri, "resource": provider.audience}  # fmt: skip
    headers = {"Accept": "application/json"}
    if provider.client_secret:  # client_secret_basic: both parts form-encoded (RFC 6749 2.3.1)
        pair = f"{quote(provider.client_id, safe='')}:{quote(provider.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form["client_id"] = provider.client_id
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            r = await http.post(doc["token_endpoint"], data=form, headers=headers)
        body = r.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SignInFailed(f"The identity provider cannot be reached ({exc}).") from exc
    if r.status_code != 200 or not isinstance(body, dict):
        said = body.get("error_description") or body.get("error") if isinstance(body, dict) else ""
        raise SignInFailed(f"The provider refused the sign-in code ({said or r.status_code}); "
                           "please sign in again.")  # fmt: skip
    return body


async def checked(
    app: Starlette, provider: Provider, attempt: Attempt, tokens: dict[str, Any]
) -> tuple[str, str]:
    """The access token and subject, once the ID token is this attempt's and both verify."""
    id_token, access = tokens.get("id_token"), tokens.get("access_token")
    if not isinstance(id_token, str) or not isinstance(access, str):
        raise SignInFailed("The provider sent no ID token or no access token.")
    check = verifier(app)
    try:
        claims = await check.decode(id_token, audience=provider.client_id)
    except OidcError as exc:
        raise SignInFailed(f"The provider's ID token does not verify: {exc.detail}.") from exc
    if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), attempt.nonce.encode()):
        raise SignInFailed("The provider's ID token is not for this sign-in (nonce).")
    try:
        actor, _ = await check.verify(access)
    except OidcError as exc:
        raise SignInFailed(f"The provider's access token is not one the aims services accept "
                           f"(audience {provider.audience}): {exc.detail}.") from exc  # fmt: skip
    if actor.sub != claims.get("sub"):
        raise SignInFailed("The provider's ID and access tokens name different people.")
    return access, actor.sub


def set_up(app: Starlette, settings: Settings) -> None:
    """The app's sign-in state: the verifier of provider tokens and the client, if any
    (RuntimeError for an incomplete OIDC configuration, as the services refuse one)."""
    app.state.oidc = None
    if settings.oidc_issuer:
        check_settings(settings, ANY_ROLE)
        app.state.oidc = OidcVerifier.from_settings(settings, ANY_ROLE)
    app.state.oidc_provider = provider_of(settings)
    app.state.oidc_discovery_lock = asyncio.Lock()
