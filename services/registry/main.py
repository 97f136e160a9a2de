"""Registry service app (:8001)."""

from fastapi import FastAPI

from services.registry.access import ACCESS
from services.registry.api import router
from services.registry.projections import PROJECTIONS
from shared.config import Settings
from shared.events import CATEGORIES
from shared.http.app import create_app


def create(settings: Settings | None = None) -> FastAPI:
    """The app (uvicorn runs it with --factory)."""
    return create_app(
        "registry",
        routers=[router],
        access=ACCESS,
        categories=CATEGORIES["registry"],
        projections=PROJECTIONS,
        description="AI system inventory, lifecycle, model versions and the deployment gate.",
        settings=settings,
    )
