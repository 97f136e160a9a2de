"""Crosswalks as data: ISO/IEC 42001, the EU AI Act and the NIST AI RMF, and what aims records
for each requirement (files `data/iso42001.yaml`, `data/eu_ai_act.yaml`, `data/nist_ai_rmf.yaml`).

Every file is checked when it is loaded: a clause, Annex A control or event type it names
must exist, ids must be unique, and the ISO file must describe exactly the 38 Annex A
controls. A file that fails raises CrosswalkError naming every problem.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from shared.contract import annex_a
from shared.contract.events import approvals, evidence, registry, risk
from shared.domain.aggregate import DomainEvent

DATA = Path(__file__).parent / "data"
FILES = {"iso42001": "iso42001.yaml", "eu-ai-act": "eu_ai_act.yaml",
         "nist-ai-rmf": "nist_ai_rmf.yaml"}  # fmt: skip
FRAMEWORKS = tuple(FILES)


class CrosswalkError(ValueError):
    """A crosswalk file names something that does not exist, or is malformed."""


@dataclass(frozen=True)
class Records:
    """Event types that show a requirement operating (see the header of iso42001.yaml)."""

    met: tuple[str, ...] = ()
    partial: tuple[str, ...] = ()
    within_days: int | None = None
    organisation: bool = False

    @property
    def types(self) -> tuple[str, ...]:
        return self.met + tuple(t for t in self.partial if t not in self.met)


@dataclass(frozen=True)
class Requirement:
    """One requirement of a framework and the ISO/IEC 42001 elements that cover it."""

    id: str
    title: str
    description: str = ""
    clauses: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()
    records: Records | None = None
    group: str = ""


@dataclass(frozen=True)
class Source:
    title: str
    href: str


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    version: str
    sources: tuple[Source, ...]
    requirements: tuple[Requirement, ...]

    def requirement(self, rid: str) -> Requirement:
        """The requirement with this id (KeyError when there is none)."""
        for r in self.requirements:
            if r.id == rid:
                return r
        raise KeyError(rid)


@lru_cache
def event_types() -> frozenset[str]:
    """Names of every event type of the contract."""
    return frozenset(
        name for module in (approvals, evidence, registry, risk)
        for name, obj in vars(module).items()
        if inspect.isclass(obj) and issubclass(obj, DomainEvent) and obj is not DomainEvent
    )  # fmt: skip


@lru_cache
def framework(name: str) -> Framework:
    """A framework's requirements, checked (ISO: clauses, then the Annex A controls)."""
    if name not in FILES:
        raise KeyError(name)
    return parse(yaml.safe_load((DATA / FILES[name]).read_text()))


def iso() -> Framework:
    return framework("iso42001")


def clauses() -> dict[str, Requirement]:
    """The ISO/IEC 42001 clauses aims covers, by id."""
    return {r.id: r for r in iso().requirements if not r.id.startswith("A.")}


def controls() -> dict[str, Requirement]:
    """The Annex A controls with aims' description and records, by id."""
    return {r.id: r for r in iso().requirements if r.id.startswith("A.")}


def parse(doc: Any) -> Framework:
    """A crosswalk document as a Framework; CrosswalkError names every problem found."""
    problems: list[str] = []
    if not isinstance(doc, dict) or doc.get("framework") not in FILES:
        raise CrosswalkError(f"not a crosswalk document (framework one of {FRAMEWORKS})")
    name = str(doc["framework"])
    known_clauses = _clause_ids(doc) if name == "iso42001" else set(clauses())
    items = _iso_items(doc, problems) if name == "iso42001" else doc.get("requirements")
    if not isinstance(items, list) or not items:
        raise CrosswalkError(f"{name}: no requirements")
    found = [_requirement(name, item, known_clauses, problems) for item in items]
    ids = [r.id for r in found]
    problems += [
        f"{name}: duplicate id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    if problems:
        raise CrosswalkError("; ".join(problems))
    sources = tuple(Source(str(s["title"]), str(s["href"])) for s in doc.get("sources") or [])
    return Framework(name, str(doc.get("title", name)), str(doc.get("version", "")), sources,
                     tuple(found))  # fmt: skip


def _clause_ids(doc: dict[str, Any]) -> set[str]:
    return {str(c.get("id")) for c in doc.get("clauses") or [] if isinstance(c, dict)}


def _iso_items(doc: dict[str, Any], problems: list[str]) -> list[dict[str, Any]]:
    """The ISO clauses, then one requirement per Annex A control (all 38, nothing else)."""
    described = doc.get("annex_a") or {}
    if not isinstance(described, dict):
        problems.append("iso42001: annex_a must map control ids to descriptions")
        described = {}
    known = annex_a.controls()
    problems += [
        f"iso42001: unknown Annex A control {c!r}" for c in annex_a.unknown(set(described))
    ]
    problems += [f"iso42001: Annex A control {c} is not described" for c in known
                 if c not in described]  # fmt: skip
    items = [{**c, "group": f"Clause {str(c.get('id', '')).split('.')[0]}"}
             for c in doc.get("clauses") or [] if isinstance(c, dict)]  # fmt: skip
    for cid, c in known.items():
        entry = described.get(cid) or {}
        items.append({"id": cid, "title": c.title, "group": f"{c.group} {c.group_title}",
                      "description": entry.get("description", ""), "controls": [cid],
                      "records": entry.get("records")})  # fmt: skip
    return items


def _requirement(name: str, item: Any, known_clauses: set[str], problems: list[str]) -> Requirement:
    if not isinstance(item, dict) or not item.get("id") or not item.get("title"):
        problems.append(f"{name}: every requirement needs an id and a title: {item!r}")
        return Requirement("?", "?")
    rid = str(item["id"])
    clause_ids = tuple(str(c) for c in item.get("clauses") or [])
    control_ids = tuple(str(c) for c in item.get("controls") or [])
    problems += [f"{name} {rid}: unknown clause {c!r}" for c in clause_ids
                 if c not in known_clauses]  # fmt: skip
    problems += [f"{name} {rid}: unknown Annex A control {c!r}"
                 for c in annex_a.unknown(control_ids)]  # fmt: skip
    records = _records(f"{name} {rid}", item.get("records"), problems)
    if name != "iso42001" and not (clause_ids or control_ids or records):
        problems.append(f"{name} {rid}: maps to nothing")
    group = str(item.get("group") or (rid.split(" ")[0] if name == "nist-ai-rmf" else ""))
    return Requirement(rid, str(item["title"]), str(item.get("description") or ""),
                       clause_ids, control_ids, records, group)  # fmt: skip


def _records(where: str, raw: Any, problems: list[str]) -> Records | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"met", "partial", "within_days", "organisation"}:
        problems.append(f"{where}: records takes met, partial, within_days, organisation")
        return None
    met, partial = tuple(raw.get("met") or ()), tuple(raw.get("partial") or ())
    if not met:
        problems.append(f"{where}: records name no `met` event type")
    problems += [f"{where}: unknown event type {t!r}" for t in met + partial
                 if t not in event_types()]  # fmt: skip
    days = raw.get("within_days")
    if days is not None and (not isinstance(days, int) or days < 1):
        problems.append(f"{where}: within_days must be a positive number of days")
    return Records(met, partial, days, bool(raw.get("organisation", False)))
