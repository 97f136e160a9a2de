"""Evidence record routes: record (JSON or upload), supersede, list, read, download."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import ValidationError

from services.evidence.fields import BAD_PAGE, NOT_FRESH, QueryTime, problems
from services.evidence.records import handlers, queries
from services.evidence.records.blobs import BlobStore
from services.evidence.records.commands import RecordEvidence
from services.evidence.records.domain import Evidence
from services.evidence.records.schemas import EvidenceIn, EvidenceOut, SupersedeIn, UploadIn
from services.evidence.records.upload import Upload, form_values, receive_upload
from shared.http.deps import Ctx, Fresh, Pool, ReadPool, Repo, resource, written
from shared.http.pagination import Cursor, Page
from shared.http.problems import Problem

router = APIRouter(tags=["evidence"])


def blobs_of(app: FastAPI) -> BlobStore:
    """The app's blob store (typed access to `app.state.blobs`)."""
    blobs: BlobStore = app.state.blobs
    return blobs


def get_blobs(request: Request) -> BlobStore:
    return blobs_of(request.app)


Blobs = Annotated[BlobStore, Depends(get_blobs)]


def _form_field(schema: dict[str, Any]) -> dict[str, Any]:
    """A form field's schema: a field is sent or left out, never null."""
    variants = [v for v in schema.get("anyOf", []) if v.get("type") != "null"]
    out = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    return {**out, **variants[0]} if len(variants) == 1 else schema


_UPLOAD = UploadIn.model_json_schema()
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": EvidenceIn.model_json_schema()},
            "multipart/form-data": {"schema": {
                **_UPLOAD,
                "properties": {**{k: _form_field(v) for k, v in _UPLOAD["properties"].items()},
                               "file": {"type": "string", "format": "binary"}},
                "required": [*_UPLOAD.get("required", []), "file"],
            }},
        },
    }
}  # fmt: skip
_NOT_FOUND = (404, "no such evidence (`not_found`)")


def _invalid(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
    )


async def _parse(request: Request, blobs: BlobStore) -> RecordEvidence:
    """The command of a JSON body, or of a multipart upload whose file is already stored."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        upload = await receive_upload(request, blobs)
        try:
            form = UploadIn.model_validate(form_values(upload.fields))
        except ValidationError as exc:
            upload.discard()
            raise _invalid(exc) from exc
        if upload.sha256 is None or form.sha256 not in (None, upload.sha256):
            upload.discard()
            raise Problem(422, "sha256 does not match the uploaded bytes", code="sha256_mismatch",
                          computed=upload.sha256)  # fmt: skip
        upload.commit()
        request.state.upload = upload  # settled or refused by the route once the event is
        return form.to_command(upload, upload.sha256)
    if ctype and not ctype.startswith("application/json"):
        raise Problem(415, "send application/json or multipart/form-data", code="unsupported_media")
    try:
        return EvidenceIn.model_validate_json(await request.body()).to_command()
    except ValidationError as exc:
        raise _invalid(exc) from exc


@router.post(
    "/v1/evidence", status_code=201, response_model=EvidenceOut, openapi_extra=_BODY,
    responses=problems(
        (404, "`supersedes` names no evidence (`evidence_not_found`)"),
        (409, "the superseded evidence is already superseded (`already_superseded`)"),
        (413, "the file exceeds the upload limit (`too_large`)"),
        (415, "neither JSON nor multipart/form-data (`unsupported_media`)"),
        (422, "invalid fields (`validation`), unknown Annex A controls (`unknown_control`),"
              " `valid_until` not after `collected_at` (`invalid_validity`), a malformed upload"
              " (`invalid_upload`) or a `sha256` that is not the file's (`sha256_mismatch`)"),
    ),
)  # fmt: skip
async def record_evidence(
    request: Request, ctx: Ctx, repo: Repo, blobs: Blobs, pool: Pool
) -> Response:
    """Record evidence: JSON with sha256 + uri, or a multipart upload stored by its hash."""
    cmd = await _parse(request, blobs)
    upload: Upload | None = getattr(request.state, "upload", None)
    try:
        evidence, result = await handlers.record_evidence(cmd, repo, ctx)
    except BaseException:
        if upload is not None and upload.writer is not None:
            await upload.writer.refuse(lambda sha: queries.blob_referenced(pool, sha))
        raise
    if upload is not None and upload.writer is not None:
        upload.writer.settle()
    return written(result, EvidenceOut.of(evidence), status=201,
                   location=f"/v1/evidence/{evidence.id}")  # fmt: skip


@router.post(
    "/v1/evidence/{evidence_id}/supersede", status_code=201, response_model=EvidenceOut,
    responses=problems(
        (404, "no such evidence (`evidence_not_found`)"),
        (409, "the evidence is already superseded (`already_superseded`)"),
        (422, "invalid fields (`validation`), unknown Annex A controls (`unknown_control`) or"
              " `valid_until` not after `collected_at` (`invalid_validity`)"),
    ),
)  # fmt: skip
async def supersede_evidence(
    evidence_id: UUID, body: SupersedeIn, ctx: Ctx, repo: Repo
) -> Response:
    """Record newer evidence that replaces this one (nothing is edited)."""
    evidence, result = await handlers.record_evidence(body.superseding(evidence_id), repo, ctx)
    return written(result, EvidenceOut.of(evidence), status=201,
                   location=f"/v1/evidence/{evidence.id}")  # fmt: skip


@router.get(
    "/v1/evidence",
    response_model=Page,
    dependencies=[Fresh],
    responses=problems(BAD_PAGE, NOT_FRESH),
)
async def list_evidence(
    pool: ReadPool,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    system_id: UUID | None = None,
    control_id: Annotated[str | None, Query(max_length=16)] = None,
    risk_id: UUID | None = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    include_superseded: bool = False,
    expires_within_days: Annotated[
        int | None,
        Query(
            ge=0,
            le=3650,
            description="only evidence still valid whose validity ends within this many days",
        ),
    ] = None,
) -> Page:
    """Evidence, newest first; superseded records only when asked for."""
    return await queries.list_evidence(
        pool, system_id=system_id, control_id=control_id, risk_id=risk_id, kind=kind,
        include_superseded=include_superseded, expires_within_days=expires_within_days,
        cursor=cursor, limit=limit,
    )  # fmt: skip


@router.get(
    "/v1/evidence/{evidence_id}", response_model=EvidenceOut, responses=problems(_NOT_FOUND)
)
async def get_evidence(evidence_id: UUID, repo: Repo, as_of: QueryTime | None = None) -> Response:
    """One piece of evidence, current (from its stream) or as it was at `as_of`."""
    evidence = await repo.load(Evidence, evidence_id, as_of=as_of)
    return resource(EvidenceOut.of(evidence), evidence.version)


@router.get(
    "/v1/evidence/{evidence_id}/content", response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        **problems((404, "no such evidence (`not_found`), or evidence recorded by reference"
                         " (`sha256` + `uri`, no upload) whose bytes are kept elsewhere"
                         " (`not_stored`; the problem's `uri` says where)")),
    },
)  # fmt: skip
async def get_evidence_content(evidence_id: UUID, repo: Repo, blobs: Blobs) -> Response:
    """The stored bytes, streamed; their sha256 is the evidence's sha256."""
    evidence = await repo.load(Evidence, evidence_id)
    path = blobs.path(evidence.sha256) if evidence.stored else None
    if path is None:
        raise Problem(404, "this evidence is kept elsewhere; see its uri", code="not_stored",
                      uri=evidence.uri)  # fmt: skip
    return FileResponse(
        path, media_type=evidence.media_type or "application/octet-stream",
        filename=evidence.filename, content_disposition_type="attachment",
        headers={"ETag": f'"{evidence.sha256}"', "X-Content-SHA256": evidence.sha256},
    )  # fmt: skip
