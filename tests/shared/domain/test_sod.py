"""The separation-of-duties file: loaded, validated, and what it says is what is enforced."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from services.risk.main import create
from shared.domain.errors import NotAllowed
from shared.domain.sod import DEFAULT_FILE, SodPolicyError, load_sod_policy, parse_sod_policy
from shared.kernel.requestctx import Actor
from shared.platform.config import Settings

APPROVER = Actor("amy", frozenset({"approver"}))


def doc() -> dict:
    return yaml.safe_load(DEFAULT_FILE.read_text())


def test_the_packaged_policy_covers_every_decision_with_a_version_and_hash():
    policy = load_sod_policy()
    assert policy.version and len(policy.sha256) == 64
    ia = policy.rule("impact_assessment.approval")
    assert ia.exclude == ("author", "revisers", "submitters", "system_owner")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["decisions"].pop("criteria.change"), "missing ['criteria.change']"),
        (lambda d: d["decisions"].update({"x.y": d["decisions"]["soa.exclusion"]}), "unknown"),
        (lambda d: d["decisions"]["soa.exclusion"]["exclude"].append("friend"), "relation"),
        (lambda d: d["decisions"]["soa.exclusion"].update({"approve": ["boss"]}), "role"),
        (lambda d: d["decisions"]["soa.exclusion"].update({"approve": []}), "need a role"),
        (lambda d: d.pop("version"), "version"),
    ],
)
def test_a_policy_that_names_unknown_things_or_leaves_a_decision_out_is_refused(edit, message):
    d = doc()
    edit(d)
    with pytest.raises(SodPolicyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_sod_policy(d, "0" * 64)


def test_a_service_does_not_start_with_a_bad_policy_file(tmp_path: Path):
    bad = tmp_path / "sod.yaml"
    bad.write_text("version: 1\ndecisions: {}\n")
    with pytest.raises(SodPolicyError):
        create(Settings(data_dir=tmp_path, sod_policy_file=bad))


def test_the_rules_are_data_an_edited_file_changes_who_is_excluded(tmp_path: Path):
    relations = {"author": {"amy"}, "revisers": set(), "submitters": set(), "system_owner": set()}
    with pytest.raises(NotAllowed) as refused:
        load_sod_policy().check_decider("impact_assessment.approval", APPROVER, relations)
    assert refused.value.extra["relation"] == "author"
    d = doc()
    d["decisions"]["impact_assessment.approval"]["exclude"] = ["submitters"]
    edited = tmp_path / "sod.yaml"
    edited.write_text(yaml.safe_dump(d))
    policy = load_sod_policy(edited)
    policy.check_decider("impact_assessment.approval", APPROVER, relations)  # no longer excluded
    assert policy.sha256 != load_sod_policy().sha256
