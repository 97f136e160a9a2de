"""Evidence routes: record (JSON or upload), supersede, list, read, download."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import ValidationError

from services.evidence import handlers
from services.evidence.deps import Blobs
from services.evidence.domain.evidence import Evidence
from services.evidence.lists import page_where
from services.evidence.schemas import EvidenceIn, EvidenceOut, SupersedeIn, UploadIn
from services.evidence.upload import Upload, form_values, receive_upload
from shared.http.deps import Ctx, Fresh, ReadPool, Repo, resource, written
from shared.http.pagination import Page
from shared.http.problems import Problem

router = APIRouter(tags=["evidence"])
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": EvidenceIn.model_json_schema()},
            "multipart/form-data": {"schema": {
                **UploadIn.model_json_schema(),
                "properties": {**UploadIn.model_json_schema()["properties"],
                               "file": {"type": "string", "format": "binary"}},
            }},
        },
    }
}  # fmt: skip


def _invalid(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
    )


async def _parse(request: Request, blobs: Any) -> tuple[dict[str, Any], Upload | None]:
    """The fields of a JSON body, or of a multipart upload whose file is already stored."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        upload = await receive_upload(request, blobs)
        try:
            fields = UploadIn.model_validate(form_values(upload.fields)).model_dump()
        except ValidationError as exc:
            upload.discard()
            raise _invalid(exc) from exc
        if fields["sha256"] not in (None, upload.sha256):
            upload.discard()
            raise Problem(422, "sha256 does not match the uploaded bytes", code="sha256_mismatch",
                          computed=upload.sha256)  # fmt: skip
        upload.commit()
        fields.update(
            sha256=upload.sha256, uri=f"aims:blob:sha256:{upload.sha256}", stored=True,
            size=upload.size, media_type=upload.media_type, filename=upload.filename,
        )  # fmt: skip
        return fields, upload
    if ctype and not ctype.startswith("application/json"):
        raise Problem(415, "send application/json or multipart/form-data", code="unsupported_media")
    try:
        return EvidenceIn.model_validate_json(await request.body()).model_dump(), None
    except ValidationError as exc:
        raise _invalid(exc) from exc


@router.post("/v1/evidence", status_code=201, response_model=EvidenceOut, openapi_extra=_BODY)
async def record_evidence(request: Request, ctx: Ctx, repo: Repo, blobs: Blobs) -> Response:
    """Record evidence: JSON with sha256 + uri, or a multipart upload stored by its hash."""
    fields, _ = await _parse(request, blobs)
    evidence, result = await handlers.record_evidence(repo, ctx, fields)
    return written(result, EvidenceOut.of(evidence), status=201,
                   location=f"/v1/evidence/{evidence.id}")  # fmt: skip


@router.post("/v1/evidence/{evidence_id}/supersede", status_code=201, response_model=EvidenceOut)
async def supersede_evidence(
    evidence_id: UUID, body: SupersedeIn, ctx: Ctx, repo: Repo
) -> Response:
    """Record newer evidence that replaces this one (nothing is edited)."""
    fields = {**body.model_dump(), "supersedes": evidence_id}
    evidence, result = await handlers.record_evidence(repo, ctx, fields)
    return written(result, EvidenceOut.of(evidence), status=201,
                   location=f"/v1/evidence/{evidence.id}")  # fmt: skip


@router.get("/v1/evidence", response_model=Page, dependencies=[Fresh])
async def list_evidence(
    pool: ReadPool,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    system_id: UUID | None = None,
    control_id: Annotated[str | None, Query(max_length=16)] = None,
    risk_id: UUID | None = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    include_superseded: bool = False,
) -> Page:
    """Evidence, newest first; superseded records only when asked for."""
    page = await page_where(pool, "evidence_evidence", [
        ("{} = ANY(system_ids)", system_id), ("{} = ANY(control_ids)", control_id),
        ("{} = ANY(risk_ids)", risk_id), ("kind = {}", kind),
        ("superseded_by IS NULL", None if include_superseded else ...),
    ], cursor=cursor, limit=limit)  # fmt: skip
    now = datetime.now(UTC)
    for item in page.items:
        valid = item["valid_until"]
        item["status"] = ("superseded" if item["superseded_by"] else
                          "expired" if valid and valid <= now else "current")  # fmt: skip
        item["content_url"] = f"/v1/evidence/{item['id']}/content" if item["stored"] else None
    return page


@router.get("/v1/evidence/{evidence_id}", response_model=EvidenceOut)
async def get_evidence(evidence_id: UUID, repo: Repo, as_of: datetime | None = None) -> Response:
    """One piece of evidence, current (from its stream) or as it was at `as_of`."""
    evidence = await repo.load(Evidence, evidence_id, as_of=as_of)
    return resource(EvidenceOut.of(evidence), evidence.version)


@router.get("/v1/evidence/{evidence_id}/content", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})  # fmt: skip
async def get_evidence_content(evidence_id: UUID, repo: Repo, blobs: Blobs) -> Response:
    """The stored bytes, streamed; their sha256 is the evidence's sha256."""
    evidence = await repo.load(Evidence, evidence_id)
    assert isinstance(evidence, Evidence)
    path = blobs.path(evidence.sha256) if evidence.stored else None
    if path is None:
        raise Problem(404, "this evidence is kept elsewhere; see its uri", code="not_stored",
                      uri=evidence.uri)  # fmt: skip
    return FileResponse(
        path, media_type=evidence.media_type or "application/octet-stream",
        filename=evidence.filename, content_disposition_type="attachment",
        headers={"ETag": f'"{evidence.sha256}"', "X-Content-SHA256": evidence.sha256},
    )  # fmt: skip
