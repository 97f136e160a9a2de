"""The internal audit aggregate (9.2): programme entry, impartial auditors, findings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from shared.contract.annex_a import controls
from shared.contract.events.evidence import AuditCompleted, AuditPlanned, FindingKind, FindingRaised
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict, Invalid, NotAllowed

NC_KINDS = frozenset({"major_nc", "minor_nc"})
_CLAUSE = re.compile(r"^(?:[4-9]|10)(?:\.\d{1,2}){0,3}$")


def check_reference(reference: str) -> None:
    """A finding points at a clause of 4-10 ("9.2") or an Annex A control ("A.6.2.4")."""
    if not (_CLAUSE.match(reference) or reference in controls()):
        raise Invalid(f"reference {reference!r} is neither a clause (4-10) nor an Annex A control",
                      code="unknown_reference")  # fmt: skip


def check_impartiality(
    people: list[str], system_ids: list[UUID], owners: Mapping[UUID, str]
) -> None:
    """An auditor may not audit a system they own (9.2 impartiality)."""
    conflicts = [{"auditor": p, "system_id": str(s)} for s in system_ids for p in people
                 if owners.get(s) == p]  # fmt: skip
    if conflicts:
        raise NotAllowed("an auditor may not audit a system they own", code="impartiality",
                         conflicts=conflicts)  # fmt: skip


@dataclass
class Finding:
    id: UUID
    kind: str
    reference: str
    description: str
    system_id: UUID | None
    raised_by: str


@dataclass
class Audit(Aggregate):
    category = "audit"
    title: str = ""
    scope: str = ""
    criteria: str = ""
    system_ids: list[UUID] = field(default_factory=list)
    auditors: list[str] = field(default_factory=list)
    starts_on: date | None = None
    ends_on: date | None = None
    status: str = "planned"
    summary: str = ""
    findings: dict[UUID, Finding] = field(default_factory=dict)

    @classmethod
    def plan(
        cls, id: UUID, *, title: str, scope: str, criteria: str, system_ids: list[UUID],
        auditors: list[str], starts_on: date, ends_on: date, owners: Mapping[UUID, str],
    ) -> Audit:  # fmt: skip
        """A programme entry; refused when an auditor owns a system in scope."""
        if ends_on < starts_on:
            raise Invalid("ends_on is before starts_on", code="invalid_dates")
        check_impartiality(auditors, system_ids, owners)
        audit = cls(id)
        audit._emit(AuditPlanned(audit_id=id, title=title, scope=scope, criteria=criteria,
                                 system_ids=system_ids, auditors=auditors, starts_on=starts_on,
                                 ends_on=ends_on))  # fmt: skip
        return audit

    def raise_finding(
        self, finding_id: UUID, *, kind: FindingKind, reference: str, description: str,
        system_id: UUID | None, raised_by: str, on_behalf: bool, owners: Mapping[UUID, str],
    ) -> Finding:  # fmt: skip
        """Record a finding; only the audit team (or an admin) raises them, impartially."""
        if self.status == "completed":
            raise Conflict("the audit is completed", code="audit_completed")
        if raised_by not in self.auditors and not on_behalf:
            raise NotAllowed(f"{raised_by} is not an auditor of this audit", code="not_auditor")
        if system_id is not None and self.system_ids and system_id not in self.system_ids:
            raise Invalid("the system is not in the audit's scope", code="out_of_scope")
        check_reference(reference)
        if system_id is not None:
            check_impartiality([raised_by], [system_id], owners)
        self._emit(FindingRaised(audit_id=self.id, finding_id=finding_id, kind=kind,
                                 reference=reference, description=description,
                                 system_id=system_id, raised_by=raised_by))  # fmt: skip
        return self.findings[finding_id]

    def complete(self, summary: str, by: str) -> None:
        """Close the audit with its summary (the audit report)."""
        if self.status == "completed":
            raise Conflict("the audit is already completed", code="audit_completed")
        self._emit(AuditCompleted(audit_id=self.id, summary=summary, completed_by=by,
                                  system_ids=self.system_ids))  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        match event:
            case AuditPlanned():
                self.title, self.scope, self.criteria = event.title, event.scope, event.criteria
                self.system_ids, self.auditors = list(event.system_ids), list(event.auditors)
                self.starts_on, self.ends_on = event.starts_on, event.ends_on
            case FindingRaised():
                self.findings[event.finding_id] = Finding(
                    event.finding_id, event.kind, event.reference, event.description,
                    event.system_id, event.raised_by,
                )  # fmt: skip
            case AuditCompleted():
                self.status, self.summary = "completed", event.summary
