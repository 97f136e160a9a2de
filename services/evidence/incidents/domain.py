"""The AI incident aggregate (A.8.4, 10.2, EU AI Act Art. 73): report, triage, notify, close."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, get_args
from uuid import UUID

from services.evidence.incidents.deadlines import DeadlineRules
from shared.contract.events.evidence import (
    Harm,
    IncidentClosed,
    IncidentNonconformityRaised,
    IncidentNotificationSent,
    IncidentReclassified,
    IncidentReported,
    IncidentStatus,
    IncidentStatusChanged,
    NotificationKind,
    Severity,
)
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict, Invalid
from shared.domain.sod import SodPolicy, default_policy

CLOSURE = "incident.closure"  # its separation-of-duties decision
# Where each status may go through `POST /status` (forward, or reopening a resolved
# incident); `closed` only through `close`, from any status before it.
NEXT: dict[str, frozenset[str]] = {
    "detected": frozenset({"triaged", "reported", "investigating", "resolved"}),
    "triaged": frozenset({"reported", "investigating", "resolved"}),
    "reported": frozenset({"investigating", "resolved"}),
    "investigating": frozenset({"resolved"}),
    "resolved": frozenset({"investigating"}),
    "closed": frozenset(),
}
CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of our clock a reported time may be


@dataclass(frozen=True)
class Classification:
    """How bad an incident is; `serious` starts the Art. 73 clock."""

    severity: Severity
    serious: bool
    widespread: bool = False
    harm: tuple[Harm, ...] = ()


@dataclass
class Notification:
    id: UUID
    kind: NotificationKind
    authority: str
    sent_at: datetime
    reference: str
    recorded_by: str
    on_time: bool | None


@dataclass
class Incident(Aggregate):
    category = "incident"
    system_ids: list[UUID] = field(default_factory=list)
    title: str = ""
    description: str = ""
    occurred_at: datetime | None = None
    aware_at: datetime | None = None
    severity: Severity = "low"
    serious: bool = False
    widespread: bool = False
    harm: list[Harm] = field(default_factory=list)
    status: IncidentStatus = "detected"
    reported_by: str = ""
    concern_id: UUID | None = None
    notification_due_at: datetime | None = None
    deadline_rule: str | None = None
    deadline_article: str | None = None
    notifications: list[Notification] = field(default_factory=list)
    nonconformity_ids: list[UUID] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    resolution: str | None = None
    closed_by: str | None = None

    @classmethod
    def report(
        cls, id: UUID, *, system_ids: list[UUID], title: str, description: str,
        occurred_at: datetime, aware_at: datetime, classification: Classification,
        reported_by: str, rules: DeadlineRules, now: datetime, concern_id: UUID | None = None,
    ) -> Incident:  # fmt: skip
        """A new incident (`detected`); a serious one gets its notification deadline."""
        _check_times(occurred_at, aware_at, now)
        inc = cls(id)
        inc._emit(IncidentReported(
            incident_id=id, system_ids=_unique(system_ids), title=title, description=description,
            occurred_at=occurred_at, aware_at=aware_at, severity=classification.severity,
            serious=classification.serious, widespread=classification.widespread,
            harm=_harms(classification.harm), reported_by=reported_by,
            concern_id=concern_id, **_deadline(classification, aware_at, rules),
        ))  # fmt: skip
        return inc

    def reclassify(self, c: Classification, reason: str, by: str, rules: DeadlineRules) -> None:
        """Change the classification; the deadline follows, still counted from `aware_at`."""
        self._open()
        before = (self.severity, self.serious, self.widespread, tuple(self.harm))
        new = (c.severity, c.serious, c.widespread, tuple(_harms(c.harm)))
        if before == new:
            raise Conflict("the incident is already classified so", code="classification_unchanged")
        assert self.aware_at is not None  # set by IncidentReported
        self._emit(IncidentReclassified(
            incident_id=self.id, system_ids=self.system_ids, serious=c.serious,
            severity=c.severity, widespread=c.widespread, harm=list(new[3]), reason=reason,
            reclassified_by=by, **_deadline(c, self.aware_at, rules),
        ))  # fmt: skip

    def change_status(self, to: IncidentStatus, comment: str, by: str) -> None:
        """Move along detected -> triaged -> reported -> investigating -> resolved."""
        if to == "closed":
            raise Invalid("an incident closes through POST /v1/incidents/{id}/close, with its"
                          " resolution", code="close_with_resolution")  # fmt: skip
        self._open()
        if to == self.status:
            raise Conflict(f"the incident is already {to}", code="status_unchanged")
        if to not in NEXT[self.status]:
            raise Conflict(
                f"an incident that is {self.status} cannot move to {to}",
                code="invalid_transition", allowed=sorted(NEXT[self.status]),
            )  # fmt: skip
        self._emit(IncidentStatusChanged(incident_id=self.id, system_ids=self.system_ids,
                                         frm=self.status, to=to, comment=comment,
                                         changed_by=by))  # fmt: skip

    def notify(
        self, notification_id: UUID, kind: NotificationKind, authority: str, sent_at: datetime,
        reference: str, by: str, now: datetime,
    ) -> Notification:  # fmt: skip
        """Record a notification to an authority: one initial first, at most one final."""
        if sent_at > now + CLOCK_SKEW:
            raise Invalid("sent_at is in the future", code="time_in_future", field="sent_at")
        if self.occurred_at is not None and sent_at < self.occurred_at:
            raise Invalid("sent_at is before the incident occurred", code="sent_before_occurred")
        kinds = {n.kind for n in self.notifications}
        if kind == "initial" and "initial" in kinds:
            raise Conflict("the initial notification is already recorded",
                           code="initial_notification_sent")  # fmt: skip
        if kind != "initial" and "initial" not in kinds:
            raise Conflict(f"a {kind} notification follows the initial one; record that first",
                           code="initial_notification_missing")  # fmt: skip
        if "final" in kinds:
            raise Conflict("the final notification is already recorded",
                           code="final_notification_sent")  # fmt: skip
        due = self.notification_due_at
        on_time = sent_at <= due if kind == "initial" and due is not None else None
        self._emit(IncidentNotificationSent(
            incident_id=self.id, system_ids=self.system_ids, notification_id=notification_id,
            kind=kind, authority=authority, sent_at=sent_at, reference=reference,
            recorded_by=by, on_time=on_time,
        ))  # fmt: skip
        return self.notifications[-1]

    def link_nonconformity(self, nc_id: UUID, by: str) -> None:
        """Record the nonconformity this incident raised (also after closure: lessons learnt)."""
        self._emit(IncidentNonconformityRaised(incident_id=self.id, system_ids=self.system_ids,
                                               nc_id=nc_id, raised_by=by))  # fmt: skip

    def close(
        self, resolution: str, by: str, relations: dict[str, set[str]],
        sod: SodPolicy | None = None,
    ) -> None:  # fmt: skip
        """Close with a resolution, by someone the separation-of-duties policy does not
        exclude (by default the reporter and whoever raised its concern: 403)."""
        self._open()
        (sod or default_policy()).check_excluded(CLOSURE, by, relations)
        self._emit(IncidentClosed(incident_id=self.id, system_ids=self.system_ids,
                                  resolution=resolution, closed_by=by,
                                  frm=self.status))  # fmt: skip

    def relations(self) -> dict[str, set[str]]:
        """Who stands how to it: its reporter (the concern's reporter is added by the caller)."""
        return {"reporter": {self.reported_by} if self.reported_by else set()}

    def initial_notification(self) -> Notification | None:
        return next((n for n in self.notifications if n.kind == "initial"), None)

    def overdue(self, now: datetime) -> bool:
        """Past the notification deadline with no initial notification sent."""
        due = self.notification_due_at
        return due is not None and now > due and self.initial_notification() is None

    def _open(self) -> None:
        if self.status == "closed":
            raise Conflict("the incident is closed", code="incident_closed")

    def apply(self, event: DomainEvent) -> None:
        match event:
            case IncidentReported():
                self.system_ids, self.title = list(event.system_ids), event.title
                self.description, self.reported_by = event.description, event.reported_by
                self.occurred_at, self.aware_at = event.occurred_at, event.aware_at
                self.concern_id = event.concern_id
                self._classify(event)
            case IncidentReclassified():
                self._classify(event)
            case IncidentStatusChanged():
                self.status = event.to
                self.history.append({"frm": event.frm, "to": event.to, "comment": event.comment,
                                     "by": event.changed_by})  # fmt: skip
            case IncidentNotificationSent():
                self.notifications.append(Notification(
                    event.notification_id, event.kind, event.authority, event.sent_at,
                    event.reference, event.recorded_by, event.on_time,
                ))  # fmt: skip
            case IncidentNonconformityRaised():
                self.nonconformity_ids.append(event.nc_id)
            case IncidentClosed():
                closing = {"frm": self.status, "to": "closed", "comment": event.resolution}
                self.history.append({**closing, "by": event.closed_by})
                self.status, self.resolution = "closed", event.resolution
                self.closed_by = event.closed_by

    def _classify(self, e: IncidentReported | IncidentReclassified) -> None:
        self.severity, self.serious, self.widespread = e.severity, e.serious, e.widespread
        self.harm = list(e.harm)
        self.notification_due_at = e.notification_due_at
        self.deadline_rule, self.deadline_article = e.deadline_rule, e.deadline_article


def _deadline(c: Classification, aware_at: datetime, rules: DeadlineRules) -> dict[str, Any]:
    """The deadline fields of an event: set for a serious incident, None otherwise."""
    if not c.serious:
        return {"notification_due_at": None, "deadline_rule": None, "deadline_article": None}
    d = rules.deadline(aware_at, c.widespread, c.harm)
    return {"notification_due_at": d.due_at, "deadline_rule": d.rule.id,
            "deadline_article": d.rule.article}  # fmt: skip


def _check_times(occurred_at: datetime, aware_at: datetime, now: datetime) -> None:
    for name, value in (("occurred_at", occurred_at), ("aware_at", aware_at)):
        if value > now + CLOCK_SKEW:
            raise Invalid(f"{name} is in the future", code="time_in_future", field=name)
    if aware_at < occurred_at:
        raise Invalid("aware_at is before occurred_at: no one learns of an incident before it"
                      " happens", code="aware_before_occurred")  # fmt: skip


def _unique(ids: list[UUID]) -> list[UUID]:
    return list(dict.fromkeys(ids))


def _harms(harm: Iterable[Harm]) -> list[Harm]:
    """Each harm once, in the order Art. 3(49) lists them (so equal sets compare equal)."""
    wanted = set(harm)
    return [h for h in get_args(Harm) if h in wanted]
