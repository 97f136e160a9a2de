"""Where the three services listen."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the SDK needs no settings at run time; aims' own apps pass theirs
    from shared.platform.config import Settings

DEFAULT_URLS = {
    "registry": "http://127.0.0.1:8001",
    "risk": "http://127.0.0.1:8002",
    "evidence": "http://127.0.0.1:8003",
}


def service_urls(settings: Settings) -> dict[str, str]:
    """The services' URLs from aims settings (`AIMS_<SERVICE>_URL`, else host and port)."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    given = {"registry": settings.registry_url, "risk": settings.risk_url,
             "evidence": settings.evidence_url}  # fmt: skip
    return {s: (u or f"http://{host}:{settings.port_of(s)}").rstrip("/") for s, u in given.items()}
