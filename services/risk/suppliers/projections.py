"""The read model of suppliers: one row per supplier, with its links and review clock."""

from __future__ import annotations

from typing import Any

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid

_COLUMNS = (
    "name, services, contract_ref, due_diligence, review_every_days, description, owner,"
    " system_ids, risk_ids, next_review_at"
)
_SET = ", ".join(f"{c} = ${i}" for i, c in enumerate(_COLUMNS.split(", "), start=2))
_AT = "$11::text::timestamptz"  # next_review_at, as the events write it


class SupplierList(WritesProjection):
    """One row per supplier."""

    name = "risk.suppliers"
    tables = ("risk_supplier",)
    types = frozenset({"SupplierRegistered", "SupplierRevised", "SupplierReviewed",
                       "SupplierApproved", "SupplierRetired"})  # fmt: skip

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d = e.data
        key, sid = [("supplier", d["supplier_id"])], uid(d["supplier_id"])
        if e.type == "SupplierRegistered":
            w.add(key,
                  f"INSERT INTO risk_supplier (id, {_COLUMNS}, author, approval_status, status,"
                  " version, created_position, created_at, updated_at) VALUES ($1, $2, $3, $4,"
                  f" $5, $6, $7, $8, $9, $10, {_AT}, $12, 'pending', 'active', $13, $14, $15,"
                  " $15) ON CONFLICT DO NOTHING",
                  sid, *_content(d), d["registered_by"], e.version, e.position,
                  e.recorded_at)  # fmt: skip
        elif e.type == "SupplierRevised":
            w.add(key,
                  f"UPDATE risk_supplier SET {_SET.replace('$11', _AT)},"
                  " approval_status = 'pending', approved_by = NULL, approved_at = NULL,"
                  " version = $12, updated_at = $13 WHERE id = $1",
                  sid, *_content(d), e.version, e.recorded_at)  # fmt: skip
        elif e.type == "SupplierReviewed":
            w.add(key,
                  "UPDATE risk_supplier SET due_diligence = $2,"
                  " next_review_at = $3::text::timestamptz, reviewed_at = $4,"
                  " approval_status = CASE WHEN $2 = 'passed' THEN approval_status"
                  " ELSE 'pending' END,"
                  " approved_by = CASE WHEN $2 = 'passed' THEN approved_by END,"
                  " approved_at = CASE WHEN $2 = 'passed' THEN approved_at END,"
                  " version = $5, updated_at = $4 WHERE id = $1",
                  sid, d["due_diligence"], d["next_review_at"], e.recorded_at,
                  e.version)  # fmt: skip
        elif e.type == "SupplierApproved":
            w.add(key,
                  "UPDATE risk_supplier SET approval_status = 'approved', approved_by = $2,"
                  " approved_at = $3, version = $4, updated_at = $3 WHERE id = $1",
                  sid, d["approved_by"], e.recorded_at, e.version)  # fmt: skip
        else:
            w.add(key,
                  "UPDATE risk_supplier SET status = 'retired', version = $2, updated_at = $3"
                  " WHERE id = $1",
                  sid, e.version, e.recorded_at)  # fmt: skip


def _content(d: dict[str, Any]) -> tuple[Any, ...]:
    return (
        d["name"], d["services"], d.get("contract_ref", ""), d["due_diligence"],
        d["review_every_days"], d.get("description", ""), d["owner"],
        [uid(s) for s in d.get("system_ids") or []], [uid(r) for r in d.get("risk_ids") or []],
        d["next_review_at"],
    )  # fmt: skip
