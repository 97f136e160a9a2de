"""Art. 73 reporting deadlines as data: which rule applies to a serious incident, and when.

The rules live in `deadlines.yaml` beside this module (the regulation's articles, not
code), loaded and checked once. `deadline` picks the shortest deadline among the rules an
incident matches and names the rule and its article, so every recorded deadline says why.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import yaml

from shared.contract.events.evidence import Harm

RULES_FILE = Path(__file__).resolve().parent / "deadlines.yaml"
HARMS = frozenset(get_args(Harm))


class DeadlineRulesError(ValueError):
    """The deadline rules file is not valid."""


@dataclass(frozen=True)
class DeadlineRule:
    id: str
    article: str
    description: str
    days: int
    widespread: bool = False  # matches a widespread incident
    harm: frozenset[str] = frozenset()  # matches an incident with any of these harms

    @property
    def catch_all(self) -> bool:
        return not self.widespread and not self.harm

    def matches(self, widespread: bool, harm: Iterable[str]) -> bool:
        """Whether the rule applies to a serious incident of this kind."""
        return self.catch_all or (self.widespread and widespread) or bool(self.harm & set(harm))


@dataclass(frozen=True)
class Deadline:
    """When a serious incident must be notified, and by which rule."""

    due_at: datetime
    rule: DeadlineRule


@dataclass(frozen=True)
class DeadlineRules:
    version: str
    rules: tuple[DeadlineRule, ...]

    def deadline(self, aware_at: datetime, widespread: bool, harm: Iterable[str]) -> Deadline:
        """The shortest deadline among the rules that apply, counted from `aware_at`."""
        harm = tuple(harm)
        matching = [r for r in self.rules if r.matches(widespread, harm)]
        rule = min(matching, key=lambda r: r.days)  # the catch-all guarantees one
        return Deadline(aware_at + timedelta(days=rule.days), rule)


def parse(doc: Mapping[str, Any]) -> DeadlineRules:
    """Rules from their YAML document; DeadlineRulesError names what is wrong."""
    raw = doc.get("rules")
    if not isinstance(raw, list) or not raw:
        raise DeadlineRulesError("`rules` must be a non-empty list")
    rules = tuple(_rule(r) for r in raw)
    if len({r.id for r in rules}) != len(rules):
        raise DeadlineRulesError("rule ids must be unique")
    if not any(r.catch_all for r in rules):
        raise DeadlineRulesError("one rule must have no conditions (every serious incident)")
    return DeadlineRules(str(doc.get("version", "")), rules)


def _rule(raw: Any) -> DeadlineRule:
    if not isinstance(raw, dict) or set(raw) - {"id", "article", "description", "days",
                                               "when_any"}:  # fmt: skip
        raise DeadlineRulesError(f"a rule has unknown fields: {raw!r}")
    when = raw.get("when_any") or {}
    if not isinstance(when, dict) or set(when) - {"widespread", "harm"}:
        raise DeadlineRulesError(f"rule {raw.get('id')}: `when_any` takes widespread and harm")
    harm = frozenset(when.get("harm") or [])
    if harm - HARMS:
        raise DeadlineRulesError(f"rule {raw.get('id')}: unknown harm {sorted(harm - HARMS)}")
    days = raw.get("days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise DeadlineRulesError(f"rule {raw.get('id')}: `days` must be a whole number >= 0")
    if not raw.get("id") or not raw.get("article"):
        raise DeadlineRulesError("every rule needs an `id` and an `article`")
    return DeadlineRule(str(raw["id"]), str(raw["article"]), str(raw.get("description", "")),
                        days, when.get("widespread") is True, harm)  # fmt: skip


@functools.cache
def load(path: Path = RULES_FILE) -> DeadlineRules:
    """The rules in `path` (the shipped Art. 73 rules by default), checked."""
    return parse(yaml.safe_load(path.read_text()))
