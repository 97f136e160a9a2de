"""The Annex IV dossier as PDF: asked for by `format` or Accept, rendered without fetching."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.registry.dossier.render import PdfUnavailable, pdf
from tests.support.registry import VIEWER, register

try:
    pdf("<p>probe</p>")
except PdfUnavailable as missing:  # no Pango on this machine: the HTML page still works
    pytest.skip(f"WeasyPrint cannot run here: {missing}", allow_module_level=True)


@pytest.fixture
def bait() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server recording every request it receives."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


async def test_the_dossier_comes_as_pdf_by_format_or_accept(registry):
    s = await register(registry, eu_ai_act_tier="high", name="Credit <b>scoring</b>")
    url = f"/v1/systems/{s['id']}/dossier"
    by_format = await registry.get(url, params={"format": "pdf"}, headers=VIEWER)
    assert by_format.status_code == 200, by_format.text
    assert by_format.headers["content-type"] == "application/pdf"
    assert by_format.content.startswith(b"%PDF-") and by_format.content.rstrip().endswith(b"%%EOF")
    assert f"dossier-{s['id']}.pdf" in by_format.headers["content-disposition"]
    by_accept = await registry.get(url, headers=VIEWER | {"accept": "application/pdf"})
    assert by_accept.headers["content-type"] == "application/pdf"
    browser = await registry.get(url, headers=VIEWER | {"accept": "text/html,application/pdf"})
    assert browser.headers["content-type"].startswith("text/html")
    bad = await registry.get(url, params={"format": "docx"}, headers=VIEWER)
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_rendering_fetches_nothing_a_record_could_point_at(bait):
    base, hits = bait
    page = (f"<link rel=stylesheet href='{base}/style.css'><img src='{base}/pixel.png'>"
            f"<p style=\"background:url('{base}/bg.png')\">x</p>")  # fmt: skip
    assert pdf(page).startswith(b"%PDF-")
    assert hits == []
