"""The OSCAL catalog of the 38 Annex A controls: ids, titles and aims' own descriptions.

The standard's text is not reproduced: each control carries aims' one-line description
(shared/contract/data/iso42001.yaml) as its overview, and links to where aims shows it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.evidence.oscal.domain.common import (
    Bases,
    Stamp,
    link,
    metadata,
    oscal_uuid,
    prop,
)
from shared.contract import annex_a, crosswalk

# The catalog is data shipped with aims: it changes only when that data does (bump both).
CATALOG_VERSION = "2026.1"
CATALOG_CHANGED = datetime(2026, 12, 1, tzinfo=UTC)
STANDARD = oscal_uuid("resource", "iso42001")


def catalog(bases: Bases) -> dict[str, Any]:
    """The catalog document (`{"catalog": ...}`)."""
    groups: dict[str, dict[str, Any]] = {}
    described = crosswalk.controls()
    for cid, c in annex_a.controls().items():
        group = groups.setdefault(c.group, {
            "id": c.group, "class": "annex-a-group", "title": c.group_title,
            "props": [{"name": "label", "value": c.group}], "controls": [],
        })  # fmt: skip
        group["controls"].append(_control(cid, c.title, described[cid].description, bases))
    meta = metadata(
        "ISO/IEC 42001:2023 Annex A controls (aims identifiers and descriptions)",
        Stamp(CATALOG_CHANGED, 0),
        links=[link(f"#{STANDARD}", "ISO/IEC 42001:2023")],
        remarks="Control identifiers and short titles of ISO/IEC 42001:2023 Annex A with aims'"
        " own descriptions; the standard's text is not reproduced and is authoritative.",
    )  # fmt: skip
    meta["version"] = CATALOG_VERSION
    del meta["props"]
    return {"catalog": {
        "uuid": oscal_uuid("catalog", "iso42001-annex-a"), "metadata": meta,
        "groups": list(groups.values()),
        "back-matter": {"resources": [{
            "uuid": STANDARD,
            "title": "ISO/IEC 42001:2023 Artificial intelligence - Management system",
            "citation": {"text": "ISO/IEC 42001:2023, Information technology - Artificial "
                                 "intelligence - Management system. ISO, 2023."},
            "rlinks": [{"href": "https://www.iso.org/standard/81230.html"}],
        }]},
    }}  # fmt: skip


def _control(cid: str, title: str, description: str, bases: Bases) -> dict[str, Any]:
    return {
        "id": cid, "class": "annex-a-control", "title": title,
        "props": [{"name": "label", "value": cid}, prop("aims-control-id", cid)],
        "links": [
            link(bases.href("risk", "/v1/soa"), "Statement of Applicability"),
            link(bases.href("evidence", f"/v1/evidence?control_id={cid}"), "Evidence"),
        ],
        "parts": [{"id": f"{cid}_ovw", "name": "overview", "prose": description}],
    }  # fmt: skip
