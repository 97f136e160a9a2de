"""OSCAL export routes: the Annex A catalog, the SoA, audits and the POA&M, as OSCAL JSON."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Request

from services.evidence.fields import BAD_PAGE, NOT_FRESH, problems
from services.evidence.oscal import domain, queries
from services.evidence.oscal.domain import Bases, Stamp
from services.evidence.oscal.domain.catalog import CATALOG_CHANGED
from services.evidence.oscal.schemas import (
    AssessmentResultsDocument,
    CatalogDocument,
    ComponentDefinitionDocument,
    PoamDocument,
)
from shared.http.deps import Fresh, ReadPool
from shared.http.state import settings

router = APIRouter(tags=["oscal"], dependencies=[Fresh])
_FRESH = problems(BAD_PAGE, NOT_FRESH)


def bases_of(request: Request) -> Bases:
    """Where the services answer (`AIMS_<SERVICE>_URL`, else host and port), for `href`s."""
    s = settings(request.app)
    host = "127.0.0.1" if s.host in ("0.0.0.0", "::") else s.host
    given = {"registry": s.registry_url, "risk": s.risk_url, "evidence": s.evidence_url}
    return Bases(**{n: (u or f"http://{host}:{s.port_of(n)}").rstrip("/")
                    for n, u in given.items()})  # fmt: skip


Hrefs = Annotated[Bases, Depends(bases_of)]


@router.get("/v1/exports/oscal/catalog", response_model=CatalogDocument, responses=_FRESH)
async def catalog(bases: Hrefs) -> dict[str, Any]:
    """The 38 Annex A controls as an OSCAL catalog (ids, titles, aims' own descriptions)."""
    return domain.catalog(bases)


@router.get("/v1/exports/oscal/component-definition",
            response_model=ComponentDefinitionDocument, responses=_FRESH)  # fmt: skip
async def component_definition(pool: ReadPool, bases: Hrefs) -> dict[str, Any]:
    """The Statement of Applicability: each control's decision, owner and evidence."""
    soa, evidence = await queries.soa(pool), await queries.evidence(pool)
    changes = [(s["set_at"], s["position"]) for s in soa.values()]
    changes += [(e["created_at"], e["created_position"]) for e in evidence]
    changed = Stamp.newest(await _fallback(pool), *changes)
    return domain.component_definition(soa, evidence, changed, bases)


@router.get("/v1/exports/oscal/assessment-results",
            response_model=AssessmentResultsDocument, responses=_FRESH)  # fmt: skip
async def assessment_results(pool: ReadPool, bases: Hrefs) -> dict[str, Any]:
    """Internal audits and their findings as OSCAL assessment results."""
    audits, findings = await queries.audits(pool), await queries.findings(pool)
    changed = Stamp.newest(await _fallback(pool), *_changes(audits))
    return domain.assessment_results(audits, findings, changed, bases)


@router.get("/v1/exports/oscal/poam", response_model=PoamDocument, responses=_FRESH)
async def poam(pool: ReadPool, bases: Hrefs) -> dict[str, Any]:
    """Nonconformities and corrective actions as an OSCAL plan of action and milestones."""
    ncs = await queries.nonconformities(pool)
    raised_by = [nc["finding_id"] for nc in ncs if nc["finding_id"]]
    findings = await queries.findings(pool, raised_by) if raised_by else []
    changed = Stamp.newest(await _fallback(pool), *_changes(ncs))
    return domain.poam(ncs, findings, changed, bases)


def _changes(rows: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return [(e["recorded_at"], e["position"]) for r in rows for e in r["events"]]


async def _fallback(pool: asyncpg.Pool) -> Stamp:
    """When a document holds nothing: as of the log's newest event."""
    return await queries.head(pool) or Stamp(CATALOG_CHANGED, 0)
