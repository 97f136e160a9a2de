"""The crosswalks are data: they load, cover what they claim, and refuse unknown ids."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from services.registry.systems.domain import TIER_RANK
from shared.contract import annex_a, crosswalk, eu_ai_act
from shared.contract.crosswalk import CrosswalkError
from shared.contract.events.registry import Tier

DATA = Path(crosswalk.__file__).parent / "data"
EU_ARTICLES = ["Art. 9", "Art. 10", "Art. 11", "Art. 12", "Art. 13", "Art. 14", "Art. 15",
               "Art. 17", "Art. 26", "Art. 27", "Art. 72", "Art. 73"]  # fmt: skip


def raw(name: str) -> dict[str, Any]:
    return yaml.safe_load((DATA / crosswalk.FILES[name]).read_text())


def test_iso_covers_every_annex_a_control_and_the_clauses_4_to_10():
    iso = crosswalk.iso()
    assert list(crosswalk.controls()) == list(annex_a.controls())
    assert all(c.description for c in crosswalk.controls().values())
    clause_ids = list(crosswalk.clauses())
    assert {"4.1", "5.2", "6.1.2", "6.1.3", "6.1.4", "9.2", "9.3", "10.2"} <= set(clause_ids)
    assert {c.split(".")[0] for c in clause_ids} == {str(n) for n in range(4, 11)}
    assert len(iso.requirements) == len(clause_ids) + 38


def test_the_eu_ai_act_lists_the_high_risk_articles_and_nist_its_72_subcategories():
    assert [r.id for r in crosswalk.framework("eu-ai-act").requirements] == EU_ARTICLES
    nist = crosswalk.framework("nist-ai-rmf").requirements
    assert len(nist) == 72
    assert {r.group for r in nist} == {"GOVERN", "MAP", "MEASURE", "MANAGE"}
    assert all(r.clauses or r.controls for r in nist)


def test_every_file_cites_its_public_sources():
    for name in crosswalk.FRAMEWORKS:
        fw = crosswalk.framework(name)
        assert fw.sources and all(s.href.startswith(("http://", "https://")) for s in fw.sources)
        assert "Sources" in (DATA / crosswalk.FILES[name]).read_text().split("\n\n")[0]
    assert any("2024/1689" in s.title for s in crosswalk.framework("eu-ai-act").sources)
    assert any("42001 AI Management System Crosswalk" in s.title
               for s in crosswalk.framework("nist-ai-rmf").sources)  # fmt: skip


def test_every_event_type_named_is_one_of_the_contract():
    for name in crosswalk.FRAMEWORKS:
        for r in crosswalk.framework(name).requirements:
            assert r.records is None or set(r.records.types) <= crosswalk.event_types()


@pytest.mark.parametrize(("name", "change", "complaint"), [
    ("eu-ai-act", lambda d: d["requirements"][0].update(controls=["A.99.1"]),
     "unknown Annex A control 'A.99.1'"),
    ("eu-ai-act", lambda d: d["requirements"][0].update(clauses=["11.1"]),
     "unknown clause '11.1'"),
    ("nist-ai-rmf", lambda d: d["requirements"][0].update(records={"met": ["PolicyWritten"]}),
     "unknown event type 'PolicyWritten'"),
    ("nist-ai-rmf", lambda d: d["requirements"].append(dict(d["requirements"][0])),
     "duplicate id 'GOVERN 1.1'"),
    ("nist-ai-rmf", lambda d: d["requirements"][1].update(clauses=[], controls=[]),
     "GOVERN 1.2: maps to nothing"),
    ("iso42001", lambda d: d["annex_a"].pop("A.6.2.8"), "A.6.2.8 is not described"),
    ("iso42001", lambda d: d["annex_a"].update({"A.11.2": {"description": "x"}}),
     "unknown Annex A control 'A.11.2'"),
    ("iso42001", lambda d: d["clauses"][0].update(records={"partial": ["SystemRegistered"]}),
     "records name no `met` event type"),
    ("iso42001", lambda d: d["clauses"][0].update(records={"met": ["SystemRegistered"],
                                                           "within_days": 0}),
     "within_days must be a positive number"),
])  # fmt: skip
def test_a_file_naming_what_does_not_exist_is_refused(name, change, complaint):
    doc = copy.deepcopy(raw(name))
    change(doc)
    with pytest.raises(CrosswalkError, match=complaint):
        crosswalk.parse(doc)


def test_the_tiers_are_the_registrys_and_their_ranks_the_ones_it_uses_today():
    assert sorted(t.id for t in eu_ai_act.tiers()) == sorted(get_args(Tier))
    assert eu_ai_act.tier_rank() == TIER_RANK
    assert not eu_ai_act.triaged("unassessed") and eu_ai_act.triaged("minimal")
    assert not eu_ai_act.tier("prohibited").deployable and eu_ai_act.tier("high").deployable


def test_the_art_5_prohibition_is_data():
    ban = eu_ai_act.prohibition()
    assert (ban.tier, ban.article, ban.code) == ("prohibited", "Art. 5", "prohibited")
    assert eu_ai_act.prohibited("prohibited") and not eu_ai_act.prohibited("high")
    assert [p.id for p in ban.practices] == [f"art5-1{x}" for x in "abcdefgh"]
    assert ban.applies_from.isoformat() == "2025-02-02"


def test_high_risk_systems_owe_every_listed_article_and_minimal_ones_none():
    assert list(eu_ai_act.obligations("high")) == EU_ARTICLES
    assert eu_ai_act.obligations("minimal") == ()
    assert eu_ai_act.tiers_bound_by("Art. 14") == ("high",)  # the gate's oversight default


@pytest.mark.parametrize(("change", "complaint"), [
    (lambda d: d["tiers"].pop(), "are not the registry's tiers"),
    (lambda d: d["prohibition"].update(tier="banned"), "unknown tier 'banned'"),
    (lambda d: d["tiers"][1]["obligations"].append("Art. 99"), "unknown article 'Art. 99'"),
    (lambda d: d["tiers"][4].update(rank=0), "an assessed tier has a rank"),
])  # fmt: skip
def test_eu_ai_act_facts_that_disagree_with_the_contract_are_refused(change, complaint):
    doc = copy.deepcopy(raw("eu-ai-act"))
    change(doc)
    with pytest.raises(CrosswalkError, match=complaint):
        eu_ai_act.parse(doc)
