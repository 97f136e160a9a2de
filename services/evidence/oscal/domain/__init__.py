"""Pure building of the OSCAL documents from aims' records (no HTTP, no SQL)."""

from services.evidence.oscal.domain.assessment import assessment_results
from services.evidence.oscal.domain.catalog import catalog
from services.evidence.oscal.domain.common import OSCAL_VERSION, Bases, Stamp, oscal_uuid
from services.evidence.oscal.domain.component import component_definition
from services.evidence.oscal.domain.poam import poam

__all__ = [
    "OSCAL_VERSION", "Bases", "Stamp", "assessment_results", "catalog", "component_definition",
    "oscal_uuid", "poam",
]  # fmt: skip
