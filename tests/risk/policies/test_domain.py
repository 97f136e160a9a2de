"""The AI policy aggregate: versions, approval, review and acknowledgements (no I/O)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.risk.policies.domain import Policy
from shared.domain.errors import Conflict, NotAllowed
from shared.kernel.requestctx import Actor

NOW = datetime(2026, 6, 1, tzinfo=UTC)
CONTENT = {"title": "AI policy", "body": "text", "evidence_id": None, "scope": "",
           "control_ids": ["A.2.2"], "review_every_days": 30, "owner": "rita"}  # fmt: skip


def approver(sub: str = "alex") -> Actor:
    return Actor(sub, frozenset({"approver"}))


def types(p: Policy) -> list[str]:
    return [e.type_name() for e in p.pending]


def test_the_author_may_not_approve_and_a_second_approval_is_the_planned_review():
    p = Policy.draft(uuid.uuid4(), CONTENT, "rita")
    with pytest.raises(NotAllowed):
        p.approve(approver("rita"), NOW)
    p.approve(approver(), NOW)
    assert p.in_force == 1 and p.next_review_at == NOW + timedelta(days=30)
    p.approve(approver("bea"), NOW + timedelta(days=31))
    assert types(p) == ["PolicyDrafted", "PolicyApproved", "PolicyReviewed"]
    assert p.reviewed_by == "bea" and p.next_review_at == NOW + timedelta(days=61)


def test_a_new_version_leaves_the_approved_one_in_force_and_excludes_its_writer():
    p = Policy.draft(uuid.uuid4(), CONTENT, "rita")
    p.approve(approver(), NOW)
    p.revise({**CONTENT, "body": "new"}, "bob")
    p.revise({**CONTENT, "body": "new"}, "bob")  # the same text again: no version
    assert [v.number for v in p.versions] == [1, 2] and p.in_force == 1
    assert p.approval_status == "pending" and p.revisers == ["bob"]
    with pytest.raises(NotAllowed):
        p.approve(approver("bob"), NOW)
    p.approve(approver(), NOW)
    assert p.in_force == 2 and p.latest.approved_by == "alex"


def test_acknowledgements_count_once_per_person_and_version_in_force():
    p = Policy.draft(uuid.uuid4(), CONTENT, "rita")
    with pytest.raises(Conflict):
        p.acknowledge("vic")
    p.approve(approver(), NOW)
    p.acknowledge("vic")
    p.acknowledge("vic")
    with pytest.raises(Conflict):
        p.acknowledge("ann", version=2)
    assert types(p).count("PolicyAcknowledged") == 1 and set(p.acknowledgements[1]) == {"vic"}
