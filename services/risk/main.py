"""Risk service app."""

from fastapi import FastAPI

from services.risk.access import ACCESS
from services.risk.api import router
from services.risk.projections import PROJECTIONS
from shared.config import Settings
from shared.events import CATEGORIES
from shared.http.app import create_app


def create(settings: Settings | None = None) -> FastAPI:
    """The app (uvicorn runs it with --factory)."""
    return create_app(
        "risk",
        routers=[router],
        access=ACCESS,
        categories=CATEGORIES["risk"],
        projections=PROJECTIONS,
        settings=settings,
    )
