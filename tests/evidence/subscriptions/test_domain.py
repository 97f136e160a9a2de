"""The subscription aggregate and the Standard Webhooks secret format, without I/O."""

import base64
import uuid

import pytest

from services.evidence.subscriptions.domain import Subscription, secret_bytes
from shared.contract.events.subscriptions import (
    SubscriptionCreated,
    SubscriptionPaused,
    SubscriptionRedeliveryRequested,
    SubscriptionResumed,
)
from shared.domain.errors import Conflict, Invalid


def created() -> Subscription:
    return Subscription.create(
        uuid.uuid4(), url="https://x.example/h", types=["*", "*"], secret_sealed="aesgcm1:k:box",
        by="ada", after_position=7,
    )  # fmt: skip


def test_a_subscription_starts_active_after_the_head_with_its_types_once():
    sub = created()
    (event,) = sub.pending
    assert isinstance(event, SubscriptionCreated) and event.types == ["*"]
    assert sub.status == "active" and sub.after_position == 7


def test_the_relay_pauses_it_and_an_admin_resumes_or_redelivers():
    sub = created()
    sub.pause(9, 8, "HTTP 500")
    sub.pause(9, 9, "again")  # already paused: nothing more
    assert sub.status == "paused" and sub.paused_at_position == 9
    sub.resume("ada")
    with pytest.raises(Conflict):
        sub.resume("ada")
    sub.pause(10, 8, "HTTP 502")
    sub.redeliver(3, "ada")
    kinds = [type(e) for e in sub.pending[1:]]
    assert kinds == [SubscriptionPaused, SubscriptionResumed, SubscriptionPaused,
                     SubscriptionRedeliveryRequested]  # fmt: skip
    assert (sub.status, sub.redeliveries) == ("active", 2)


def test_unknown_event_types_are_refused():
    with pytest.raises(Invalid) as refused:
        Subscription.create(uuid.uuid4(), url="https://x.example/h", types=["Nope"],
                            secret_sealed="s", by="ada", after_position=0)  # fmt: skip
    assert refused.value.code == "unknown_type" and refused.value.extra["types"] == ["Nope"]


@pytest.mark.parametrize("size", [24, 32, 64])
def test_secrets_hold_24_to_64_bytes_in_base64_after_whsec(size):
    key = bytes(range(size))
    assert secret_bytes("whsec_" + base64.b64encode(key).decode()) == key


@pytest.mark.parametrize("bad", ["", "whsec_", "sk_abc", "whsec_***", "whsec_" + "A" * 20,
                                 "whsec_" + base64.b64encode(bytes(65)).decode(),
                                 "whsec_é"])  # fmt: skip
def test_other_secrets_are_refused(bad):
    with pytest.raises(Invalid) as refused:
        secret_bytes(bad)
    assert refused.value.code == "bad_secret"
