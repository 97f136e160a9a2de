"""The dossier as an HTML page (Jinja2, autoescaped), and as a PDF where WeasyPrint runs."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

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


class PdfUnavailable(RuntimeError):
    """This server cannot render PDF (WeasyPrint or the Pango library it needs is missing)."""


def pdf(page: str) -> bytes:
    """The page as PDF. Nothing is fetched while rendering: the page links to evidence but
    embeds no outside resource, and a renderer that fetched URLs named in records would let
    whoever writes a record make this server call addresses of their choosing."""
    try:
        import weasyprint  # imported here: Pango is a system library some machines lack
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(str(exc)) from exc

    class Refuse(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type information
        def fetch(self, url: str, headers: Any = None) -> NoReturn:
            raise ValueError(f"the dossier renderer fetches nothing ({url[:80]})")

    document: Any = weasyprint.HTML(string=page, url_fetcher=Refuse())
    return bytes(document.write_pdf())
