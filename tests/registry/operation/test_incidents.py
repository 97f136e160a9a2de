"""An open serious incident naming a system denies its new deployments (Art. 73, A.8.4).

The incidents are the evidence service's; here they are appended to the log as it would.
"""

from __future__ import annotations

from uuid import UUID

from shared.contract.events import evidence as ev
from tests.support.operation import incident
from tests.support.registry import MLOPS, add_version, at_verification, decide, put, ready


def codes(decision: dict) -> set[str]:
    return {r["code"] for r in decision["reasons"]}


async def a_ready_system(c, store) -> dict:
    s = await at_verification(c, store)
    await add_version(c, s["id"])
    pos = await ready(store, s["id"])
    assert (await decide(c, s["id"], min_position=pos)).json()["decision"] == "allow"
    return s


def reclassified(incident_id: UUID, systems: list[str], serious: bool) -> ev.IncidentReclassified:
    return ev.IncidentReclassified(
        incident_id=incident_id, system_ids=[UUID(s) for s in systems], serious=serious,
        severity="critical" if serious else "low", widespread=False, harm=[],
        reason="triage", reclassified_by="tess",
    )  # fmt: skip


async def test_an_open_serious_incident_denies_until_it_is_closed(registry, log):
    c, store = registry, log
    s = await a_ready_system(c, store)
    incident_id, pos = await incident(store, s["id"])
    d = (await decide(c, s["id"], min_position=pos)).json()
    assert d["decision"] == "deny" and codes(d) == {"open_serious_incident"}
    assert d["reasons"][0]["incident_id"] == str(incident_id)
    stream = f"incident-{incident_id}"
    pos = await put(store, stream, ev.IncidentStatusChanged(
        incident_id=incident_id, system_ids=[UUID(s["id"])], frm="detected", to="resolved",
        changed_by="tess"))  # fmt: skip
    assert (await decide(c, s["id"], min_position=pos)).json()["decision"] == "deny"
    pos = await put(store, stream, ev.IncidentClosed(
        incident_id=incident_id, system_ids=[UUID(s["id"])], resolution="model rolled back",
        closed_by="tess"))  # fmt: skip
    assert (await decide(c, s["id"], min_position=pos)).json()["decision"] == "allow"


async def test_seriousness_follows_the_latest_classification(registry, log):
    c, store = registry, log
    s = await a_ready_system(c, store)
    incident_id, pos = await incident(store, s["id"], serious=False)
    assert (await decide(c, s["id"], min_position=pos)).json()["decision"] == "allow"
    stream = f"incident-{incident_id}"
    pos = await put(store, stream, reclassified(incident_id, [s["id"]], serious=True))
    assert codes((await decide(c, s["id"], min_position=pos)).json()) == {"open_serious_incident"}
    pos = await put(store, stream, reclassified(incident_id, [s["id"]], serious=False))
    assert (await decide(c, s["id"], min_position=pos)).json()["decision"] == "allow"


async def test_a_system_the_incident_no_longer_names_is_not_held_by_it(registry, log):
    c, store = registry, log
    s, other = await a_ready_system(c, store), await a_ready_system(c, store)
    incident_id, _ = await incident(store, s["id"])
    stream = f"incident-{incident_id}"
    pos = await put(store, stream, reclassified(incident_id, [other["id"]], serious=True))
    assert (await decide(c, s["id"], min_position=pos)).json()["decision"] == "allow"
    assert codes((await decide(c, other["id"])).json()) == {"open_serious_incident"}


async def test_an_allow_given_before_a_serious_incident_cannot_be_cited_after_it(registry, log):
    c, store = registry, log
    s = await a_ready_system(c, store)
    allowed = (await decide(c, s["id"])).json()
    incident_id, _ = await incident(store, s["id"])
    r = await c.post("/v1/deployments", json={"decision_id": allowed["decision_id"]},
                     headers=MLOPS)  # fmt: skip
    assert r.status_code == 409 and r.json()["type"].endswith("/basis_changed")
    assert r.json()["changed"] == [f"incident-{incident_id}"]
