"""Registry service app (:8001)."""

from datetime import timedelta

from fastapi import FastAPI

from services.registry import approvals
from services.registry.access import ACCESS
from services.registry.datasets import api as datasets
from services.registry.dossier import api as dossier
from services.registry.gate import api as gate
from services.registry.gate.domain import GateConfig, load_policy
from services.registry.gate.queries import close_decision_pool, open_decision_pool
from services.registry.mlflow import api as mlflow
from services.registry.operation import api as operation
from services.registry.operation.sweeper import start_operation, stop_operation
from services.registry.policy import api as gate_policy
from services.registry.projections import projections
from services.registry.responsibilities import api as responsibilities
from services.registry.state import set_gate
from services.registry.systems import api as systems
from shared.contract.events import CATEGORIES
from shared.http.app import create_app
from shared.platform.config import Settings, get_settings


def create(settings: Settings | None = None) -> FastAPI:
    """The app (uvicorn runs it with --factory); a bad gate policy stops it here."""
    settings = settings or get_settings()
    policy = load_policy(settings.gate_policy_file)
    app = create_app(
        "registry",
        routers=[
            gate.router,  # first: routes are matched in order and decisions are the hot path
            systems.router,
            gate_policy.router,
            operation.router,
            responsibilities.router,
            datasets.router,
            dossier.router,
        ],
        public_routers=[mlflow.router],
        access=ACCESS,
        categories=CATEGORIES["registry"],
        projections=projections(policy),
        on_start=[start_operation, open_decision_pool],
        on_stop=[stop_operation, close_decision_pool],
        description="AI system inventory, lifecycle, model versions, the deployment gate, and"
        " systems in operation: human oversight, monitoring, observations and breaches;"
        " responsibilities, datasets and the Annex IV technical documentation.",
        settings=settings,
        approval_kinds=approvals.KINDS,
    )
    set_gate(app, GateConfig(
        policy=policy, modes=settings.gate_modes,
        default_mode=settings.gate_default_mode,
        ttl=timedelta(seconds=settings.gate_decision_ttl_seconds),
    ))  # fmt: skip
    app.state.gate_policy_file = policy  # in force until a policy is adopted (four eyes)
    return app
