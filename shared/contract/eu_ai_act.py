"""EU AI Act facts as data (`data/eu_ai_act.yaml`): the risk tiers and the Art. 5 prohibition.

Code that needs a tier's rank, whether a tier is triaged, deployable or prohibited, or which
articles apply to it reads them here instead of hard-coding them. The file is checked when
it is loaded: its tiers must be exactly the registry's `Tier` values, the prohibition must
name one of them, and a tier's obligations must be articles of the crosswalk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, get_args

import yaml

from shared.contract.crosswalk import CrosswalkError, framework
from shared.contract.events.registry import Tier

FILE = Path(__file__).parent / "data" / "eu_ai_act.yaml"


@dataclass(frozen=True)
class TierInfo:
    """One EU AI Act risk tier."""

    id: str
    title: str
    articles: tuple[str, ...]
    rank: int | None  # None: not assessed (no protection level yet)
    deployable: bool
    obligations: tuple[str, ...]

    @property
    def assessed(self) -> bool:
        return self.rank is not None


@dataclass(frozen=True)
class Practice:
    id: str
    title: str


@dataclass(frozen=True)
class Prohibition:
    """The Art. 5 rule: systems of `tier` are refused with `code` and `message`."""

    tier: str
    article: str
    applies_from: date
    code: str
    message: str
    practices: tuple[Practice, ...]


@dataclass(frozen=True)
class Facts:
    tiers: tuple[TierInfo, ...]
    prohibition: Prohibition
    dates: dict[str, date]


@lru_cache
def facts() -> Facts:
    """The tiers, the prohibition and the dates of the packaged file, checked."""
    return parse(yaml.safe_load(FILE.read_text()))


def tiers() -> tuple[TierInfo, ...]:
    return facts().tiers


def tier(tier_id: str) -> TierInfo:
    """A tier by id (KeyError when there is none)."""
    for t in tiers():
        if t.id == tier_id:
            return t
    raise KeyError(tier_id)


def tier_rank() -> dict[str, int]:
    """How much protection each assessed tier asks for (higher: more)."""
    return {t.id: t.rank for t in tiers() if t.rank is not None}


def triaged(tier_id: str) -> bool:
    """Whether a system of this tier has been triaged (its tier is an assessed one)."""
    return tier(tier_id).assessed


def prohibition() -> Prohibition:
    return facts().prohibition


def prohibited(tier_id: str) -> bool:
    """Whether a system of this tier falls in a prohibited practice (Art. 5)."""
    return tier_id == prohibition().tier


def obligations(tier_id: str) -> tuple[str, ...]:
    """The crosswalk articles (`Art. 9`...) that apply to systems of this tier."""
    return tier(tier_id).obligations


def tiers_bound_by(article: str) -> tuple[str, ...]:
    """The tiers whose systems an article binds (`Art. 27` -> `("high",)`)."""
    return tuple(t.id for t in tiers() if article in t.obligations)


def parse(doc: Any) -> Facts:
    """The facts of an EU AI Act document; CrosswalkError names what is wrong."""
    if not isinstance(doc, dict):
        raise CrosswalkError("eu-ai-act: not a mapping")
    problems: list[str] = []
    found = tuple(_tier(t, problems) for t in doc.get("tiers") or [])
    ids = [t.id for t in found]
    if sorted(ids) != sorted(get_args(Tier)):
        problems.append(f"eu-ai-act: tiers {ids} are not the registry's tiers {get_args(Tier)}")
    articles = {r.id for r in framework("eu-ai-act").requirements}
    for t in found:
        problems += [f"eu-ai-act tier {t.id}: unknown article {a!r}"
                     for a in t.obligations if a not in articles]  # fmt: skip
    rule = doc.get("prohibition") or {}
    if rule.get("tier") not in ids:
        problems.append(f"eu-ai-act: the prohibition names unknown tier {rule.get('tier')!r}")
    if problems:
        raise CrosswalkError("; ".join(problems))
    practices = tuple(Practice(str(p["id"]), str(p["title"])) for p in rule.get("practices") or [])
    ban = Prohibition(str(rule["tier"]), str(rule.get("article", "Art. 5")),
                      _day(rule.get("applies_from")), str(rule.get("code", "prohibited")),
                      str(rule.get("message", "")), practices)  # fmt: skip
    dates = {str(k): _day(v) for k, v in (doc.get("dates") or {}).items()}
    return Facts(found, ban, dates)


def _tier(raw: Any, problems: list[str]) -> TierInfo:
    if not isinstance(raw, dict) or not raw.get("id"):
        problems.append(f"eu-ai-act: a tier needs an id: {raw!r}")
        return TierInfo("?", "?", (), None, True, ())
    assessed = bool(raw.get("assessed", True))
    rank = raw.get("rank")
    if assessed != isinstance(rank, int):
        problems.append(f"eu-ai-act tier {raw['id']}: an assessed tier has a rank, others none")
    return TierInfo(
        str(raw["id"]), str(raw.get("title", raw["id"])),
        tuple(str(a) for a in raw.get("articles") or []), rank if assessed else None,
        bool(raw.get("deployable", True)), tuple(str(a) for a in raw.get("obligations") or []),
    )  # fmt: skip


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
