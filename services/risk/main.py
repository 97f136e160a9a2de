"""Risk service app (:8002)."""

from fastapi import FastAPI

from services.risk import approvals
from services.risk.access import ACCESS
from services.risk.competence.api import router as competence
from services.risk.criteria.api import router as criteria
from services.risk.impact.api import router as impact
from services.risk.objectives.api import router as objectives
from services.risk.policies.api import router as policies
from services.risk.posture.api import router as posture
from services.risk.projections import PROJECTIONS
from services.risk.register.api import router as register
from services.risk.register.reactor import start_sweeper, stop_sweeper
from services.risk.roles.api import router as roles
from services.risk.scope.api import router as scope
from services.risk.soa.api import router as soa
from services.risk.suppliers.api import router as suppliers
from shared.contract.events import CATEGORIES
from shared.http.app import create_app
from shared.platform.config import Settings

ROUTERS = [criteria, register, impact, soa, posture, policies, roles, competence, objectives,
           suppliers, scope]  # fmt: skip


def create(settings: Settings | None = None) -> FastAPI:
    """The app (uvicorn runs it with --factory)."""
    return create_app(
        "risk",
        routers=ROUTERS,
        access=ACCESS,
        categories=CATEGORIES["risk"],
        projections=PROJECTIONS,
        on_start=[start_sweeper],
        on_stop=[stop_sweeper],
        description="Risk criteria, risk register, treatment, acceptance, impact assessments, "
        "the Statement of Applicability, and the management-system records: AI policy, AI "
        "roles and competence, objectives, suppliers, interested parties and scope.",
        settings=settings,
        approval_kinds=approvals.KINDS,
    )
