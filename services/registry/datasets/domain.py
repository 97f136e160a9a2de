"""Data resources of AI systems (A.4.3, A.7; EU AI Act Art. 10): stream `dataset-<id>`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from services.registry.systems.domain import AISystem
from shared.contract.events.registry import DatasetRegistered, DatasetRevised, QualityCheck
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict, Invalid, NotAllowed
from shared.kernel.requestctx import Actor


@dataclass(frozen=True)
class Record:
    """What a dataset's events state about it (`version` is the data's own version)."""

    name: str
    owner: str
    source: str = ""
    provenance: str = ""
    licence: str = ""
    personal_data: bool = False
    quality_checks: tuple[QualityCheck, ...] = ()
    version: str = ""
    digest: str = ""
    use: str = "training"
    system_ids: tuple[UUID, ...] = ()
    model_version_ids: tuple[UUID, ...] = ()

    def changed_from(self, other: Record) -> list[str]:
        """The fields whose value differs from `other`'s."""
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]

    def event_fields(self) -> dict[str, Any]:
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
                for f in fields(self)}  # fmt: skip


@dataclass(frozen=True)
class DataVersion:
    """One version of the data, with when and by whom it was recorded."""

    version: str
    digest: str
    recorded_at: datetime | None
    recorded_by: str | None


@dataclass
class Dataset(Aggregate):
    """A dataset: its record now and every data version it has had."""

    category = "dataset"
    record: Record = field(default_factory=lambda: Record("", ""))
    versions: list[DataVersion] = field(default_factory=list)
    updated_by: str | None = None

    @classmethod
    def register(cls, id: UUID, record: Record) -> Dataset:
        """A new dataset, linked to the systems and model versions its record names."""
        dataset = cls(id)
        dataset._emit(DatasetRegistered(dataset_id=id, **record.event_fields()))
        return dataset

    def check_changer(self, actor: Actor) -> None:
        """Only the dataset's owner or an admin changes it."""
        if actor.has("admin") or actor.sub == self.record.owner:
            return
        raise NotAllowed(f"only the dataset's owner ({self.record.owner}) or an admin changes it",
                         code="not_dataset_owner", owner=self.record.owner)  # fmt: skip

    def revise(self, record: Record) -> None:
        """State the record anew; the same record records nothing."""
        changed = record.changed_from(self.record)
        if changed:
            self._emit(DatasetRevised(dataset_id=self.id, changed=changed,
                                      **record.event_fields()))  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        match event:
            case DatasetRegistered() | DatasetRevised():
                data = event.model_dump(exclude={"dataset_id", "changed"})
                data["quality_checks"] = tuple(event.quality_checks)
                data["system_ids"] = tuple(event.system_ids)
                data["model_version_ids"] = tuple(event.model_version_ids)
                self.record = Record(**data)

    def recorded(self, event: DomainEvent, actor: str | None, at: datetime | None) -> None:
        self.updated_by = actor
        r = self.record
        if not self.versions or (self.versions[-1].version, self.versions[-1].digest) != (
            r.version, r.digest,
        ):  # fmt: skip
            self.versions.append(DataVersion(r.version, r.digest, at, actor))


def check_links(
    record: Record, systems: Mapping[UUID, AISystem | None], actor: Actor,
    already: Iterable[UUID] = (),
) -> None:  # fmt: skip
    """The systems and model versions a record names exist; new links are the actor's to make.

    A system is linked by its owner, an admin or the pipeline (mlops), as model versions
    are; a retired system takes no new links. Links kept from before need no check.
    """
    unknown = [str(s) for s in record.system_ids if systems.get(s) is None]
    if unknown:
        raise Invalid(f"no such AI system: {', '.join(unknown)}", code="unknown_system",
                      system_ids=unknown)  # fmt: skip
    known = {mv.id for s in systems.values() if s is not None for mv in s.model_versions
             if s.id in record.system_ids}  # fmt: skip
    strays = [str(m) for m in record.model_version_ids if m not in known]
    if strays:
        raise Invalid(
            f"not a model version of the linked systems: {', '.join(strays)}",
            code="unknown_model_version", model_version_ids=strays,
        )  # fmt: skip
    kept = set(already)
    for system_id in record.system_ids:
        system = systems[system_id]
        if system_id in kept or system is None:
            continue
        system.check_changer(actor, "mlops")
        if system.stage == "retired":
            raise Conflict(f"system {system_id} is retired: it takes no new data",
                           code="retired")  # fmt: skip
