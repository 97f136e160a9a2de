"""Evidence service app."""

from fastapi import FastAPI

from services.evidence.access import ACCESS
from services.evidence.api import router
from services.evidence.projections import PROJECTIONS
from shared.config import Settings
from shared.events import CATEGORIES
from shared.http.app import create_app


def create(settings: Settings | None = None) -> FastAPI:
    """The app (uvicorn runs it with --factory)."""
    return create_app(
        "evidence",
        routers=[router],
        access=ACCESS,
        categories=CATEGORIES["evidence"],
        projections=PROJECTIONS,
        settings=settings,
    )
