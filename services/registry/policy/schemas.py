"""What the gate-policy routes take and answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.registry.gate.domain import GatePolicy
from services.registry.policy.domain import GatePolicyRecord

MAX_DOCUMENT = 256 * 1024


class PolicyIn(BaseModel):
    """A gate policy to put in force: its YAML text, as `gate/policy.yaml` is written."""

    model_config = ConfigDict(extra="forbid")
    document: str = Field(min_length=1, max_length=MAX_DOCUMENT)


def policy_out(
    rec: GatePolicyRecord, in_force: GatePolicy, from_file: GatePolicy
) -> dict[str, Any]:
    adopted = bool(rec.sha256)
    pending = rec.pending_request()
    return {
        "version": in_force.version, "sha256": in_force.sha256,
        "source": "adopted" if adopted else "file",
        "document": rec.document if adopted else None,
        "file": {"version": from_file.version, "sha256": from_file.sha256},
        "pending_approval": f"/v1/approvals/{pending.approval_id}" if pending else None,
    }  # fmt: skip
