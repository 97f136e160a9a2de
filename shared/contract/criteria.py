"""Default risk criteria (6.1.1), shared so every service scores the same way until changed."""

from __future__ import annotations

from typing import Any

LEVELS = ["low", "medium", "high", "critical"]
LIKELIHOOD_LABELS = ["rare", "unlikely", "possible", "likely", "almost certain"]
CONSEQUENCE_LABELS = ["negligible", "minor", "moderate", "major", "severe"]


def _level(score: int) -> str:
    if score <= 4:
        return "low"
    if score <= 9:
        return "medium"
    if score <= 16:
        return "high"
    return "critical"


DEFAULT_MATRIX = [[_level(lk * cq) for cq in range(1, 6)] for lk in range(1, 6)]

# Version 0 is the built-in default; the first RiskCriteriaSet event is version 1.
DEFAULT: dict[str, Any] = {
    "criteria_version": 0,
    "likelihood_labels": LIKELIHOOD_LABELS,
    "consequence_labels": CONSEQUENCE_LABELS,
    "levels": LEVELS,
    "matrix": DEFAULT_MATRIX,
    "appetite": "medium",
}


def score(criteria: dict[str, Any], likelihood: int, consequence: int) -> str:
    """The level a likelihood x consequence pair maps to under `criteria`."""
    return str(criteria["matrix"][likelihood - 1][consequence - 1])


def rank(criteria: dict[str, Any], level: str) -> int:
    """Position of a level, lowest first."""
    return list(criteria["levels"]).index(level)


def above_appetite(criteria: dict[str, Any], level: str) -> bool:
    """True when a risk at `level` may not be retained without an accepted request."""
    return rank(criteria, level) > rank(criteria, criteria["appetite"])
