"""Who may call what on the evidence service: integrity and audit packs are for auditors."""

import pytest

from tests.support.apps import auth
from tests.support.evidence import register_system

OTHERS = ("viewer", "system_owner", "risk_officer", "approver", "mlops")


@pytest.mark.parametrize("path", ["/v1/integrity", "/v1/exports/audit-pack"])
async def test_integrity_and_the_audit_pack_are_for_auditors_and_admins_only(service, store, path):
    await register_system(store, owner="a")
    async with service("evidence") as c:
        for role in OTHERS:
            r = await c.get(path, headers=auth("vic", role))
            assert r.status_code == 403, (role, r.text)
            assert r.headers["content-type"] == "application/problem+json"
        for role in ("auditor", "admin"):
            assert (await c.get(path, headers=auth("ada", role))).status_code == 200, role
