"""The status rule of AI objectives: met, missed, at_risk, on_track."""

from datetime import date

import pytest

from services.risk.objectives.domain import objective_status

START, DUE = date(2026, 1, 1), date(2026, 1, 11)  # ten days


def status(today: date, latest: float | None, reference: float | None = 0.0,
           direction: str = "at_least") -> str:  # fmt: skip
    return objective_status(target=10.0, direction=direction, reference=reference,
                            latest=latest, start=START, due=DUE, today=today)  # fmt: skip


@pytest.mark.parametrize(
    ("today", "latest", "reference", "direction", "expected"),
    [
        (date(2026, 1, 5), 10.0, 0.0, "at_least", "met"),  # reaches the target
        (date(2026, 2, 1), 12.0, 0.0, "at_least", "met"),  # met stays met after the due date
        (date(2026, 1, 12), 9.0, 0.0, "at_least", "missed"),  # due date passed, not reached
        (date(2026, 1, 12), None, None, "at_least", "missed"),
        (date(2026, 1, 6), 5.0, 0.0, "at_least", "on_track"),  # half the time, half the way
        (date(2026, 1, 6), 4.0, 0.0, "at_least", "at_risk"),  # behind the line
        (date(2026, 1, 11), 9.0, 0.0, "at_least", "at_risk"),  # due today, not reached
        (date(2026, 1, 1), None, 0.0, "at_least", "on_track"),  # just set, baseline only
        (date(2026, 1, 3), None, 0.0, "at_least", "at_risk"),  # time passes, no progress
        (date(2026, 1, 6), None, None, "at_least", "on_track"),  # nothing known, half time
        (date(2026, 1, 7), None, None, "at_least", "at_risk"),  # nothing known, past half
        (date(2026, 1, 6), 15.0, 20.0, "at_most", "on_track"),  # falling towards 10
        (date(2026, 1, 6), 16.0, 20.0, "at_most", "at_risk"),
        (date(2026, 1, 6), 10.0, 20.0, "at_most", "met"),
    ],
)
def test_the_status_follows_the_documented_rule(today, latest, reference, direction, expected):
    assert status(today, latest, reference, direction) == expected
