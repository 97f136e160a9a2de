"""Read models of AI objectives: one row per objective (with the values its status needs),
one per measurement."""

from __future__ import annotations

from typing import Any

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid

_COLUMNS = "title, measure, unit, target, direction, baseline, due, owner, system_ids"
_SET = ", ".join(f"{c} = ${i}" for i, c in enumerate(_COLUMNS.split(", "), start=2))
# A measurement moves the latest value (a later or equal time) and the first one (earlier).
_MEASURED = (
    "UPDATE risk_objective SET"
    " latest_value = CASE WHEN latest_measured_at IS NULL OR $3 >= latest_measured_at"
    " THEN $2 ELSE latest_value END,"
    " latest_measured_at = CASE WHEN latest_measured_at IS NULL OR $3 >= latest_measured_at"
    " THEN $3 ELSE latest_measured_at END,"
    " first_value = CASE WHEN first_measured_at IS NULL OR $3 < first_measured_at"
    " THEN $2 ELSE first_value END,"
    " first_measured_at = CASE WHEN first_measured_at IS NULL OR $3 < first_measured_at"
    " THEN $3 ELSE first_measured_at END,"
    " measurements = measurements + 1, version = $4, updated_at = $5 WHERE id = $1"
)


class ObjectiveList(WritesProjection):
    """One row per AI objective, one per measurement."""

    name = "risk.objectives"
    tables = ("risk_objective", "risk_objective_measurement")
    types = frozenset({"ObjectiveSet", "ObjectiveRevised", "ObjectiveApproved",
                       "ObjectiveMeasured"})  # fmt: skip

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d = e.data
        key, oid = [("objective", d["objective_id"])], uid(d["objective_id"])
        if e.type == "ObjectiveSet":
            w.add(key,
                  f"INSERT INTO risk_objective (id, {_COLUMNS}, author, approval_status,"
                  " measurements, version, created_position, created_at, updated_at) VALUES ($1,"
                  " $2, $3, $4, $5, $6, $7, $8::text::date, $9, $10, $11, 'pending', 0, $12, $13,"
                  " $14, $14) ON CONFLICT DO NOTHING",
                  oid, *_content(d), d["set_by"], e.version, e.position, e.recorded_at)  # fmt: skip
        elif e.type == "ObjectiveRevised":
            w.add(key,
                  f"UPDATE risk_objective SET {_SET.replace('$8', '$8::text::date')},"
                  " approval_status = 'pending', approved_by = NULL, approved_at = NULL,"
                  " version = $11, updated_at = $12 WHERE id = $1",
                  oid, *_content(d), e.version, e.recorded_at)  # fmt: skip
        elif e.type == "ObjectiveApproved":
            w.add(key,
                  "UPDATE risk_objective SET approval_status = 'approved', approved_by = $2,"
                  " approved_at = $3, version = $4, updated_at = $3 WHERE id = $1",
                  oid, d["approved_by"], e.recorded_at, e.version)  # fmt: skip
        else:
            at = d["measured_at"]
            w.add(key, _MEASURED.replace("$3", "$3::text::timestamptz"),
                  oid, d["value"], at, e.version, e.recorded_at)  # fmt: skip
            evidence = d.get("evidence_id")
            w.add(key,
                  "INSERT INTO risk_objective_measurement (id, objective_id, value, measured_at,"
                  " note, evidence_id, recorded_by, created_position, created_at) VALUES ($1,"
                  " $2, $3, $4::text::timestamptz, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                  uid(d["measurement_id"]), oid, d["value"], at, d.get("note", ""),
                  uid(evidence) if evidence else None, d["recorded_by"], e.position,
                  e.recorded_at)  # fmt: skip


def _content(d: dict[str, Any]) -> tuple[Any, ...]:
    return (
        d["title"], d["measure"], d.get("unit", ""), d["target"], d["direction"],
        d.get("baseline"), d["due"], d["owner"], [uid(s) for s in d.get("system_ids") or []],
    )  # fmt: skip
