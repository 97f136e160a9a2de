"""Request and response bodies of datasets; request bodies build the commands."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from services.registry.datasets.commands import RegisterDataset, ReviseDataset
from services.registry.datasets.domain import Dataset, Record
from services.registry.systems.schemas import Digest, Name, Text, stripped
from shared.contract.events.registry import CheckResult, DataUse, QualityCheck

Label = Annotated[str, stripped(200)]
DataVersionText = Annotated[str, stripped(100)]
Flag = Annotated[bool, Field(strict=True)]  # JSON true/false only, not "1" or 0


def _distinct(ids: list[UUID]) -> list[UUID]:
    if len(set(ids)) != len(ids):
        raise ValueError("ids must be distinct")
    return ids


Unique = {"uniqueItems": True}
SystemIds = Annotated[
    list[UUID], Field(max_length=50, json_schema_extra=Unique), AfterValidator(_distinct)
]
ModelVersionIds = Annotated[
    list[UUID], Field(max_length=200, json_schema_extra=Unique), AfterValidator(_distinct)
]


class QualityCheckIn(BaseModel):
    """A data-quality check (A.7.4): what was checked and how it came out."""

    model_config = ConfigDict(extra="forbid")
    name: Label
    result: CheckResult
    details: Text = ""


Checks = Annotated[list[QualityCheckIn], Field(max_length=50)]


def _checks(checks: list[QualityCheckIn]) -> tuple[QualityCheck, ...]:
    return tuple(QualityCheck(name=c.name, result=c.result, details=c.details) for c in checks)


class DatasetIn(BaseModel):
    """A data resource; `version` and `digest` (sha256) are the data's own."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    owner: Annotated[str, stripped(200), AfterValidator(str.casefold)] | None = None
    source: Text = ""
    provenance: Text = ""
    licence: Annotated[str, Field(max_length=200)] = ""
    personal_data: Flag
    quality_checks: Checks = []
    version: DataVersionText
    digest: Digest
    use: DataUse = "training"
    system_ids: SystemIds = []
    model_version_ids: ModelVersionIds = []

    def to_command(self, actor: str) -> RegisterDataset:
        """The command; the dataset's owner is the caller unless named."""
        return RegisterDataset(Record(
            name=self.name, owner=self.owner or actor, source=self.source,
            provenance=self.provenance, licence=self.licence, personal_data=self.personal_data,
            quality_checks=_checks(self.quality_checks), version=self.version,
            digest=self.digest.removeprefix("sha256:"), use=self.use,
            system_ids=tuple(self.system_ids), model_version_ids=tuple(self.model_version_ids),
        ))  # fmt: skip


def _unset() -> Any:
    """A PATCH field's default: absent means unchanged (null is refused, not documented)."""
    return Field(None, json_schema_extra=_no_default)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class DatasetPatch(BaseModel):
    """Fields to change (a new `version` with its `digest`, checks, links...); null is refused."""

    model_config = ConfigDict(extra="forbid")
    name: Name | SkipJsonSchema[None] = _unset()
    owner: Annotated[str, stripped(200), AfterValidator(str.casefold)] | SkipJsonSchema[None] = (
        _unset()
    )
    source: Text | SkipJsonSchema[None] = _unset()
    provenance: Text | SkipJsonSchema[None] = _unset()
    licence: Annotated[str, Field(max_length=200)] | SkipJsonSchema[None] = _unset()
    personal_data: Flag | SkipJsonSchema[None] = _unset()
    quality_checks: Checks | SkipJsonSchema[None] = _unset()
    version: DataVersionText | SkipJsonSchema[None] = _unset()
    digest: Digest | SkipJsonSchema[None] = _unset()
    use: DataUse | SkipJsonSchema[None] = _unset()
    system_ids: SystemIds | SkipJsonSchema[None] = _unset()
    model_version_ids: ModelVersionIds | SkipJsonSchema[None] = _unset()

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = sorted(k for k, v in data.items() if v is None)
            if nulls:
                raise ValueError(f"fields cannot be null: {', '.join(nulls)}")
        return data

    def to_command(self, dataset_id: UUID, expected: int | None) -> ReviseDataset:
        changes: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if name == "quality_checks":
                value = _checks(value)
            elif name == "digest":
                value = value.removeprefix("sha256:")
            elif isinstance(value, list):
                value = tuple(value)
            changes[name] = value
        return ReviseDataset(dataset_id, changes, expected)


class QualityCheckOut(BaseModel):
    name: str
    result: str
    details: str


class DataVersionOut(BaseModel):
    version: str
    digest: str
    recorded_at: datetime | None
    recorded_by: str | None


class DatasetOut(BaseModel):
    id: UUID
    name: str
    owner: str
    source: str
    provenance: str
    licence: str
    personal_data: bool
    quality_checks: list[QualityCheckOut]
    version: str
    digest: str
    use: str
    system_ids: list[UUID]
    model_version_ids: list[UUID]
    versions: list[DataVersionOut]
    record_version: int
    created_at: datetime | None
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, d: Dataset) -> DatasetOut:
        r = d.record
        return cls(
            id=d.id, name=r.name, owner=r.owner, source=r.source, provenance=r.provenance,
            licence=r.licence, personal_data=r.personal_data,
            quality_checks=[QualityCheckOut(**c.model_dump()) for c in r.quality_checks],
            version=r.version, digest=r.digest, use=r.use, system_ids=list(r.system_ids),
            model_version_ids=list(r.model_version_ids),
            versions=[DataVersionOut(version=v.version, digest=v.digest,
                                     recorded_at=v.recorded_at, recorded_by=v.recorded_by)
                      for v in d.versions],
            record_version=d.version, created_at=d.created_at, updated_at=d.last_event_at,
            updated_by=d.updated_by,
        )  # fmt: skip


class DatasetRow(BaseModel):
    """A dataset as the list shows it (the `registry.datasets` projection)."""

    id: UUID
    name: str
    owner: str
    source: str
    provenance: str
    licence: str
    personal_data: bool
    data_version: str
    digest: str
    use: str
    system_ids: list[UUID]
    model_version_ids: list[UUID]
    version: int
    created_at: datetime
    updated_at: datetime


class DatasetPage(BaseModel):
    items: list[DatasetRow]
    next_cursor: str | None = None
