"""Registry-specific FastAPI dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.registry.handlers import Gate


async def get_gate(request: Request) -> Gate:
    """The loaded gate policy, settings and read pool of this app."""
    state = request.app.state
    return Gate(state.gate_policy, state.settings, state.read_pool)


GateDep = Annotated[Gate, Depends(get_gate)]
