"""The 38 Annex A controls of ISO/IEC 42001 (data file `shared/contract/data/annex_a.json`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_FILE = Path(__file__).parent / "data" / "annex_a.json"


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    group: str
    group_title: str


@lru_cache
def controls() -> dict[str, Control]:
    """Controls by id, in the standard's order."""
    doc = json.loads(_FILE.read_text())
    return {
        cid: Control(cid, title, g["id"], g["title"])
        for g in doc["groups"]
        for cid, title in g["controls"]
    }


def unknown(ids: list[str] | set[str] | tuple[str, ...]) -> list[str]:
    """The ids that are not Annex A controls."""
    known = controls()
    return sorted(i for i in ids if i not in known)
