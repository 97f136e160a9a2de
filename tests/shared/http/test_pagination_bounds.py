"""Out-of-range cursors are a 400 `bad_cursor` on every list, never a 500."""

import pytest

from shared.http.pagination import decode_cursor
from shared.http.problems import Problem
from tests.support.apps import auth

AUDITOR = auth("ada", "auditor")
OUT_OF_RANGE = ["9" * 19, str(2**63), str(2**63 - 1) + "0", str(2**64), "9" * 40, "-1", "1e3",
                " 1", "0x10"]  # fmt: skip


@pytest.mark.parametrize("cursor", OUT_OF_RANGE)
def test_a_cursor_beyond_bigint_or_malformed_is_a_bad_cursor(cursor):
    with pytest.raises(Problem) as refused:
        decode_cursor(cursor)
    assert refused.value.status == 400


def test_the_largest_documented_cursor_fits_a_bigint():
    assert decode_cursor("9" * 18) == 10**18 - 1 < 2**63


async def test_every_evidence_list_answers_400_to_out_of_range_cursors(service):
    async with service("evidence") as c:
        spec = (await c.get("/openapi.json")).json()
        gets = {path: ops["get"] for path, ops in spec["paths"].items() if "get" in ops}
        lists = [path for path, op in gets.items() if "{" not in path
                 and any(p["name"] == "cursor" for p in op.get("parameters", []))]  # fmt: skip
        assert len(lists) >= 5, lists
        for path in lists:
            for cursor in OUT_OF_RANGE:
                r = await c.get(path, params={"cursor": cursor}, headers=AUDITOR)
                assert r.status_code == 400, (path, cursor, r.text)
                assert r.headers["content-type"] == "application/problem+json"
            ok = await c.get(path, params={"cursor": "9" * 18}, headers=AUDITOR)
            assert ok.status_code == 200, (path, ok.text)
