"""What the SDK answers besides plain JSON documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Decision:
    """A deployment-gate answer."""

    decision_id: str
    allowed: bool
    reasons: list[dict[str, str]]
    policy_version: str
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def of(cls, body: dict[str, Any]) -> Decision:
        """The decision a `POST /v1/deployment-decisions` answer holds."""
        return cls(
            str(body["decision_id"]), body["decision"] == "allow", body.get("reasons", []),
            body.get("policy_version", ""), body,
        )  # fmt: skip
