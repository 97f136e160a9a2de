"""Read model of datasets: one row per dataset with its links, for lists and `reporting`."""

from __future__ import annotations

import orjson

from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Writes, WritesProjection, uid

_DATASET = """
INSERT INTO registry_dataset (id, name, owner, source, provenance, licence, personal_data,
    quality_checks, data_version, digest, use, system_ids, model_version_ids, version,
    created_position, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14, $15, $16, $16)
ON CONFLICT (id) DO UPDATE SET name = $2, owner = $3, source = $4, provenance = $5,
    licence = $6, personal_data = $7, quality_checks = $8::jsonb, data_version = $9,
    digest = $10, use = $11, system_ids = $12, model_version_ids = $13, version = $14,
    updated_at = $16
"""


class DatasetList(WritesProjection):
    """Every dataset as its latest event states it."""

    name = "registry.datasets"
    tables = ("registry_dataset",)
    types = frozenset({"DatasetRegistered", "DatasetRevised"})

    def apply(self, w: Writes, e: StoredEvent) -> None:
        d, dataset_id = e.data, uid(e.data["dataset_id"])
        w.add([dataset_id], _DATASET, dataset_id, d["name"], d["owner"], d["source"],
              d["provenance"], d["licence"], d["personal_data"],
              orjson.dumps(d["quality_checks"]).decode(), d["version"], d["digest"], d["use"],
              [uid(s) for s in d["system_ids"]], [uid(m) for m in d["model_version_ids"]],
              e.version, e.position, e.recorded_at)  # fmt: skip
