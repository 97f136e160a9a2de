"""The optional gate rule that a high-tier system's overseers hold current competence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from services.registry.gate.domain import DEFAULT_POLICY
from tests.support.apps import auth
from tests.support.operation import caught_up, oversee
from tests.support.registry import add_version, decide, register

OFFICER = auth("rita", "risk_officer")
RULE = "overseer_competence_missing"


def _policy(tmp: Path) -> Path:
    """The default policy plus the optional rule (one competence asked of every overseer)."""
    text = DEFAULT_POLICY.read_text().replace(
        "  deployment_approval:            # A.6.2.5 deployment approval\n",
        "  deployment_approval:            # A.6.2.5 deployment approval\n"
        "    - rule: overseers_competent\n      tiers: [high]\n"
        "      competences: [human-oversight]\n",
    )
    assert "overseers_competent\n" in text
    path = tmp / "policy.yaml"
    path.write_text(text.replace('version: "2025.2"', 'version: "2025.2-competence"'))
    return path


def _missing(decision: dict[str, Any]) -> set[tuple[str, str]]:
    return {(x["person"], x["competence"]) for x in decision["reasons"] if x["code"] == RULE}


async def _train(risk: Any, person: str, competence: str, *, days: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {"person": person, "competence": competence,
            "completed_at": (now - timedelta(days=400)).isoformat(),
            "expires_at": (now + timedelta(days=days)).isoformat()}  # fmt: skip
    r = await risk.post("/v1/training-records", json=body, headers=OFFICER)
    assert r.status_code == 201, r.text
    return {"id": r.json()["id"], "position": int(r.headers["aims-position"])}


async def test_the_default_policy_does_not_ask_overseers_for_competence(registry):
    s = await register(registry, eu_ai_act_tier="high")
    await add_version(registry, s["id"])
    r = await oversee(registry, s["id"])
    d = await decide(registry, s["id"], min_position=int(r.headers["aims-position"]))
    assert not _missing(d.json())


async def test_overseers_need_current_training_for_the_rule_and_their_roles(service, tmp_path):
    async with (
        service("registry", gate_policy_file=_policy(tmp_path)) as registry,
        service("risk") as risk,
    ):
        s = await register(registry, eu_ai_act_tier="high")
        await add_version(registry, s["id"])
        r = await oversee(registry, s["id"], ["Olga", "pete"])
        d = (await decide(registry, s["id"], min_position=int(r.headers["aims-position"]))).json()
        assert d["decision"] == "deny"
        assert _missing(d) == {("olga", "human-oversight"), ("pete", "human-oversight")}

        role = {"name": "Model overseer", "competences": ["bias-testing"], "members": ["olga"]}
        r = await risk.post("/v1/ai-roles", json=role, headers=OFFICER)
        assert r.status_code == 201, r.text
        await _train(risk, "olga", "human-oversight", days=90)
        expired = await _train(risk, "olga", "bias-testing", days=-1)
        await caught_up(registry, expired["position"])
        d = (await decide(registry, s["id"], min_position=expired["position"])).json()
        # the role adds its competence; an expired record does not count
        assert _missing(d) == {("olga", "bias-testing"), ("pete", "human-oversight")}

        await _train(risk, "olga", "bias-testing", days=30)
        last = await _train(risk, "pete", "human-oversight", days=10)
        d = (await decide(registry, s["id"], min_position=last["position"])).json()
        assert not _missing(d)
        assert f"training-{last['id']}" in d["basis"]["streams"]
        # the decision lapses no later than the first training it relies on
        lapse = datetime.fromisoformat(d["expires_at"].replace("Z", "+00:00"))
        assert lapse <= datetime.now(UTC) + timedelta(days=10, minutes=1)

        r = await risk.post(f"/v1/training-records/{last['id']}/withdraw",
                            json={"reason": "recorded for the wrong person"},
                            headers=OFFICER)  # fmt: skip
        assert r.status_code == 200, r.text
        pos = int(r.headers["aims-position"])
        d = (await decide(registry, s["id"], min_position=pos)).json()
        assert _missing(d) == {("pete", "human-oversight")}
