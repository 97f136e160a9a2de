"""Acceptance of residual risk: a decision record bound to the risk version it accepted.

A risk owner (or a risk officer or admin) requests it; a different person holding the
approver role approves or rejects it (separation of duties). It records the risk version,
the level, a justification and an expiry. It stops counting the moment the risk changes
materially or the expiry passes, and the void is itself an event (`AcceptanceVoided`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from services.risk.register.domain.risk import Risk
from shared.contract.events.risk import (
    AcceptanceApproved,
    AcceptanceRejected,
    AcceptanceRequested,
    AcceptanceVoided,
)
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict, Invalid, NotAllowed
from shared.domain.sod import SodPolicy, default_policy
from shared.kernel.requestctx import Actor

REQUESTERS = ("admin", "risk_officer")  # besides the risk owner
OPEN = ("requested", "approved")
ACCEPTANCE = "risk.acceptance"  # its separation-of-duties decision
VoidReason = Literal["risk_changed", "expired"]


@dataclass
class Acceptance(Aggregate):
    category = "acceptance"
    risk_id: UUID | None = None
    system_id: UUID | None = None
    risk_version: int = 0
    level: str = ""
    justification: str = ""
    expires_at: datetime | None = None
    requested_by: str = ""
    status: str = "requested"
    decided_by: str | None = None
    comment: str = ""
    void_reason: str | None = None

    @classmethod
    def request(
        cls, id: UUID, risk: Risk, actor: Actor, *, justification: str, expires_at: datetime,
        now: datetime,
    ) -> Acceptance:  # fmt: skip
        """Ask designated management to accept the risk as it is now."""
        if risk.closed_reason is not None:
            raise Conflict("a closed risk needs no acceptance", code="risk_closed")
        if actor.sub != risk.owner and not actor.has(*REQUESTERS):
            raise NotAllowed("only the risk owner, a risk officer or an admin may ask to accept it")
        if expires_at <= now:
            raise Invalid(
                "expires_at must be in the future", code="validation",
                errors=[{"loc": ["body", "expires_at"], "msg": "must be in the future",
                         "type": "value_error"}],
            )  # fmt: skip
        assert risk.system_id is not None
        acc = cls(id)
        acc._emit(
            AcceptanceRequested(
                acceptance_id=id,
                risk_id=risk.id,
                system_id=risk.system_id,
                risk_version=risk.version,
                level=risk.current.level,
                justification=justification,
                expires_at=expires_at,
                requested_by=actor.sub,
            )  # fmt: skip
        )
        return acc

    @property
    def accepted_risk_id(self) -> UUID:
        """The risk this acceptance is about (its request names it)."""
        assert self.risk_id is not None
        return self.risk_id

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def effective_status(self, now: datetime) -> str:
        """The status, reading an open acceptance past its expiry as `expired`."""
        return "expired" if self.status in OPEN and self.expired(now) else self.status

    def is_valid(self, risk: Risk, now: datetime) -> bool:
        """Approved, not expired, and the risk has not changed materially since."""
        return (
            self.status == "approved"
            and not self.expired(now)
            and not risk.changed_since(self.risk_version)
        )

    def _decide(self, actor: Actor, risk: Risk, now: datetime, sod: SodPolicy | None) -> None:
        relations = {"requester": {self.requested_by}, "risk_owner": {risk.owner},
                     "author": {risk.author} if risk.author else set()}  # fmt: skip
        (sod or default_policy()).check_decider(ACCEPTANCE, actor, relations)
        if self.status != "requested":
            raise Conflict(
                f"the request is already {self.status}", code=f"acceptance_{self.status}"
            )
        if self.expired(now):
            raise Conflict("the request has expired", code="acceptance_expired")
        if risk.changed_since(self.risk_version):
            raise Conflict(
                "the risk changed since the request; ask again", code="risk_changed",
                risk_version=self.risk_version, current_version=risk.version,
            )  # fmt: skip

    def approve(
        self, actor: Actor, risk: Risk, now: datetime, comment: str = "",
        sod: SodPolicy | None = None,
    ) -> None:  # fmt: skip
        """Accept the risk at the version requested."""
        self._decide(actor, risk, now, sod)
        assert self.risk_id and self.system_id and self.expires_at
        self._emit(
            AcceptanceApproved(
                acceptance_id=self.id,
                risk_id=self.risk_id,
                system_id=self.system_id,
                risk_version=self.risk_version,
                approved_by=actor.sub,
                expires_at=self.expires_at,
                comment=comment,
            )  # fmt: skip
        )

    def reject(
        self, actor: Actor, risk: Risk, now: datetime, comment: str = "",
        sod: SodPolicy | None = None,
    ) -> None:  # fmt: skip
        """Refuse to accept the risk."""
        self._decide(actor, risk, now, sod)
        assert self.risk_id and self.system_id
        self._emit(
            AcceptanceRejected(acceptance_id=self.id, risk_id=self.risk_id,
                               system_id=self.system_id, rejected_by=actor.sub, comment=comment)
        )  # fmt: skip

    def void_if_stale(self, risk: Risk, now: datetime) -> None:
        """Void an open acceptance whose risk changed materially or whose expiry passed."""
        if self.status not in OPEN:
            return
        if risk.changed_since(self.risk_version):
            self._void("risk_changed", risk.version)
        elif self.expired(now):
            self._void("expired", None)

    def _void(self, reason: VoidReason, risk_version: int | None) -> None:
        assert self.risk_id and self.system_id
        self._emit(
            AcceptanceVoided(acceptance_id=self.id, risk_id=self.risk_id,
                             system_id=self.system_id, reason=reason,
                             risk_version=risk_version)
        )  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        match event:
            case AcceptanceRequested():
                self.risk_id, self.system_id = event.risk_id, event.system_id
                self.risk_version, self.level = event.risk_version, event.level
                self.justification, self.expires_at = event.justification, event.expires_at
                self.requested_by, self.status = event.requested_by, "requested"
            case AcceptanceApproved():
                self.status, self.decided_by, self.comment = (
                    "approved",
                    event.approved_by,
                    event.comment,
                )
            case AcceptanceRejected():
                self.status, self.decided_by, self.comment = (
                    "rejected",
                    event.rejected_by,
                    event.comment,
                )
            case AcceptanceVoided():
                self.status, self.void_reason = "voided", event.reason
