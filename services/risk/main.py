"""Risk service app (:8002)."""

from fastapi import FastAPI

from services.risk.access import ACCESS
from services.risk.criteria.api import router as criteria
from services.risk.impact.api import router as impact
from services.risk.posture.api import router as posture
from services.risk.projections import PROJECTIONS
from services.risk.register.api import router as register
from services.risk.register.reactor import start_sweeper, stop_sweeper
from services.risk.soa.api import router as soa
from shared.contract.events import CATEGORIES
from shared.http.app import create_app
from shared.platform.config import Settings


def create(settings: Settings | None = None) -> FastAPI:
    """The app (uvicorn runs it with --factory)."""
    return create_app(
        "risk",
        routers=[criteria, register, impact, soa, posture],
        access=ACCESS,
        categories=CATEGORIES["risk"],
        projections=PROJECTIONS,
        on_start=[start_sweeper],
        on_stop=[stop_sweeper],
        description="Risk criteria, risk register, treatment, acceptance, impact assessments "
        "and the Statement of Applicability.",
        settings=settings,
    )
