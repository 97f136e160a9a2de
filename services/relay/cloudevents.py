"""Log rows as CloudEvents 1.0 structured JSON: the very lines of an audit pack.

The audit pack's rendering is reused, so a webhook body or a NATS message is byte for byte
the pack's `events.jsonl` line of that event: its `aimsdata` and `aimsmetadata` are the
stored text, from which a consumer can recompute the event's leaf and check it against an
inclusion proof from `GET /v1/log/proofs/inclusion`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.evidence.integrity.verify_pack import envelope, event_line
from shared.kernel.eventstore.hashing import iso


@dataclass(frozen=True, slots=True)
class LogRow:
    """An event as the relay reads it: the stored text of its data and metadata."""

    position: int
    id: str
    stream_id: str
    version: int
    type: str
    schema_version: int
    recorded_at: datetime
    data: str
    metadata: str

    @classmethod
    def of(cls, r: asyncpg.Record) -> LogRow:
        return cls(r["position"], r["id"], r["stream_id"], r["version"], r["type"],
                   r["schema_version"], r["recorded_at"], r["data"], r["metadata"])  # fmt: skip

    @property
    def category(self) -> str:
        """The stream id's prefix before the first `-`."""
        return self.stream_id.split("-", 1)[0]


def cloud_event(row: LogRow) -> bytes:
    """The CloudEvent of a log row (`id` = the event id, `aimsposition` = its position)."""
    source, actor = envelope(row.metadata)
    return event_line(
        row.position, row.id, row.stream_id, row.version, row.type, row.schema_version,
        iso(row.recorded_at), row.data, row.metadata, source, actor,
    )  # fmt: skip
