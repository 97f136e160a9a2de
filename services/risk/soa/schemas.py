"""SoA request bodies (each builds its command), and the entry and the SoA as JSON or CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ConfigDict
from pydantic.config import JsonDict

from services.risk.fields import In, Required, Short
from services.risk.soa.commands import SetSoAEntry
from services.risk.soa.domain import SoAEntry, Status

# The status must agree with the decision: an excluded control is not_applicable (or left
# out, which means the same), an included one is anything else.
_STATUS_AGREES: JsonDict = {
    "allOf": [
        {
            "if": {"properties": {"applicable": {"const": False}}},
            "then": {"properties": {"status": {"enum": ["not_applicable", None]}}},
        },
        {
            "if": {"properties": {"applicable": {"const": True}}},
            "then": {"properties": {"status": {"not": {"const": "not_applicable"}}}},
        },
    ]
}


class SoAIn(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_STATUS_AGREES)

    applicable: bool
    justification: Required
    status: Status | None = None
    owner: Short = ""
    deployment_gate: bool = False

    def to_command(self, control_id: str, expected_version: int | None) -> SetSoAEntry:
        return SetSoAEntry(
            control_id, self.applicable, self.justification, self.status, self.owner,
            self.deployment_gate, expected_version,
        )  # fmt: skip


def soa_entry_out(e: SoAEntry) -> dict[str, Any]:
    return {
        "control_id": e.control_id, "applicable": e.applicable,
        "justification": e.justification, "status": e.status, "owner": e.owner,
        "deployment_gate": e.deployment_gate, "version": e.version,
        "updated_at": e.last_event_at,
    }  # fmt: skip


CSV_COLUMNS = (
    "control_id", "title", "group", "applicable", "justification", "status", "owner",
    "risk_ids", "evidence_ids", "evidence_status", "flags",
)  # fmt: skip


def soa_csv(rows: list[dict[str, Any]]) -> str:
    """The SoA as CSV, one line per control (lists joined with ';')."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for r in rows:
        applicable = "" if r["applicable"] is None else ("yes" if r["applicable"] else "no")
        w.writerow([
            r["control_id"], r["title"], r["group"], applicable, r["justification"] or "",
            r["status"] or "", r["owner"] or "", ";".join(str(x["risk_id"]) for x in r["risks"]),
            ";".join(str(x["evidence_id"]) for x in r["evidence"]), r["evidence_status"],
            ";".join(r["flags"]),
        ])  # fmt: skip
    return out.getvalue()
