"""The audit pack's report gives responsibilities, data and oversight sections of their own."""

import io
import re
import zipfile

from services.evidence.integrity.verify_pack import verify_pack
from tests.registry.resources.test_datasets import dataset
from tests.support.apps import auth
from tests.support.operation import oversee
from tests.support.registry import OWNER, add_version, register

AUDITOR = auth("carol", "auditor")
RACI = {"accountable": "Alice", "responsible": ["max"], "consulted": ["dpo"], "informed": []}


def _section(html: str, heading: str) -> str:
    """The HTML between a section's heading and the next one."""
    match = re.search(rf"<h2>{re.escape(heading)}[^<]*</h2>(.*?)(?=<h2>|</body>)", html, re.S)
    assert match, heading
    return match.group(1)


async def test_a_systems_report_lists_its_responsibilities_data_and_oversight(service):
    async with service("registry") as registry, service("evidence") as evidence:
        s = await register(registry, eu_ai_act_tier="high")
        mv = (await add_version(registry, s["id"])).json()["id"]
        url = f"/v1/systems/{s['id']}/responsibilities"
        assert (await registry.put(url, json=RACI, headers=OWNER)).status_code == 200
        r = await registry.post("/v1/datasets", json=dataset(s["id"], mv), headers=OWNER)
        assert r.status_code == 201, r.text
        r = await oversee(registry, s["id"])
        pos = r.headers["aims-position"]
        await evidence.get(f"/v1/audit-trail?min_position={pos}", headers=AUDITOR)
        r = await evidence.get(f"/v1/exports/audit-pack?system_id={s['id']}", headers=AUDITOR)
        assert r.status_code == 200, r.text
        key = (await evidence.get("/v1/log/public-key")).content
    assert verify_pack(io.BytesIO(r.content), key).ok
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        html = zf.read("report.html").decode()
    resources = _section(html, "Responsibilities and data")
    assert "ResponsibilitiesAssigned" in resources and "DatasetRegistered" in resources
    assert "OversightAssigned" in _section(html, "Oversight and monitoring")
    assert "<h2>Other events</h2>" not in html  # every event found its section
