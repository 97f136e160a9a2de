"""The evidence app as a whole: its OpenAPI document lists the contract."""


async def test_the_openapi_document_lists_the_evidence_contract(service):
    async with service("evidence") as c:
        paths = (await c.get("/openapi.json")).json()["paths"]
        for path in (
            "/v1/evidence",
            "/v1/evidence/{evidence_id}/content",
            "/v1/audits",
            "/v1/audits/{audit_id}/findings",
            "/v1/nonconformities/{nc_id}/close",
            "/v1/management-reviews",
            "/v1/audit-trail",
            "/v1/integrity",
            "/v1/exports/audit-pack",
            "/v1/checkpoints/public-key",
        ):
            assert path in paths, path
