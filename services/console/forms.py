"""The console's forms: labelled fields, a CSRF token per session, problem+json by field."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from services.console.security import same_origin
from services.console.upstream import COOKIE
from services.sdk import AimsError, AsyncAimsClient, ServiceUnreachable

T = TypeVar("T")
CSRF = "csrf"  # the hidden field holding the session's CSRF token
KEY = "idempotency_key"  # the hidden field holding the write's Idempotency-Key
MAX_UPLOAD = 50 * 1024 * 1024  # bytes the console forwards as one evidence upload


# Which roles the services let write what (their access tables decide; the pages only
# leave out links a user's roles could not use).
WRITERS = {
    "system": {"admin", "system_owner"},
    "risk": {"admin", "risk_officer", "system_owner"},
    "soa": {"admin", "risk_officer"},
    "evidence": {"admin", "system_owner", "risk_officer", "mlops", "auditor"},
    "nonconformity": {"admin", "auditor", "system_owner", "risk_officer", "approver"},
}


def may_write(roles: Any) -> set[str]:
    """The kinds of things a user with `roles` may write (see WRITERS)."""
    held = {str(r) for r in roles or []} if isinstance(roles, list | tuple | set) else set()
    return {kind for kind, allowed in WRITERS.items() if held & allowed}


@dataclass(frozen=True)
class Field:
    """One labelled control of a form (`kind`: text, textarea, select, date, file,
    checkbox, checks, grid)."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for select and checks
    hint: str = ""


@dataclass
class Form:
    """A form as a page shows it: its fields, the values to refill, errors by field."""

    action: str
    fields: list[Field]
    submit: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    hidden: dict[str, str] = field(default_factory=dict)
    status: int = 200  # of the page showing it: the service's refusal when it was refused
    aliases: dict[str, str] = field(default_factory=dict)  # API field -> the form's field

    def failed(self, exc: AimsError | ServiceUnreachable) -> Form:
        """The same form with the service's refusal shown next to the fields it names."""
        names = {f.name: f.name for f in self.fields} | self.aliases
        self.errors = field_errors(exc, names)
        self.status = exc.status if isinstance(exc, AimsError) and exc.status < 500 else 502
        self.key = str(uuid.uuid4())  # a corrected form is another write
        return self


class CsrfRefused(Exception):
    """A form post without this session's token, or from another origin."""


def new_key() -> str:
    """A fresh per-process secret for CSRF tokens when no deployment secret is set."""
    return secrets.token_hex(32)


def csrf_token(request: Request) -> str:
    """This session's CSRF token: an HMAC of the session cookie (no server-side state)."""
    secret: str = request.app.state.csrf_secret
    session = request.cookies.get(COOKIE, "")
    return hmac.new(secret.encode(), session.encode(), hashlib.sha256).hexdigest()


async def posted(request: Request) -> FormData:
    """The posted form, once its origin and CSRF token are this session's (CsrfRefused)."""
    if not same_origin(request):
        raise CsrfRefused("the form was posted from another origin")
    data = await request.form(max_part_size=MAX_UPLOAD)
    sent = data.get(CSRF)
    if not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token(request)):
        raise CsrfRefused("the form's session token is missing or stale; reload the page")
    return data


def text(data: FormData, name: str) -> str:
    """A text field, trimmed ('' when absent)."""
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(data: FormData, name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), trimmed, blanks left out."""
    return [v.strip() for v in data.getlist(name) if isinstance(v, str) and v.strip()]


def listed(data: FormData, name: str) -> list[str]:
    """A comma- or blank-separated list typed into one field."""
    return [v for v in text(data, name).replace(",", " ").split() if v]


def upload(data: FormData, name: str) -> UploadFile | None:
    """The file of a file field, None when none was chosen."""
    value = data.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


def values(data: FormData) -> dict[str, Any]:
    """What the user typed, to refill the form (files and hidden fields left out)."""
    out: dict[str, Any] = {}
    for name in data:
        if name not in (CSRF, KEY):
            found = [v for v in data.getlist(name) if isinstance(v, str)]
            out[name] = found if len(found) > 1 else (found[0] if found else "")
    return out


def end_of_day(day: str) -> str:
    """An RFC 3339 time at the end of a date typed into a date field ('' when blank)."""
    if not day:
        return ""
    try:
        return date.fromisoformat(day).isoformat() + "T23:59:59Z"
    except ValueError:
        return day  # the service refuses it and the form shows why


def field_errors(exc: AimsError | ServiceUnreachable, names: dict[str, str]) -> dict[str, str]:
    """The refusal by the form's field names ('' for the form as a whole); `names` maps the
    API's field names to the form's."""
    if isinstance(exc, ServiceUnreachable):
        return {"": f"the {exc.service} service cannot be reached; try again"}
    out: dict[str, str] = {}
    for error in exc.problem.get("errors") or []:
        loc = [str(p) for p in error.get("loc", [])[1:]] if isinstance(error, dict) else []
        name = next((names[p] for p in loc if p in names), "")
        if name and name not in out:
            out[name] = str(error.get("msg", "invalid"))
    if not out:
        out[""] = exc.detail
    return out


async def attempt(form: Form, call: Callable[[], Awaitable[T]]) -> T | None:
    """The service's answer, or None with the refusal on the form (401 still signs out).

    A double click sends the same Idempotency-Key twice; while the first is running the
    service answers the second `idempotency_in_progress`, so it is asked again until the
    first has finished and its answer is replayed (one write, and the page shows it).
    """
    deadline = time.monotonic() + 30
    while True:
        try:
            return await call()
        except AimsError as exc:
            if exc.status == 401:
                raise
            if exc.problem.get("code") == "idempotency_in_progress" and (
                time.monotonic() < deadline
            ):
                await asyncio.sleep(0.2)
                continue
            form.failed(exc)
            return None
        except ServiceUnreachable as exc:
            form.failed(exc)
            return None


async def settle(aims: AsyncAimsClient) -> None:
    """Wait until every service's lists include the user's write (the next page shows it)."""
    for service in ("registry", "risk", "evidence"):
        try:
            await aims.caught_up(service)
        except (AimsError, ServiceUnreachable):
            pass  # a list a moment behind is shown as it is; the write itself is done
