"""The OSCAL component definition of the Statement of Applicability.

One component, the organisation's AI management system, implements each Annex A control
as the SoA decides: applicable or excluded with its justification, its implementation
status and owner, and links to the evidence behind it (back-matter resources with the
evidence's sha256 and `valid-until`). Controls the SoA has not decided are listed as
undecided. Nothing depends on the clock: the same log exports the same document.
"""

from __future__ import annotations

import re
from typing import Any

from services.evidence.oscal.domain.common import (
    Bases,
    Stamp,
    link,
    metadata,
    oscal_uuid,
    party_uuid,
    prop,
    stamp,
)
from shared.contract import annex_a

OWNER_ROLE = ("control-owner", "Control owner")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")


def component_definition(
    soa: dict[str, dict[str, Any]], evidence: list[dict[str, Any]], changed: Stamp,
    bases: Bases,
) -> dict[str, Any]:  # fmt: skip
    """The component-definition document (`{"component-definition": ...}`)."""
    by_control: dict[str, list[dict[str, Any]]] = {}
    for e in evidence:
        for cid in e["control_ids"]:
            by_control.setdefault(cid, []).append(e)
    requirements = [
        _implemented(cid, soa.get(cid), by_control.get(cid, []), bases)
        for cid in annex_a.controls()
    ]
    owners = {str(s["owner"]) for s in soa.values() if s.get("owner")}
    meta = metadata(
        "Statement of Applicability of the AI management system (ISO/IEC 42001 Annex A)",
        changed, people=owners, roles=[OWNER_ROLE],
        links=[link(bases.href("risk", "/v1/soa"), "Statement of Applicability")],
    )  # fmt: skip
    used = [e for e in evidence if any(c in annex_a.controls() for c in e["control_ids"])]
    doc: dict[str, Any] = {
        "uuid": oscal_uuid("component-definition", "soa"), "metadata": meta,
        "components": [{
            "uuid": oscal_uuid("component", "aims"), "type": "policy",
            "title": "AI management system",
            "description": "The organisation's AI management system (ISO/IEC 42001) as recorded"
                           " in aims: its Statement of Applicability and the evidence of each"
                           " control.",
            "control-implementations": [{
                "uuid": oscal_uuid("control-implementation", "soa"),
                "source": bases.href("evidence", "/v1/exports/oscal/catalog"),
                "description": "Statement of Applicability: every Annex A control, included or"
                               " excluded with a justification.",
                "implemented-requirements": requirements,
            }],
        }],
    }  # fmt: skip
    if used:
        doc["back-matter"] = {"resources": [_resource(e, bases) for e in used]}
    return {"component-definition": doc}


def _implemented(
    cid: str, entry: dict[str, Any] | None, evidence: list[dict[str, Any]], bases: Bases
) -> dict[str, Any]:
    props = [prop("evidence-count", len(evidence))]
    if entry is None:
        description = f"{cid} is not yet decided in the Statement of Applicability."
        props.append(prop("soa-decision", "undecided"))
    else:
        decided = "applicable" if entry["applicable"] else "excluded"
        description = str(entry["justification"]).strip() or f"{cid} is {decided}."
        props += [prop("soa-decision", decided), prop("soa-status", entry["status"])]
    out: dict[str, Any] = {
        "uuid": oscal_uuid("implemented-requirement", cid), "control-id": cid,
        "description": description, "props": props,
        "links": [link(bases.href("risk", "/v1/soa"), f"SoA entry {cid}")]
        + [link(f"#{_resource_uuid(e)}", e["title"]) for e in evidence],
    }  # fmt: skip
    if entry is not None and entry.get("owner"):
        out["responsible-roles"] = [{"role-id": OWNER_ROLE[0],
                                     "party-uuids": [party_uuid(str(entry["owner"]))]}]  # fmt: skip
    return out


def _resource_uuid(e: dict[str, Any]) -> str:
    return oscal_uuid("evidence", e["id"])


def _resource(e: dict[str, Any], bases: Bases) -> dict[str, Any]:
    """A piece of evidence as a back-matter resource: where aims serves it, and its hash."""
    digest = [{"algorithm": "SHA-256", "value": e["sha256"]}]
    rlinks: list[dict[str, Any]] = [
        {"href": bases.href("evidence", f"/v1/evidence/{e['id']}"),
         "media-type": "application/json"},
    ]  # fmt: skip
    if e["stored"]:
        href = bases.href("evidence", f"/v1/evidence/{e['id']}/content")
        content: dict[str, Any] = {"href": href, "hashes": digest}
        if e.get("media_type"):
            content["media-type"] = e["media_type"]
        rlinks.append(content)
    elif _URI.match(e["uri"]):
        rlinks.append({"href": e["uri"], "hashes": digest})
    props = [prop("evidence-kind", e["kind"]), prop("collected-at", stamp(e["collected_at"]))]
    if e["valid_until"] is not None:
        props.append(prop("valid-until", stamp(e["valid_until"])))
    return {"uuid": _resource_uuid(e), "title": e["title"], "props": props, "rlinks": rlinks}
