"""The registry's things whose protective changes wait for a second person."""

from __future__ import annotations

from services.registry.policy.handlers import GATE_POLICY
from services.registry.systems.handlers import SYSTEMS
from shared.domain.approvals import Kinds

KINDS: Kinds = {"system": SYSTEMS, "gatepolicy": GATE_POLICY}
# The events that carry out an approved change (they cite it in `approval`).
EFFECTS = frozenset({"SystemUpdated", "SystemOwnerAssigned", "GatePolicyAdopted"})
