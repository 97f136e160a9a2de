"""Every route of every service, called with every role and with no token.

The access tables (`services/<svc>/access.py`) are the single source of truth: roles they
allow get past authorisation (success or a validation/not-found answer), every other role
gets 403, no token gets 401, and a refused request writes nothing.
"""

from __future__ import annotations

import importlib
import re
import uuid

import pytest

from shared.http.auth import ROLES
from tests.support.apps import auth

SERVICES = ("registry", "risk", "evidence")
OPERATIONAL = {"/healthz", "/readyz", "/metrics"}


def sample_path(template: str) -> str:
    def value(m: re.Match[str]) -> str:
        return "A.6.2.4" if "control" in m.group(1) else str(uuid.uuid4())

    return re.sub(r"\{([^}]+)\}", value, template)


def guarded_routes(app, access) -> list[tuple[str, str]]:
    spec = app.openapi()
    found = []
    for path, ops in spec["paths"].items():
        for method in ops:
            if path in OPERATIONAL or path in app.state.public_paths:
                continue
            found.append((method.upper(), path))
    return sorted(found)


@pytest.mark.parametrize("name", SERVICES)
async def test_every_guarded_route_has_an_access_entry_and_no_entry_is_stale(service, name):
    access = importlib.import_module(f"services.{name}.access").ACCESS
    async with service(name) as c:
        routes = set(guarded_routes(c.app, access))
        assert routes <= set(access), f"routes without an access entry: {routes - set(access)}"
        assert set(access) <= routes, f"stale access entries: {set(access) - routes}"


@pytest.mark.parametrize("name", SERVICES)
async def test_each_role_gets_exactly_what_the_access_table_allows(service, name):
    access = importlib.import_module(f"services.{name}.access").ACCESS
    async with service(name) as c:
        pool = c.app.state.pool
        checked = 0
        for method, template in guarded_routes(c.app, access):
            path = sample_path(template)
            allowed = access[(method, template)]
            before = await pool.fetchval("SELECT count(*) FROM events")
            r = await c.request(method, path, json={})
            assert r.status_code == 401, (method, template, r.text)
            for role in ROLES:
                r = await c.request(method, path, json={}, headers=auth(f"u-{role}", role))
                if role in allowed:
                    assert r.status_code not in (401, 403), (method, template, role, r.text)
                    assert r.status_code < 500, (method, template, role, r.text)
                else:
                    assert r.status_code == 403, (method, template, role, r.text)
                    assert await pool.fetchval("SELECT count(*) FROM events") == before
                checked += 1
                before = await pool.fetchval("SELECT count(*) FROM events")
        assert checked >= len(ROLES)
