"""Four-eyes approvals in tests: a second person who approves what waits."""

from __future__ import annotations

from typing import Any

from tests.support.apps import auth

# Holds every deciding role of the default separation-of-duties policy, and is nobody's
# requester, author or owner in the tests.
CHECKER = auth("cora", "approver", "admin")


async def approved(c: Any, pending: Any, headers: dict[str, str] = CHECKER) -> Any:
    """Approve the change a 202 response asked for; returns the approval's response."""
    assert pending.status_code == 202, pending.text
    r = await c.post(pending.headers["location"] + "/approve", json={"comment": "checked"},
                     headers=headers)  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    return r
