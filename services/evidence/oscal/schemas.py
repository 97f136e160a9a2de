"""Response bodies of the OSCAL exports: one OSCAL JSON document each, its root named by
the OSCAL model (the content is validated against the OSCAL models in the tests)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_OSCAL = ConfigDict(extra="forbid", populate_by_name=True)


class CatalogDocument(BaseModel):
    """An OSCAL catalog."""

    model_config = _OSCAL
    catalog: dict[str, Any]


class ComponentDefinitionDocument(BaseModel):
    """An OSCAL component definition."""

    model_config = _OSCAL
    component_definition: dict[str, Any] = Field(alias="component-definition")


class AssessmentResultsDocument(BaseModel):
    """OSCAL assessment results."""

    model_config = _OSCAL
    assessment_results: dict[str, Any] = Field(alias="assessment-results")


class PoamDocument(BaseModel):
    """An OSCAL plan of action and milestones."""

    model_config = _OSCAL
    plan_of_action_and_milestones: dict[str, Any] = Field(alias="plan-of-action-and-milestones")
