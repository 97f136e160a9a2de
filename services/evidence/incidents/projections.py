"""Read models of incidents and their notifications to authorities."""

from __future__ import annotations

from services.evidence.trail.domain import actor
from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, instant, uid


class Incidents(WritesProjection):
    """AI incidents with their deadline and whether the initial notification went out."""

    name = "evidence.incidents"
    tables = ("evidence_incident", "evidence_incident_notification")
    types = frozenset({
        "IncidentReported", "IncidentReclassified", "IncidentStatusChanged",
        "IncidentNotificationSent", "IncidentNonconformityRaised", "IncidentClosed",
    })  # fmt: skip

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d, iid = e.data, uid(e.data["incident_id"])
        key, at = [("incident", iid)], e.recorded_at
        match e.type:
            case "IncidentReported":
                w.add(
                    key,
                    "INSERT INTO evidence_incident (id, title, severity, serious, widespread,"
                    " harm, status, system_ids, reported_by, concern_id, occurred_at, aware_at,"
                    " notification_due_at, deadline_rule, deadline_article, created_position,"
                    " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'detected', $7,"
                    " $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)"
                    " ON CONFLICT (id) DO NOTHING",
                    iid, d["title"], d["severity"], d["serious"], d.get("widespread", False),
                    d.get("harm") or [], [uid(s) for s in d.get("system_ids") or []],
                    d["reported_by"], uid(d["concern_id"]) if d.get("concern_id") else None,
                    instant(d["occurred_at"]), instant(d["aware_at"]),
                    instant(d.get("notification_due_at")), d.get("deadline_rule"),
                    d.get("deadline_article"), e.position, at,
                )  # fmt: skip
            case "IncidentReclassified":
                w.add(
                    key,
                    "UPDATE evidence_incident SET severity = $2, serious = $3, widespread = $4,"
                    " harm = $5, notification_due_at = $6, deadline_rule = $7,"
                    " deadline_article = $8, updated_at = $9 WHERE id = $1",
                    iid, d["severity"], d["serious"], d["widespread"], d["harm"],
                    instant(d.get("notification_due_at")), d.get("deadline_rule"),
                    d.get("deadline_article"), at,
                )  # fmt: skip
            case "IncidentStatusChanged":
                w.add(key, "UPDATE evidence_incident SET status = $2, updated_at = $3"
                           " WHERE id = $1", iid, d["to"], at)  # fmt: skip
            case "IncidentNotificationSent":
                self._notification(w, e)
            case "IncidentNonconformityRaised":
                w.add(
                    key,
                    "UPDATE evidence_incident SET nonconformity_ids ="
                    " array_append(nonconformity_ids, $2), updated_at = $3 WHERE id = $1",
                    iid, uid(d["nc_id"]), at,
                )  # fmt: skip
            case "IncidentClosed":
                w.add(
                    key,
                    "UPDATE evidence_incident SET status = 'closed', resolution = $2,"
                    " closed_by = $3, closed_at = $4, updated_at = $4 WHERE id = $1",
                    iid, d["resolution"], d["closed_by"], at,
                )  # fmt: skip

    @staticmethod
    def _notification(w: Writes, e: StoredEvent) -> None:
        d, iid, nid = e.data, uid(e.data["incident_id"]), uid(e.data["notification_id"])
        sent = instant(d["sent_at"])
        w.add(
            [("notification", nid)],
            "INSERT INTO evidence_incident_notification (id, incident_id, kind, authority,"
            " sent_at, reference, on_time, recorded_by, created_position, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING",
            nid, iid, d["kind"], d["authority"], sent, d.get("reference", ""), d.get("on_time"),
            d.get("recorded_by") or actor(e), e.position, e.recorded_at,
        )  # fmt: skip
        w.add(
            [("incident", iid)],
            "UPDATE evidence_incident SET notification_count = notification_count + 1,"
            " initial_notified_at = CASE WHEN $2 = 'initial' THEN coalesce(initial_notified_at,"
            " $3) ELSE initial_notified_at END, updated_at = $4 WHERE id = $1",
            iid, d["kind"], sent, e.recorded_at,
        )  # fmt: skip
