"""What every OSCAL document aims exports shares: stable UUIDs, metadata, parties, links.

UUIDs are version 5 (name-based) over aims' own ids, so exporting twice gives the same
UUIDs and two exports can be compared item by item. Times are RFC 3339 with a zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import NAMESPACE_URL, uuid5

OSCAL_VERSION = "1.2.1"  # the version compliance-trestle's models accept (tests check it)
NS = "https://aims.dev/ns/oscal"  # namespace of aims' own properties
_UUIDS = uuid5(NAMESPACE_URL, "https://aims.dev/oscal")
ORGANISATION = "organisation"  # the party standing for the organisation running aims
_TOKEN_BAD = re.compile(r"[^A-Za-z0-9_.\-]")


def oscal_uuid(*names: object) -> str:
    """The UUID of an aims thing in OSCAL: uuid5 over its kind and ids."""
    return str(uuid5(_UUIDS, ":".join(str(n) for n in names)))


def stamp(value: datetime | date) -> str:
    """An OSCAL date-time (with zone); a date is its start in UTC.

    Millisecond precision, as OSCAL tools write date-times back: a time with sub-
    millisecond digits only would otherwise read back as another instant.
    """
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    spec = "milliseconds" if value.microsecond else "seconds"
    return value.isoformat(timespec=spec).replace("+00:00", "Z")


def token(text: str) -> str:
    """`text` as an OSCAL token (starts with a letter or _, no spaces)."""
    cleaned = _TOKEN_BAD.sub("-", text.strip()) or "_"
    return cleaned if cleaned[0].isalpha() or cleaned[0] == "_" else f"clause-{cleaned}"


def line(text: str, limit: int = 200) -> str:
    """One line of text (OSCAL titles may not hold line breaks), never empty."""
    flat = " ".join(str(text).split())
    return (flat if len(flat) <= limit else flat[: limit - 1] + "…") or "-"


def prop(name: str, value: object) -> dict[str, Any]:
    """An aims property (in aims' namespace)."""
    return {"name": name, "ns": NS, "value": line(str(value), 1000)}


@dataclass(frozen=True)
class Bases:
    """Where each service answers, so every `href` is absolute and resolvable."""

    registry: str
    risk: str
    evidence: str

    def href(self, service: str, path: str) -> str:
        base: str = getattr(self, service)
        return base.rstrip("/") + path


def link(href: str, text: str | None = None, rel: str = "reference") -> dict[str, Any]:
    out: dict[str, Any] = {"href": href, "rel": rel}
    if text:
        out["text"] = line(text)
    return out


@dataclass(frozen=True)
class Stamp:
    """When a document's content last changed, and the log position it reflects."""

    at: datetime
    position: int

    @staticmethod
    def newest(fallback: Stamp, *found: tuple[datetime | None, int | None]) -> Stamp:
        """The newest change among (time, position) pairs; `fallback` when there is none."""
        seen = [(at, pos) for at, pos in found if at is not None and pos is not None]
        if not seen:
            return fallback
        at, pos = max(seen, key=lambda s: (s[1], s[0]))
        return Stamp(at, pos)


def party(subject: str) -> dict[str, Any]:
    """A person named in aims (a token subject) as an OSCAL party."""
    return {"uuid": party_uuid(subject), "type": "person", "name": line(subject)}


def party_uuid(subject: str) -> str:
    return oscal_uuid("party", subject)


def metadata(
    title: str, changed: Stamp, *, people: set[str] | None = None,
    roles: list[tuple[str, str]] | None = None, links: list[dict[str, Any]] | None = None,
    remarks: str = "",
) -> dict[str, Any]:  # fmt: skip
    """Document metadata: `last-modified` is the newest change the document holds and
    `version` the log position it reflects, so an unchanged log re-exports identically."""
    parties = [{"uuid": party_uuid(ORGANISATION), "type": "organization",
                "name": "Organisation operating the aims AI management system"}]  # fmt: skip
    parties += [party(p) for p in sorted(people or set()) if p]
    out: dict[str, Any] = {
        "title": line(title), "last-modified": stamp(changed.at),
        "version": f"log-position-{changed.position}", "oscal-version": OSCAL_VERSION,
        "props": [prop("log-position", changed.position)],
        "links": links or [], "parties": parties,
    }  # fmt: skip
    if roles:
        out["roles"] = [{"id": rid, "title": rtitle} for rid, rtitle in roles]
    if not out["links"]:
        del out["links"]
    if remarks:
        out["remarks"] = remarks
    return out


def actor_of(metadata_: dict[str, Any] | None) -> str:
    """The subject of an event's actor."""
    actor = (metadata_ or {}).get("actor") or {}
    return str(actor.get("sub") or "unknown")
