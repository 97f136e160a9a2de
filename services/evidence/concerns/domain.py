"""The concern aggregate (A.3.3): raised by anyone, perhaps anonymously; triaged once."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from services.evidence.concerns.sealing import Sealer
from shared.contract.events.evidence import ConcernOutcome, ConcernRaised, ConcernTriaged
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict
from shared.domain.sod import SodPolicy, default_policy

ANONYMOUS = "anonymous"  # the actor the log records for an anonymous concern
TRIAGE = "concern.triage"  # its separation-of-duties decision


@dataclass
class Concern(Aggregate):
    category = "concern"
    description: str = ""
    system_ids: list[UUID] = field(default_factory=list)
    anonymous: bool = False
    reporter: str | None = None  # None when anonymous
    reporter_sealed: str | None = None
    status: str = "open"  # open | incident | dismissed
    reason: str | None = None
    triaged_by: str | None = None
    incident_id: UUID | None = None

    @classmethod
    def raise_(
        cls, id: UUID, *, description: str, system_ids: list[UUID], reporter: str,
        anonymous: bool, sealer: Sealer,
    ) -> Concern:  # fmt: skip
        """A new, open concern; an anonymous one keeps its reporter only sealed."""
        concern = cls(id)
        concern._emit(ConcernRaised(
            concern_id=id, system_ids=list(dict.fromkeys(system_ids)), description=description,
            anonymous=anonymous, reporter=None if anonymous else reporter,
            reporter_sealed=sealer.seal(reporter, id) if anonymous else None,
        ))  # fmt: skip
        return concern

    def reporter_for_duties(self, sealer: Sealer) -> str:
        """Who raised it, unsealed if need be, for separation of duties (409 if unreadable)."""
        if self.reporter is not None:
            return self.reporter
        found = sealer.unseal(self.reporter_sealed or "", self.id)
        if found is None:
            raise Conflict(
                "the anonymous reporter was sealed with another key than this service's, so"
                " separation of duties cannot be checked; restore the concern_seal.key file",
                code="reporter_unreadable",
            )  # fmt: skip
        return found

    def shown_reporter(self, sealer: Sealer, admin: bool) -> str | None:
        """The reporter as a reader may see it: anonymous ones to admins only."""
        if not self.anonymous:
            return self.reporter
        return sealer.unseal(self.reporter_sealed or "", self.id) if admin else None

    def triage(
        self, outcome: ConcernOutcome, reason: str, by: str, sealer: Sealer,
        incident_id: UUID | None = None, sod: SodPolicy | None = None,
    ) -> None:  # fmt: skip
        """Make it an incident or dismiss it; never by the person who raised it."""
        if self.status != "open":
            raise Conflict(f"the concern is already triaged ({self.status})",
                           code="concern_triaged", outcome=self.status)  # fmt: skip
        relations = {"reporter": {self.reporter_for_duties(sealer)}}
        (sod or default_policy()).check_excluded(TRIAGE, by, relations)
        self._emit(ConcernTriaged(concern_id=self.id, system_ids=self.system_ids,
                                  outcome=outcome, reason=reason, triaged_by=by,
                                  incident_id=incident_id))  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        match event:
            case ConcernRaised():
                self.description, self.system_ids = event.description, list(event.system_ids)
                self.anonymous, self.reporter = event.anonymous, event.reporter
                self.reporter_sealed = event.reporter_sealed
            case ConcernTriaged():
                self.status, self.reason = event.outcome, event.reason
                self.triaged_by, self.incident_id = event.triaged_by, event.incident_id
