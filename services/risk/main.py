"""Risk service app (:8002)."""

from fastapi import FastAPI

from services.risk.access import ACCESS
from services.risk.api import router
from services.risk.governance_api import router as governance
from services.risk.projections import PROJECTIONS
from services.risk.reactor import start_sweeper, stop_sweeper
from shared.contract.events import CATEGORIES
from shared.http.app import create_app
from shared.platform.config import Settings


def create(settings: Settings | None = None) -> FastAPI:
    """The app (uvicorn runs it with --factory)."""
    return create_app(
        "risk",
        routers=[router, governance],
        access=ACCESS,
        categories=CATEGORIES["risk"],
        projections=PROJECTIONS,
        on_start=[start_sweeper],
        on_stop=[stop_sweeper],
        description="Risk criteria, risk register, treatment, acceptance, impact assessments "
        "and the Statement of Applicability.",
        settings=settings,
    )
