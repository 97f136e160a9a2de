"""Registry service app (:8001)."""

from fastapi import FastAPI

from services.registry import api, api_gate, webhook
from services.registry.access import ACCESS
from services.registry.domain.policy import load_policy
from services.registry.projections import PROJECTIONS
from shared.contract.events import CATEGORIES
from shared.http.app import create_app
from shared.platform.config import Settings, get_settings


def create(settings: Settings | None = None) -> FastAPI:
    """The app (uvicorn runs it with --factory); a bad gate policy stops it here."""
    settings = settings or get_settings()
    app = create_app(
        "registry",
        routers=[api.router, api_gate.router],
        public_routers=[webhook.router],
        access=ACCESS,
        categories=CATEGORIES["registry"],
        projections=PROJECTIONS,
        description="AI system inventory, lifecycle, model versions and the deployment gate.",
        settings=settings,
    )
    app.state.gate_policy = load_policy(settings.gate_policy_file)
    return app
