"""Annex C risk taxonomy and who a risk affects (6.1.2, 6.1.4)."""

from __future__ import annotations

from typing import Literal

# Annex C objectives a risk threatens (the register's `category`).
Category = Literal[
    "accountability", "ai_expertise", "data_quality", "environmental_impact", "fairness",
    "maintainability", "privacy", "robustness", "safety", "security", "transparency",
    "explainability",
]  # fmt: skip
Affected = Literal["organisation", "individuals", "groups", "society"]
Option = Literal["avoid", "modify", "share", "retain"]
