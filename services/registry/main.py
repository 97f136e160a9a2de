"""Registry service app (:8001)."""

from datetime import timedelta

from fastapi import FastAPI

from services.registry.access import ACCESS
from services.registry.gate import api as gate
from services.registry.gate.domain import GateConfig, load_policy
from services.registry.mlflow import api as mlflow
from services.registry.projections import PROJECTIONS
from services.registry.state import set_gate
from services.registry.systems import api as systems
from shared.contract.events import CATEGORIES
from shared.http.app import create_app
from shared.platform.config import Settings, get_settings


def create(settings: Settings | None = None) -> FastAPI:
    """The app (uvicorn runs it with --factory); a bad gate policy stops it here."""
    settings = settings or get_settings()
    app = create_app(
        "registry",
        routers=[systems.router, gate.router],
        public_routers=[mlflow.router],
        access=ACCESS,
        categories=CATEGORIES["registry"],
        projections=PROJECTIONS,
        description="AI system inventory, lifecycle, model versions and the deployment gate.",
        settings=settings,
    )
    set_gate(app, GateConfig(
        policy=load_policy(settings.gate_policy_file), modes=settings.gate_modes,
        default_mode=settings.gate_default_mode,
        ttl=timedelta(seconds=settings.gate_decision_ttl_seconds),
    ))  # fmt: skip
    return app
