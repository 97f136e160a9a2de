"""Event types of all three services: the contract between them.

Each service writes only its own streams but may read any event to build its own read
models (the registry's gate reads risk and evidence events, the evidence service's
audit trail reads everything). Every event about one AI system carries `system_id`
(or `system_ids`) in its data so projections can follow a system across services.

Stream categories (`<category>-<id>`):
  registry: system, decision
  risk:     criteria, risk, acceptance, impact, soa
  evidence: evidence, audit, nc, review, checkpoint
"""

from shared.contract.events import evidence, registry, risk

CATEGORIES = {
    "registry": frozenset({"system", "decision"}),
    "risk": frozenset({"criteria", "risk", "acceptance", "impact", "soa"}),
    "evidence": frozenset({"evidence", "audit", "nc", "review", "checkpoint"}),
}

__all__ = ["CATEGORIES", "evidence", "registry", "risk"]
