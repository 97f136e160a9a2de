"""What the SDK raises: an error answer from aims, or a service that does not answer."""

from __future__ import annotations

from typing import Any

import httpx


class AimsError(Exception):
    """An error answer from aims, with its problem document."""

    def __init__(
        self, status: int, problem: dict[str, Any], *, service: str = "",
        request: httpx.Request | None = None,
    ) -> None:  # fmt: skip
        super().__init__(f"{status}: {problem.get('detail', problem)}")
        self.status, self.problem = status, problem
        self.service, self.request = service, request

    @property
    def detail(self) -> str:
        """The problem in one line: its detail (or title), the fields and reasons it names."""
        p = self.problem
        text = str(p.get("detail") or p.get("title") or self.status)
        fields = [".".join(str(part) for part in e["loc"][1:])
                  for e in _dicts(p.get("errors")) if e.get("loc")]  # fmt: skip
        reasons = [str(r.get("message", r)) for r in _dicts(p.get("reasons"))]
        if fields:
            text += f" ({', '.join(fields)})"
        if reasons:
            text += f" ({'; '.join(reasons)})"
        return " ".join(text.split())[:400]


class ServiceUnreachable(httpx.TransportError):
    """No answer from an aims service after every retry (still an `httpx.TransportError`)."""

    def __init__(self, service: str, url: str, cause: httpx.TransportError) -> None:
        super().__init__(f"cannot reach the {service} service at {url} "
                         f"({type(cause).__name__})")  # fmt: skip
        self.service, self.url = service, url


def problem_of(r: httpx.Response) -> dict[str, Any]:
    """The problem document of an error answer (its text when it is not JSON)."""
    try:
        body = r.json()
    except ValueError:
        return {"detail": r.text[:200] or r.reason_phrase}
    return body if isinstance(body, dict) else {"detail": str(body)}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value or [] if isinstance(v, dict)] if isinstance(value, list) else []
