"""Risk criteria: the default five-by-five matrix, custom scales, refused documents (pure)."""

import uuid

import pytest

from services.risk.criteria.domain import RiskCriteria, score
from shared.domain.errors import Invalid
from tests.support.risk import THREE_BY_THREE, custom


def test_default_criteria_score_a_five_by_five_matrix():
    c = RiskCriteria(uuid.uuid4())
    assert c.criteria_version == 0
    assert [score(c.current, 1, 1), score(c.current, 3, 3), score(c.current, 5, 5)] == [
        "low",
        "medium",
        "critical",
    ]


def test_criteria_whose_matrix_does_not_match_the_scales_are_refused():
    bad = {**THREE_BY_THREE, "matrix": [["acceptable"] * 3] * 2, "appetite": "nope"}
    with pytest.raises(Invalid) as exc:
        RiskCriteria(uuid.uuid4()).set(bad)
    locs = {tuple(e["loc"]) for e in exc.value.extra["errors"]}
    assert {("body", "matrix"), ("body", "appetite")} <= locs


def test_criteria_with_unknown_levels_or_a_falling_matrix_are_refused():
    unknown = {**THREE_BY_THREE, "matrix": [["acceptable", "x", "tolerable"]] * 3}
    falling = {**THREE_BY_THREE, "matrix": [["intolerable", "acceptable", "acceptable"]] * 3}
    for doc in (unknown, falling):
        with pytest.raises(Invalid):
            RiskCriteria(uuid.uuid4()).set(doc)


def test_setting_the_same_criteria_again_emits_nothing():
    c = custom()
    c.pending.clear()
    c.set(THREE_BY_THREE)
    assert c.pending == []
