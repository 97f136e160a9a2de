"""Browser-facing protections of the console: same-origin sign-in, Secure cookie, CSP."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The pages use no script, no frames and no third-party anything; styles are inline (one
# <style> block and a few style attributes, escaped by Jinja). `frame-ancestors 'none'`
# stops click-jacking; `form-action 'self'` keeps the forms posting to the console (and
# the OpenID provider's origin, where the sign-in button's post is redirected).
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def headers(form_action: tuple[str, ...] = ()) -> list[tuple[bytes, bytes]]:
    """The headers added to every response; `form_action`: other origins forms may reach."""
    csp = CSP.replace("form-action 'self'", " ".join(("form-action 'self'", *form_action)))
    return [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip().lower()


def served_over_https(request: Request) -> bool:
    """True behind a TLS-terminating proxy (X-Forwarded-Proto) or when served over https."""
    proto = _first(request.headers.get("x-forwarded-proto")) or request.url.scheme
    return proto == "https"


def own_origin(request: Request) -> str:
    """The origin the browser sees the console at (as a proxy forwards it)."""
    host = _first(request.headers.get("x-forwarded-host")) or _first(request.headers.get("host"))
    return f"{'https' if served_over_https(request) else 'http'}://{host}"


def same_origin(request: Request) -> bool:
    """Whether a POST comes from the console's own pages (no login CSRF).

    Browsers send `Origin` on every cross-origin POST (`null` from sandboxes and
    privacy-stripped referrers), so a form on another site is refused. Without `Origin`
    the `Referer` decides; a request with neither is not a browser's cross-site form
    (e.g. curl), and is let through.
    """
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return True
        origin = "/".join(referer.split("/", 3)[:3])
    return origin.strip().lower() == own_origin(request)


class SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every console response."""

    def __init__(self, app: ASGIApp, form_action: tuple[str, ...] = ()) -> None:
        self.app, self.headers = app, headers(form_action)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, with_headers)
