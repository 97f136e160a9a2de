"""Typed access to what the registry keeps on `app.state` (Starlette's `State` is untyped)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import asyncpg
from fastapi import FastAPI
from starlette.applications import Starlette

from services.registry.gate.domain import GateConfig
from shared.kernel.eventstore import EventStore
from shared.kernel.projections import ProjectionRunner
from shared.platform.config import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class RegistryState:
    """The app's settings, log, read pool, projection runner and gate configuration."""

    settings: Settings
    store: EventStore
    read_pool: asyncpg.Pool
    runner: ProjectionRunner
    gate: GateConfig


def set_gate(app: FastAPI, gate: GateConfig) -> None:
    """Keep the gate configuration (policy loaded at start) with the app."""
    app.state.gate = gate


def registry_state(app: Starlette) -> RegistryState:
    """The registry's state of a started app; a missing piece is a programming error."""
    state = app.state
    return RegistryState(
        settings=_typed(state, "settings", Settings),
        store=_typed(state, "store", EventStore),
        read_pool=_typed(state, "read_pool", asyncpg.Pool),
        runner=_typed(state, "runner", ProjectionRunner),
        gate=_typed(state, "gate", GateConfig),
    )


def _typed(state: object, name: str, cls: type[T]) -> T:
    value = getattr(state, name, None)
    if not isinstance(value, cls):
        raise RuntimeError(f"app.state.{name} is not a {cls.__name__}: is the app started?")
    return value
