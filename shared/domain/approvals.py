"""Four eyes for changes that lower protection: request, then approve or reject.

A `ChangeControlled` aggregate keeps its requests next to its own state. While a request
waits, the aggregate is unchanged, so everything that reads it (the gate first) keeps
the more protective value. Approval makes the change take effect as the aggregate's own
event citing the request; the request, the rejection and the effect live in the same
stream, so each decision is one atomic append. One request waits at a time per thing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.contract.events.approvals import ApprovalRef, ChangeRejected, ChangeRequested
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict, NotFound
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult
from shared.kernel.requestctx import RequestContext


@dataclass
class ChangeRequest:
    """A requested change and what became of it."""

    approval_id: UUID
    decision: str
    subject_id: UUID
    change: dict[str, Any]
    requested_by: str
    reason: str
    basis: dict[str, Any]
    excluded: dict[str, list[str]]
    sod_policy: dict[str, str]
    system_id: UUID | None = None
    requested_at: datetime | None = None
    status: str = "pending"  # approved | rejected
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str = ""


@dataclass
class ChangeControlled(Aggregate):
    """An aggregate some of whose changes wait for a second person's approval."""

    requests: dict[UUID, ChangeRequest] = field(default_factory=dict)
    # Everyone who wrote to the thing, first the author (approvals and rejections excluded).
    writers: list[str] = field(default_factory=list)

    @property
    def author(self) -> str | None:
        return self.writers[0] if self.writers else None

    def pending_request(self) -> ChangeRequest | None:
        return next((r for r in self.requests.values() if r.status == "pending"), None)

    def open_request(self, approval_id: UUID) -> ChangeRequest:
        """The request `approval_id`, still waiting (Conflict once decided)."""
        req = self.requests.get(approval_id)
        if req is None:
            raise NotFound("no such approval", code="not_found")
        if req.status != "pending":
            raise Conflict(f"the approval is already {req.status}", code="approval_decided",
                           outcome=req.status)  # fmt: skip
        return req

    def request_change(
        self, approval_id: UUID, decision: str, change: dict[str, Any], by: str, *,
        basis: dict[str, Any], excluded: dict[str, list[str]], sod_policy: dict[str, str],
        reason: str = "", system_id: UUID | None = None,
    ) -> ChangeRequest:  # fmt: skip
        """Ask for a change; refused while another request on this thing waits."""
        waiting = self.pending_request()
        if waiting is not None:
            raise Conflict(
                "another change to this waits for approval; approve or reject it first",
                code="approval_pending", approval_id=str(waiting.approval_id),
            )  # fmt: skip
        self._emit(ChangeRequested(
            approval_id=approval_id, decision=decision, subject_id=self.id, change=change,
            requested_by=by, reason=reason, basis=basis, excluded=excluded,
            sod_policy=sod_policy, system_id=system_id,
        ))  # fmt: skip
        return self.requests[approval_id]

    def reject_change(
        self, approval_id: UUID, by: str, comment: str, sod_policy: dict[str, str]
    ) -> None:
        """Refuse a waiting change: the reason is recorded, nothing else changes."""
        req = self.open_request(approval_id)
        self._emit(ChangeRejected(
            approval_id=approval_id, decision=req.decision, subject_id=self.id, rejected_by=by,
            comment=comment, sod_policy=sod_policy, system_id=req.system_id,
        ))  # fmt: skip

    def check_basis(self, req: ChangeRequest, current: dict[str, Any]) -> None:
        """Refuse to apply a change asked against a state that has since changed."""
        if current != req.basis:
            raise Conflict(
                "what this change was asked against has changed since; reject it and ask again",
                code="approval_stale", asked_against=req.basis, now=current,
            )  # fmt: skip

    def track_approvals(self, event: DomainEvent) -> None:
        """Fold the request side of an event (call first in `apply`)."""
        match event:
            case ChangeRequested():
                self.requests[event.approval_id] = ChangeRequest(
                    event.approval_id, event.decision, event.subject_id, dict(event.change),
                    event.requested_by, event.reason, dict(event.basis),
                    {k: list(v) for k, v in event.excluded.items()}, dict(event.sod_policy),
                    event.system_id,
                )  # fmt: skip
            case ChangeRejected():
                req = self.requests[event.approval_id]
                req.status, req.decided_by, req.comment = (
                    "rejected",
                    event.rejected_by,
                    event.comment,
                )
            case _:
                ref = approval_of(event)
                if ref is not None and ref.approval_id in self.requests:
                    req = self.requests[ref.approval_id]
                    req.status, req.decided_by, req.comment = (
                        "approved",
                        ref.approved_by,
                        ref.comment,
                    )

    def recorded(self, event: DomainEvent, actor: str | None, at: datetime | None) -> None:
        decided = _decided(event)
        if isinstance(event, ChangeRequested):
            self.requests[event.approval_id].requested_at = at
        elif decided is not None:  # a decision: its decider is not one of the thing's writers
            if decided in self.requests:
                self.requests[decided].decided_at = at
            return
        if actor and actor not in self.writers:
            self.writers.append(actor)


def approval_of(event: DomainEvent) -> ApprovalRef | None:
    """The approval an effect event carries out, if any."""
    ref = getattr(event, "approval", None)
    return ref if isinstance(ref, ApprovalRef) else None


def _decided(event: DomainEvent) -> UUID | None:
    """The approval a rejection or an effect event decides, if any."""
    if isinstance(event, ChangeRejected):
        return event.approval_id
    ref = approval_of(event)
    return None if ref is None else ref.approval_id


class ApprovalKind(ABC):
    """How one kind of thing (a stream category) takes part in four-eyes approvals."""

    aggregate: type[ChangeControlled]
    subject_type: str

    @abstractmethod
    def href(self, subject_id: UUID, change: Mapping[str, Any]) -> str:
        """Where the thing a change is about is read."""

    @abstractmethod
    async def relations(
        self, repo: Repository, agg: ChangeControlled, req: ChangeRequest
    ) -> dict[str, set[str]]:
        """Who stands in which relation to the thing (the requester is added for you)."""

    @abstractmethod
    async def carry_out(
        self, repo: Repository, ctx: RequestContext, agg: ChangeControlled, req: ChangeRequest,
        ref: ApprovalRef,
    ) -> AppendResult:  # fmt: skip
        """Check the change still fits (`check_basis`), emit its effect citing `ref`, save."""


Kinds = Mapping[str, ApprovalKind]  # stream category -> kind

_FIND = (
    "SELECT stream_id FROM events WHERE type = 'ChangeRequested'"
    " AND data->>'approval_id' = $1 LIMIT 1"
)


async def find(
    repo: Repository, kinds: Kinds, approval_id: UUID
) -> tuple[ApprovalKind, ChangeControlled, ChangeRequest]:
    """The approval `approval_id` among this service's things, read from the log itself."""
    stream = await repo.store.pool.fetchval(_FIND, str(approval_id))
    category, _, id_ = (stream or "").partition("-")
    kind = kinds.get(category)
    if kind is None:
        raise NotFound(f"no approval {approval_id} here", code="not_found")
    agg = await repo.load(kind.aggregate, UUID(id_))
    return kind, agg, agg.requests[approval_id]


async def decide(
    repo: Repository, ctx: RequestContext, sod: SodPolicy, kinds: Kinds, approval_id: UUID, *,
    approve: bool, comment: str,
) -> tuple[ApprovalKind, ChangeRequest]:  # fmt: skip
    """Approve (the change takes effect) or reject (nothing changes) a waiting request."""
    kind, agg, req = await find(repo, kinds, approval_id)
    agg.open_request(approval_id)
    relations = await kind.relations(repo, agg, req)
    relations["requester"] = {req.requested_by}
    sod.check_decider(req.decision, ctx.actor, relations)
    if approve:
        ref = ApprovalRef(approval_id=approval_id, decision=req.decision,
                          approved_by=ctx.actor.sub, comment=comment)  # fmt: skip
        await kind.carry_out(repo, ctx, agg, req, ref)
    else:
        agg.reject_change(approval_id, ctx.actor.sub, comment, sod.reference())
        await repo.save(agg, ctx)
    return kind, agg.requests[approval_id]


@dataclass(frozen=True)
class Requested:
    """A change asked for and waiting for approval (the caller answers 202)."""

    kind: ApprovalKind
    request: ChangeRequest
    result: AppendResult


async def request(
    repo: Repository, ctx: RequestContext, sod: SodPolicy, kind: ApprovalKind,
    agg: ChangeControlled, decision: str, change: dict[str, Any], *, basis: dict[str, Any],
    reason: str = "", system_id: UUID | None = None, expected_version: int | None = None,
) -> Requested:  # fmt: skip
    """Record a request for a change that needs a second person (202 for the caller)."""
    sod.check_requester(decision, ctx.actor)
    approval_id = ctx.new_id("approval")
    probe = ChangeRequest(approval_id, decision, agg.id, change, ctx.actor.sub, reason, basis,
                          {}, {}, system_id)  # fmt: skip
    relations = await kind.relations(repo, agg, probe)
    relations["requester"] = {ctx.actor.sub}
    req = agg.request_change(
        approval_id, decision, change, ctx.actor.sub, basis=basis,
        excluded=sod.excluded(decision, relations), sod_policy=sod.reference(), reason=reason,
        system_id=system_id,
    )  # fmt: skip
    return Requested(kind, req, await repo.save(agg, ctx, expected_version=expected_version))


def view(kind: ApprovalKind, req: ChangeRequest) -> dict[str, Any]:
    """An approval as the API shows it."""
    href = kind.href(req.subject_id, req.change)
    return {
        "approval_id": req.approval_id, "status": req.status, "decision": req.decision,
        "subject": {"type": kind.subject_type, "id": req.subject_id, "href": href},
        "system_id": req.system_id, "change": req.change, "reason": req.reason,
        "requested_by": req.requested_by, "requested_at": req.requested_at,
        "excluded": req.excluded, "decided_by": req.decided_by, "decided_at": req.decided_at,
        "comment": req.comment, "sod_policy": req.sod_policy,
        "href": f"/v1/approvals/{req.approval_id}",
    }  # fmt: skip
