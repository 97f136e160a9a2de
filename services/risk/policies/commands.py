"""What may be asked of AI policies."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class PolicyText:
    """What a version of the policy says: Markdown, or a document recorded as evidence."""

    title: str
    body: str = ""
    evidence_id: UUID | None = None
    scope: str = ""
    control_ids: tuple[str, ...] = ()
    review_every_days: int = 365
    owner: str | None = None  # None: the writer of a new policy, else the owner so far


@dataclass(frozen=True)
class DraftPolicy:
    """Write the first version of an AI policy."""

    text: PolicyText


@dataclass(frozen=True)
class RevisePolicy:
    """Write a new version; the approved one stays in force until this one is approved."""

    policy_id: UUID
    text: PolicyText
    change_note: str = ""
    expected_version: int | None = None


@dataclass(frozen=True)
class ApprovePolicy:
    """Approve the latest version, or confirm it at its planned review if it is approved."""

    policy_id: UUID
    comment: str = ""
    expected_version: int | None = None


@dataclass(frozen=True)
class AcknowledgePolicy:
    """The caller acknowledges the version in force (optionally naming the one they read)."""

    policy_id: UUID
    policy_version: int | None = None
