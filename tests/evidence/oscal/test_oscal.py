"""OSCAL exports: each document validated by compliance-trestle's models and loaded back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import trestle.oscal
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.catalog import Catalog
from trestle.oscal.component import ComponentDefinition
from trestle.oscal.poam import PlanOfActionAndMilestones

from services.evidence.oscal.domain import OSCAL_VERSION
from shared.contract import crosswalk
from shared.kernel.eventstore import NewEvent
from tests.support.apps import auth
from tests.support.evidence import meta, register_system

AUDITOR = auth("carol", "auditor")
OWNER = auth("olivia", "system_owner")
CLOSER = auth("rita", "risk_officer")
DOCUMENTS: dict[str, tuple[str, Any]] = {
    "catalog": ("catalog", Catalog),
    "component-definition": ("component-definition", ComponentDefinition),
    "assessment-results": ("assessment-results", AssessmentResults),
    "poam": ("plan-of-action-and-milestones", PlanOfActionAndMilestones),
}


async def soa_entry(store, control_id: str, applicable: bool, status: str) -> None:
    await store.append(f"soa-{uuid.uuid4()}", [NewEvent("SoAEntrySet", {
        "control_id": control_id, "applicable": applicable, "status": status, "owner": "rita",
        "justification": f"{control_id}: decided by the risk workshop.",
    })], expected_version=0, metadata=meta("rita", "risk", "risk_officer"))  # fmt: skip


async def seed(c, store) -> dict[str, Any]:
    """An SoA, evidence, a completed audit with findings, one closed and one open NC."""
    sid = await register_system(store, owner="olivia")
    await soa_entry(store, "A.6.2.4", True, "implemented")
    await soa_entry(store, "A.10.4", False, "not_applicable")
    ev = await c.post("/v1/evidence", headers=OWNER, json={
        "kind": "test_report", "title": "Validation report", "system_ids": [sid],
        "control_ids": ["A.6.2.4"], "sha256": "ab" * 32, "uri": "https://docs.example.com/v7",
        "collected_at": "2026-01-10T09:00:00Z", "valid_until": "2027-01-10T09:00:00Z",
    })  # fmt: skip
    assert ev.status_code == 201, ev.text
    a = (await c.post("/v1/audits", headers=AUDITOR, json={
        "title": "Internal audit H1", "scope": "Lifecycle controls",
        "criteria": "ISO/IEC 42001 9.2", "system_ids": [sid], "auditors": ["carol"],
        "starts_on": "2026-02-01", "ends_on": "2026-02-05",
    })).json()  # fmt: skip
    base = f"/v1/audits/{a['id']}/findings"
    ncs = []
    for ref, text in (("A.6.2.4", "Tests lack thresholds."), ("9.2", "No audit programme.")):
        f = await c.post(base, headers=AUDITOR, json={
            "kind": "minor_nc", "reference": ref, "description": text, "system_id": sid,
            "raise_nonconformity": True,
        })  # fmt: skip
        assert f.status_code == 201, f.text
        ncs.append(f.json()["nonconformity_id"])
    observation = {"kind": "observation", "reference": "6.2", "description": "Objectives vague."}
    obs = await c.post(base, headers=AUDITOR, json=observation)
    assert obs.status_code == 201, obs.text
    done = await c.post(f"/v1/audits/{a['id']}/complete", headers=AUDITOR,
                        json={"summary": "Two minor nonconformities."})  # fmt: skip
    assert done.status_code == 200, done.text
    nc = f"/v1/nonconformities/{ncs[0]}"
    await c.post(f"{nc}/root-cause", headers=OWNER, json={"root_cause": "No release checklist."})
    act = await c.post(
        f"{nc}/corrective-actions",
        headers=OWNER,
        json={
            "description": "Add thresholds to the checklist.",
            "owner": "olivia",
            "due": "2026-03-01",
        },
    )
    action = act.json()["corrective_actions"][0]["id"]
    await c.post(f"{nc}/corrective-actions/{action}/complete", headers=OWNER)
    closed = await c.post(
        f"{nc}/close",
        headers=CLOSER,
        json={"effectiveness_review": "Thresholds fired since.", "effective": True},
    )
    assert closed.status_code == 200, closed.text
    planned = await c.post(f"/v1/nonconformities/{ncs[1]}/corrective-actions", headers=OWNER,
                           json={"description": "Write the audit programme.", "owner": "olivia",
                                 "due": "2026-09-30"})  # fmt: skip
    return {"system_id": sid, "evidence_id": ev.json()["id"], "audit_id": a["id"], "ncs": ncs,
            "position": int(planned.headers["AIMS-Position"])}  # fmt: skip


async def export(c, name: str, position: int = 0) -> dict[str, Any]:
    r = await c.get(f"/v1/exports/oscal/{name}", headers=AUDITOR,
                    params={"min_position": position} if position else {})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def validated(name: str, doc: dict[str, Any], tmp_path: Path) -> Any:
    """The document checked by trestle's model, written out and read back with trestle."""
    root, model = DOCUMENTS[name]
    assert list(doc) == [root]
    checked = model.model_validate(doc[root])
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    loaded = model.oscal_read(path)
    assert loaded == checked
    again = tmp_path / f"{name}-written.json"
    loaded.oscal_write(again)  # trestle's own serialisation reads back the same
    reread = model.oscal_read(again)
    assert json.loads(reread.oscal_serialize_json()) == json.loads(checked.oscal_serialize_json())
    return loaded


def test_the_oscal_version_is_the_one_trestle_accepts():
    assert OSCAL_VERSION == trestle.oscal.OSCAL_VERSION


async def test_every_export_validates_with_trestle_and_loads_back(service, store, tmp_path):
    async with service("evidence") as c:
        seeded = await seed(c, store)
        for name in DOCUMENTS:
            loaded = validated(name, await export(c, name, seeded["position"]), tmp_path)
            assert loaded.metadata.oscal_version.root.root == OSCAL_VERSION


async def test_an_empty_aims_exports_valid_documents_that_say_so(service, tmp_path):
    async with service("evidence") as c:
        docs = {name: await export(c, name) for name in DOCUMENTS}
    for name, doc in docs.items():
        validated(name, doc, tmp_path)
    results = docs["assessment-results"]["assessment-results"]["results"]
    assert [r["title"] for r in results] == ["No internal audit recorded yet"]
    items = docs["poam"]["plan-of-action-and-milestones"]["poam-items"]
    assert [i["title"] for i in items] == ["No nonconformity recorded"]


async def test_the_catalog_holds_the_38_controls_in_aims_own_words(service):
    async with service("evidence", evidence_url="https://aims.example/evidence") as c:
        cat = (await export(c, "catalog"))["catalog"]
    controls = [ctl for g in cat["groups"] for ctl in g["controls"]]
    assert [ctl["id"] for ctl in controls] == list(crosswalk.controls())
    described = {ctl["id"]: ctl["parts"][0]["prose"] for ctl in controls}
    assert described == {cid: c.description for cid, c in crosswalk.controls().items()}
    assert [g["id"] for g in cat["groups"]] == [f"A.{n}" for n in range(2, 11)]
    links = controls[0]["links"]
    assert links[1]["href"] == "https://aims.example/evidence/v1/evidence?control_id=A.2.2"


async def test_re_exports_are_identical_and_dated_by_their_newest_record(service, store, pool):
    async with service("evidence") as c:
        seeded = await seed(c, store)
        first = {n: await export(c, n, seeded["position"]) for n in DOCUMENTS}
        again = {n: await export(c, n) for n in DOCUMENTS}
        assert first == again
        poam = first["poam"]["plan-of-action-and-milestones"]
        newest = await pool.fetchrow(
            "SELECT position, recorded_at FROM events WHERE stream_id LIKE 'nc-%'"
            " ORDER BY position DESC LIMIT 1"
        )
        assert poam["metadata"]["version"] == f"log-position-{newest['position']}"
        when = datetime.fromisoformat(poam["metadata"]["last-modified"].replace("Z", "+00:00"))
        recorded = newest["recorded_at"].astimezone(UTC)  # OSCAL keeps milliseconds
        assert when == recorded.replace(microsecond=recorded.microsecond // 1000 * 1000)


async def test_the_component_definition_is_the_soa_with_its_evidence(service, store):
    async with service("evidence") as c:
        seeded = await seed(c, store)
        doc = (await export(c, "component-definition", seeded["position"]))["component-definition"]
    reqs = {r["control-id"]: r for r in doc["components"][0]["control-implementations"][0]
            ["implemented-requirements"]}  # fmt: skip
    assert len(reqs) == 38
    tested, excluded = reqs["A.6.2.4"], reqs["A.10.4"]
    assert tested["description"] == "A.6.2.4: decided by the risk workshop."
    assert {
        "name": "soa-status",
        "ns": "https://aims.dev/ns/oscal",
        "value": "implemented",
    } in tested["props"]
    assert {p["value"] for p in excluded["props"] if p["name"] == "soa-decision"} == {"excluded"}
    resource_ref = tested["links"][1]["href"].removeprefix("#")
    resource = next(r for r in doc["back-matter"]["resources"] if r["uuid"] == resource_ref)
    assert resource["rlinks"][0]["href"].endswith(f"/v1/evidence/{seeded['evidence_id']}")
    assert resource["rlinks"][1]["hashes"] == [{"algorithm": "SHA-256", "value": "ab" * 32}]
    owner = tested["responsible-roles"][0]["party-uuids"][0]
    assert {p["name"] for p in doc["metadata"]["parties"] if p["uuid"] == owner} == {"rita"}


async def test_audits_become_results_and_nonconformities_poam_items(service, store):
    async with service("evidence") as c:
        seeded = await seed(c, store)
        ar = (await export(c, "assessment-results", seeded["position"]))["assessment-results"]
        poam = (await export(c, "poam"))["plan-of-action-and-milestones"]
    [result] = ar["results"]
    assert result["title"] == "Internal audit H1" and "end" in result
    states = {f["target"]["target-id"]: f["target"]["status"]["state"] for f in result["findings"]}
    assert states == {"A.6.2.4": "not-satisfied", "clause-9.2": "not-satisfied",
                      "clause-6.2": "satisfied"}  # fmt: skip
    items = {i["title"]: i for i in poam["poam-items"]}
    assert set(items) == {"minor_nc against A.6.2.4", "minor_nc against 9.2"}
    risks = {r["uuid"]: r for r in poam["risks"]}
    statuses = sorted(risks[i["related-risks"][0]["risk-uuid"]]["status"] for i in items.values())
    assert statuses == ["closed", "remediating"]
    remediations = [m for r in risks.values() for m in r.get("remediations", [])]
    assert sorted(m["lifecycle"] for m in remediations) == ["completed", "planned"]
    finding_ids = {f["uuid"] for f in poam["findings"]}
    assert all(i["related-findings"][0]["finding-uuid"] in finding_ids for i in items.values())


@pytest.mark.parametrize("name", list(DOCUMENTS))
async def test_oscal_exports_are_for_auditors_and_admins_only(service, name):
    async with service("evidence") as c:
        for role in ("viewer", "system_owner", "risk_officer", "approver", "mlops"):
            r = await c.get(f"/v1/exports/oscal/{name}", headers=auth("vic", role))
            assert r.status_code == 403, (role, r.text)
        for role in ("auditor", "admin"):
            r = await c.get(f"/v1/exports/oscal/{name}", headers=auth("ada", role))
            assert r.status_code == 200, role


def test_date_times_keep_the_precision_oscal_tools_write_back():
    from datetime import UTC, datetime

    from services.evidence.oscal.domain.common import stamp

    # Sub-millisecond digits alone would read back from trestle's file as another instant.
    assert stamp(datetime(2026, 1, 1, 0, 0, 0, 500, tzinfo=UTC)) == "2026-01-01T00:00:00Z"
    assert stamp(datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)) == "2026-01-01T00:00:00.123Z"
