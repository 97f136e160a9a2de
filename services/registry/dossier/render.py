"""The dossier as an HTML page (Jinja2, autoescaped); printing it from a browser gives a PDF."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.registry.dossier.domain import Dossier
from shared.kernel.eventstore import StoredEvent


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent),
                      autoescape=select_autoescape(["html"]))  # fmt: skip
    env.filters["actor"] = _actor
    return env


def _actor(e: StoredEvent) -> str:
    return str((e.metadata.get("actor") or {}).get("sub") or "?")


def html(dossier: Dossier, evidence_url: str | None) -> str:
    """The page; evidence links point at the evidence service when its URL is configured."""
    base = (evidence_url or "").rstrip("/")
    return _env().get_template("dossier.html").render(d=dossier, evidence_base=base)
