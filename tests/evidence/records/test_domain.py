"""The evidence aggregate: rules checked before anything is recorded."""

import uuid
from datetime import UTC, datetime

import pytest

from services.evidence.records.domain import Evidence
from shared.domain.errors import Invalid


def test_evidence_validity_must_end_after_collection():
    t = datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(Invalid):
        Evidence.record(
            uuid.uuid4(),
            kind="k",
            title="t",
            sha256="a" * 64,
            uri="u",
            collected_at=t,
            valid_until=t,
        )
