"""The gate policy in force: the file's until a policy is adopted through four eyes.

A fresh installation runs the policy file it was given (`AIMS_GATE_POLICY_FILE` or the
packaged one). Proposing another policy (`PUT /v1/gate-policy`) waits for an approver
who is not the proposer; once approved it is recorded whole in the log and stays in
force for every registry process, whatever policy file a process was started with.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import yaml

from services.registry.gate.domain import GatePolicy, PolicyError, parse_policy
from shared.contract.events.approvals import ApprovalRef
from shared.contract.events.registry import GatePolicyAdopted
from shared.domain.aggregate import DomainEvent
from shared.domain.approvals import ChangeControlled, ChangeRequest
from shared.domain.errors import Invalid

# The organisation has one gate policy in force; its stream is `gatepolicy-<POLICY_ID>`.
POLICY_ID = uuid.UUID("3a7d0c1e-5b2f-4e8a-9c61-4201c0de0002")
CHANGE = "gate_policy.change"  # its separation-of-duties decision


def parsed(document: str) -> GatePolicy:
    """A proposed policy document, validated; Invalid (422) naming what is wrong."""
    raw = document.encode()
    try:
        return parse_policy(yaml.safe_load(raw), hashlib.sha256(raw).hexdigest())
    except (yaml.YAMLError, PolicyError) as exc:
        errors = [{"loc": ["body", "document"], "msg": str(exc), "type": "invalid_policy"}]
        raise Invalid(f"not a valid gate policy: {exc}", code="invalid_policy",
                      errors=errors) from exc  # fmt: skip


@dataclass
class GatePolicyRecord(ChangeControlled):
    """The policies adopted through the API (none until the first approval)."""

    category = "gatepolicy"
    document: str = ""
    policy_version: str = ""
    sha256: str = ""

    def in_force(self, from_file: GatePolicy) -> GatePolicy:
        """The adopted policy, or the file's while none has been adopted."""
        return parsed(self.document) if self.sha256 else from_file

    def decision(self, proposed: GatePolicy, from_file: GatePolicy) -> str | None:
        """The approval a proposal needs; None when it is already the policy in force."""
        return None if proposed.sha256 == self.in_force(from_file).sha256 else CHANGE

    def basis(self) -> dict[str, Any]:
        """What a proposal is asked against: the adopted policy ("" for the file's)."""
        return {"adopted_sha256": self.sha256}

    def carry_out(self, req: ChangeRequest, ref: ApprovalRef) -> None:
        """Put an approved policy in force, citing its approval."""
        self.check_basis(req, self.basis())
        document = str(req.change["document"])
        policy = parsed(document)
        self._emit(GatePolicyAdopted(version=policy.version, sha256=policy.sha256,
                                     document=document, approval=ref))  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        self.track_approvals(event)
        if isinstance(event, GatePolicyAdopted):
            self.document, self.policy_version = event.document, event.version
            self.sha256 = event.sha256
