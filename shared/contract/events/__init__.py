"""Event types of all three services: the contract between them.

Each service writes only its own streams but may read any event to build its own read
models (the registry's gate reads risk and evidence events, the evidence service's
audit trail reads everything). Every event about one AI system carries `system_id`
(or `system_ids`) in its data so projections can follow a system across services.

Stream categories (`<category>-<id>`):
  registry: system, decision, oversight, monitoring, breach, telemetry, gatepolicy,
            responsibilities, dataset
  risk:     criteria, risk, acceptance, impact, soa, policy, airole, training, objective,
            supplier, party, scope
  evidence: evidence, audit, nc, review, checkpoint, incident, concern, subscription

Four-eyes requests and rejections (`approvals`) live in the stream of what they change.
"""

from shared.contract.events import approvals, evidence, registry, risk, subscriptions

CATEGORIES = {
    "registry": frozenset(
        {"system", "decision", "oversight", "monitoring", "breach", "telemetry", "gatepolicy"}
        | {"responsibilities", "dataset"}
    ),
    "risk": frozenset(
        {"criteria", "risk", "acceptance", "impact", "soa", "policy", "airole", "training"}
        | {"objective", "supplier", "party", "scope"}
    ),
    "evidence": frozenset(
        {"evidence", "audit", "nc", "review", "checkpoint", "incident", "concern"}
        | {"subscription"}
    ),
}

__all__ = ["CATEGORIES", "approvals", "evidence", "registry", "risk", "subscriptions"]
