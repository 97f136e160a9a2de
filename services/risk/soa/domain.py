"""Statement of Applicability (6.1.3): one entry per Annex A control, justified either way."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from shared.contract import annex_a
from shared.contract.events.approvals import ApprovalRef
from shared.contract.events.risk import SoAEntrySet
from shared.domain.aggregate import DomainEvent
from shared.domain.approvals import ChangeControlled, ChangeRequest
from shared.domain.errors import Invalid, NotFound

Status = Literal["not_started", "planned", "in_progress", "implemented", "not_applicable"]
_NS = uuid.UUID("0b7f1c52-93d4-4a8e-b1e6-5a0a42001a00")
# Excluding a control, or taking it out of the deployment gate, waits for an approver.
EXCLUSION = "soa.exclusion"


def entry_id(control_id: str) -> uuid.UUID:
    """The stream id of a control's SoA entry (`soa-<uuid>`), stable per control id."""
    return uuid.uuid5(_NS, control_id)


def _invalid(field: str, msg: str) -> Invalid:
    errors = [{"loc": ["body", field], "msg": msg, "type": "value_error"}]
    return Invalid(msg, code="validation", errors=errors)


@dataclass
class SoAEntry(ChangeControlled):
    category = "soa"
    control_id: str = ""
    applicable: bool | None = None
    justification: str = ""
    status: str = ""
    owner: str = ""
    deployment_gate: bool = False

    @classmethod
    def for_control(cls, control_id: str) -> SoAEntry:
        """An empty entry for a known control; NotFound for anything else."""
        if control_id not in annex_a.controls():
            raise NotFound(f"{control_id} is not an Annex A control", code="unknown_control")
        entry = cls(entry_id(control_id))
        entry.control_id = control_id
        return entry

    def decision(self, *, applicable: bool, deployment_gate: bool = False) -> str | None:
        """The decision an entry needs from a second person, if it lowers protection."""
        excludes = not applicable and self.applicable is not False
        ungates = self.deployment_gate and not deployment_gate
        return EXCLUSION if excludes or ungates else None

    def basis(self) -> dict[str, Any]:
        """What a requested change is asked against: the entry as it stands."""
        return {
            "applicable": self.applicable, "status": self.status,
            "deployment_gate": self.deployment_gate, "justification": self.justification,
        }  # fmt: skip

    def carry_out(self, req: ChangeRequest, ref: ApprovalRef) -> None:
        """Make an approved change take effect, citing its approval."""
        self.check_basis(req, self.basis())
        c = req.change
        self.set(applicable=c["applicable"], justification=c["justification"],
                 status=c["status"], owner=c["owner"], deployment_gate=c["deployment_gate"],
                 approval=ref)  # fmt: skip

    def set(
        self, *, applicable: bool, justification: str, status: str | None, owner: str = "",
        deployment_gate: bool = False, approval: ApprovalRef | None = None,
    ) -> None:  # fmt: skip
        """Decide applicability; a justification is required whether included or excluded."""
        justification, status = self.checked(applicable, justification, status)
        new = (applicable, justification, status, owner, deployment_gate)
        if approval is None and new == (self.applicable, self.justification, self.status,
                                        self.owner, self.deployment_gate):  # fmt: skip
            return
        self._emit(
            SoAEntrySet(control_id=self.control_id, applicable=applicable,
                        justification=justification, status=status, owner=owner,
                        deployment_gate=deployment_gate, approval=approval)
        )  # fmt: skip

    @staticmethod
    def checked(applicable: bool, justification: str, status: str | None) -> tuple[str, str]:
        """The justification and status of an entry, or Invalid naming what is wrong."""
        justification = justification.strip()
        if not justification:
            raise _invalid("justification", "a justification is required, included or excluded")
        status = status or ("not_started" if applicable else "not_applicable")
        if not applicable and status != "not_applicable":
            raise _invalid("status", "an excluded control has status not_applicable")
        if applicable and status == "not_applicable":
            raise _invalid("status", "an applicable control cannot be not_applicable")
        return justification, status

    def apply(self, event: DomainEvent) -> None:
        self.track_approvals(event)
        match event:
            case SoAEntrySet():
                self.control_id, self.applicable = event.control_id, event.applicable
                self.justification, self.status = event.justification, event.status
                self.owner, self.deployment_gate = event.owner, event.deployment_gate
