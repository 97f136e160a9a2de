"""Risk criteria (6.1.1): scales, the matrix mapping them to levels, and the appetite."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from shared.contract import criteria as defaults
from shared.contract.events.approvals import ApprovalRef
from shared.contract.events.risk import RiskCriteriaSet
from shared.domain.aggregate import DomainEvent
from shared.domain.approvals import ChangeControlled, ChangeRequest
from shared.domain.errors import Invalid

# The organisation has one set of criteria; its stream is `criteria-<CRITERIA_ID>`.
CRITERIA_ID = uuid.UUID("6c1d4a8e-2f1b-4c53-9a0e-4201c0de0001")
FIELDS = ("likelihood_labels", "consequence_labels", "levels", "matrix", "appetite")
# New criteria (scales, matrix, appetite) wait for an approver other than the requester.
CHANGE = "criteria.change"


def _error(loc: list[str | int], msg: str, kind: str = "value_error") -> dict[str, Any]:
    return {"loc": ["body", *map(str, loc)], "msg": msg, "type": kind}


def problems(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """What is wrong with a criteria document (empty when it is consistent)."""
    errs = []
    lk, cq, levels = doc["likelihood_labels"], doc["consequence_labels"], doc["levels"]
    if len(set(levels)) != len(levels):
        errs.append(_error(["levels"], "level names must be unique"))
    if doc["appetite"] not in levels:
        errs.append(_error(["appetite"], f"appetite must be one of {levels}"))
    matrix = doc["matrix"]
    if len(matrix) != len(lk):
        errs.append(_error(["matrix"], f"matrix needs {len(lk)} rows, one per likelihood"))
    for i, row in enumerate(matrix):
        if len(row) != len(cq):
            errs.append(_error(["matrix", i], f"row needs {len(cq)} cells, one per consequence"))
        for j, cell in enumerate(row):
            if cell not in levels:
                errs.append(_error(["matrix", i, j], f"{cell!r} is not one of {levels}"))
    if not errs and not _monotonic(matrix, levels):
        errs.append(
            _error(["matrix"], "a higher likelihood or consequence may not lower the level")
        )
    return errs


def _monotonic(matrix: list[list[str]], levels: list[str]) -> bool:
    rank = {name: i for i, name in enumerate(levels)}
    rows, cols = len(matrix), len(matrix[0]) if matrix else 0
    return all(
        (i == 0 or rank[matrix[i][j]] >= rank[matrix[i - 1][j]])
        and (j == 0 or rank[matrix[i][j]] >= rank[matrix[i][j - 1]])
        for i in range(rows)
        for j in range(cols)
    )


def check_scores(doc: dict[str, Any], likelihood: int, consequence: int) -> None:
    """Raise Invalid unless both values lie on the scales of `doc`."""
    errs = []
    for name, value, labels in (
        ("likelihood", likelihood, doc["likelihood_labels"]),
        ("consequence", consequence, doc["consequence_labels"]),
    ):
        if not 1 <= value <= len(labels):
            errs.append(_error([name], f"must be between 1 and {len(labels)}", "out_of_range"))
    if errs:
        names = ", ".join(e["loc"][-1] for e in errs)
        raise Invalid(f"invalid request: {names} off the risk criteria scale", errors=errs)


def score(doc: dict[str, Any], likelihood: int, consequence: int) -> str:
    """The level of a likelihood x consequence pair; raises Invalid off the scales."""
    check_scores(doc, likelihood, consequence)
    return defaults.score(doc, likelihood, consequence)


def above_appetite(doc: dict[str, Any], level: str) -> bool:
    """True when `level` exceeds the appetite of `doc` (unknown levels count as above)."""
    if level not in doc["levels"]:
        return True
    return defaults.above_appetite(doc, level)


@dataclass
class RiskCriteria(ChangeControlled):
    """The versioned criteria; version 0 is the built-in default until the first set."""

    category = "criteria"
    current: dict[str, Any] = field(default_factory=lambda: dict(defaults.DEFAULT))
    history: dict[int, dict[str, Any]] = field(default_factory=lambda: {0: dict(defaults.DEFAULT)})

    @property
    def criteria_version(self) -> int:
        return int(self.current["criteria_version"])

    def of_version(self, version: int) -> dict[str, Any]:
        """The criteria that were current as version `version` (the latest if unknown)."""
        return self.history.get(version, self.current)

    def decision(self, doc: dict[str, Any]) -> str | None:
        """The approval new criteria need (none when nothing changes); Invalid if inconsistent."""
        errs = problems(doc)
        if errs:
            raise Invalid("the risk criteria are inconsistent", code="validation", errors=errs)
        return None if all(doc[k] == self.current[k] for k in FIELDS) else CHANGE

    def basis(self) -> dict[str, Any]:
        """What a requested change is asked against: the version in force."""
        return {"criteria_version": self.criteria_version}

    def carry_out(self, req: ChangeRequest, ref: ApprovalRef) -> None:
        """Adopt approved criteria, citing the approval."""
        self.check_basis(req, self.basis())
        self.set(req.change, ref)

    def set(self, doc: dict[str, Any], approval: ApprovalRef | None = None) -> None:
        """Adopt new criteria (the effect of an approval); Invalid lists every inconsistency."""
        if self.decision(doc) is None and approval is None:
            return
        new = {k: doc[k] for k in FIELDS}
        self._emit(
            RiskCriteriaSet(criteria_version=self.criteria_version + 1, approval=approval, **new)
        )

    def apply(self, event: DomainEvent) -> None:
        self.track_approvals(event)
        match event:
            case RiskCriteriaSet():
                self.current = event.model_dump(exclude={"approval"})
                self.history[event.criteria_version] = self.current
