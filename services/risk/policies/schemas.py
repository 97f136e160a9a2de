"""AI policy request bodies (each builds its command) and the policy as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import MISSING, ConfigDict, Field, StringConstraints, model_validator
from pydantic.config import JsonDict

from services.risk.fields import NOT_BLANK, In, Name, Stripped, Text
from services.risk.policies.commands import (
    AcknowledgePolicy,
    ApprovePolicy,
    DraftPolicy,
    PolicyText,
    RevisePolicy,
)
from services.risk.policies.domain import Policy, PolicyVersion
from services.risk.records.schemas import CommentIn, ControlIds, Person, ReviewDays

Markdown = Annotated[
    str, StringConstraints(min_length=1, max_length=100_000, pattern=NOT_BLANK), Stripped
]
# The text of a version is Markdown (`body`), a document recorded as evidence, or both.
_BODY_OR_DOCUMENT: JsonDict = {"anyOf": [{"required": ["body"]}, {"required": ["evidence_id"]}]}


class _PolicyTextIn(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_BODY_OR_DOCUMENT)

    title: Name
    body: Markdown | MISSING = MISSING
    evidence_id: UUID | MISSING = MISSING
    scope: Text = ""
    control_ids: ControlIds = []
    review_every_days: ReviewDays = 365
    owner: Person | MISSING = MISSING  # left out: the author (new), else unchanged

    @model_validator(mode="after")
    def _has_text(self) -> Self:
        if self.body is MISSING and self.evidence_id is MISSING:
            raise ValueError("a policy needs its text: `body` (Markdown) or `evidence_id`")
        return self

    def text(self) -> PolicyText:
        return PolicyText(
            self.title, "" if self.body is MISSING else self.body,
            None if self.evidence_id is MISSING else self.evidence_id, self.scope,
            tuple(self.control_ids), self.review_every_days,
            None if self.owner is MISSING else self.owner,
        )  # fmt: skip


class PolicyIn(_PolicyTextIn):
    def to_command(self) -> DraftPolicy:
        return DraftPolicy(self.text())


class PolicyVersionIn(_PolicyTextIn):
    change_note: Text = ""

    def to_command(self, policy_id: UUID, expected_version: int | None) -> RevisePolicy:
        return RevisePolicy(policy_id, self.text(), self.change_note, expected_version)


class PolicyApprovalIn(CommentIn):
    def to_command(self, policy_id: UUID, expected_version: int | None) -> ApprovePolicy:
        return ApprovePolicy(policy_id, self.comment, expected_version)


class AcknowledgementIn(In):
    # The version the person read; refused (409) when it is not the one in force.
    policy_version: Annotated[int, Field(ge=1, strict=True)] | MISSING = MISSING

    def to_command(self, policy_id: UUID) -> AcknowledgePolicy:
        version = None if self.policy_version is MISSING else self.policy_version
        return AcknowledgePolicy(policy_id, version)


def version_out(p: Policy, v: PolicyVersion) -> dict[str, Any]:
    return {
        "policy_id": p.id, "policy_version": v.number, **v.content, "written_by": v.written_by,
        "written_at": v.written_at, "change_note": v.change_note, "approved_by": v.approved_by,
        "approved_at": v.approved_at, "in_force": v.number == p.in_force,
    }  # fmt: skip


def policy_out(p: Policy, now: datetime) -> dict[str, Any]:
    force = p.versions[p.in_force - 1] if p.in_force else None
    return {
        "id": p.id, **p.latest.content, "policy_version": p.latest.number,
        "approval_status": p.approval_status, "in_force_version": p.in_force,
        "approved_by": force.approved_by if force else None,
        "approved_at": force.approved_at if force else None, "reviewed_by": p.reviewed_by,
        "reviewed_at": p.reviewed_at, "next_review_at": p.next_review_at,
        "review_due": p.review_due(now), "author": p.author, "revisers": p.revisers,
        "version": p.version, "created_at": p.created_at, "updated_at": p.last_event_at,
    }  # fmt: skip


def acknowledgement_out(p: Policy, person: str) -> dict[str, Any]:
    version = p.in_force or 0
    return {
        "policy_id": p.id, "policy_version": version, "person": person,
        "acknowledged_at": p.acknowledgements.get(version, {}).get(person),
    }  # fmt: skip


def acknowledgements_out(p: Policy, audience: list[str]) -> dict[str, Any]:
    """Who acknowledged the version in force, and who of `audience` has not."""
    done = p.acknowledgements.get(p.in_force or 0, {})
    return {
        "policy_id": p.id, "policy_version": p.in_force,
        "acknowledged": [{"person": k, "acknowledged_at": at} for k, at in sorted(done.items())],
        "audience": audience, "missing": [k for k in audience if k not in done],
    }  # fmt: skip
