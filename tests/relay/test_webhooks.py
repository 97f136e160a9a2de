"""Webhook deliveries end to end: the relay (its real loop, in this process) posts signed
CloudEvents to a real HTTP receiver, which checks them with an independent Standard Webhooks
implementation (the `standardwebhooks` package); failures back off, pause the subscription
after N attempts and are listed; a redelivery replays; egress to private addresses is refused
unless configured."""

import asyncio
import ipaddress
import time
import uuid

import orjson
import pytest
from standardwebhooks.webhooks import Webhook

from services.evidence.subscriptions.egress import EgressPolicy, EgressRefused
from services.relay.config import RelaySettings
from services.relay.dispatcher import backoff
from services.relay.main import run
from services.relay.webhooks import sign
from shared.kernel.eventstore import NewEvent
from tests.support.apps import auth, settings_for
from tests.support.relay import SECRET, receiver

ADMIN = auth("ada", "admin")
FAST = RelaySettings(webhook_max_failures=3, webhook_backoff_seconds=0.05,
                     webhook_backoff_max_seconds=0.2, webhook_timeout_seconds=5)  # fmt: skip


async def until(predicate, timeout=30.0, what="the relay"):
    """Poll an async predicate with a generous deadline (the machine may be loaded)."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def recorded(c, sid, n, outcome=None):
    """The subscription's delivery records once there are `n` (of `outcome`): the relay
    records an attempt after the receiver has answered, so a test that saw the request
    waits for its record."""
    url = f"/v1/subscriptions/{sid}/deliveries" + (f"?outcome={outcome}" if outcome else "")
    items: list = []

    async def enough():
        nonlocal items
        items = (await c.get(url, headers=ADMIN)).json()["items"]
        return len(items) >= n

    await until(enough, what=f"{n} delivery records")
    return items


async def decide(store, n, kind="DeploymentDecisionMade"):
    """Append `n` events of one type to streams of the registry's; their ids, in log order."""
    ids = []
    for i in range(n):
        eid = uuid.uuid4()
        await store.append(f"decision-{uuid.uuid4()}", [NewEvent(kind, {"i": i}, eid)],
                           expected_version=0)  # fmt: skip
        ids.append(str(eid))
    return ids


class Relay:
    """The relay's loops as a task of this test."""

    def __init__(self, database, tmp_path, settings=FAST):
        self.config = settings_for(database.url, tmp_path / "data", poll_interval=0.1)
        self.settings = settings

    async def __aenter__(self):
        self.task = asyncio.create_task(run(self.config, self.settings))
        return self

    async def __aexit__(self, *_):
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def subscribe(c, url, types=("DeploymentDecisionMade",)):
    r = await c.post("/v1/subscriptions", headers=ADMIN,
                     json={"url": url, "types": list(types), "secret": SECRET})  # fmt: skip
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_deliveries_are_signed_cloudevents_in_log_order(service, store, database,
                                                              tmp_path, monkeypatch):  # fmt: skip
    monkeypatch.setenv("AIMS_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    with receiver() as hook:
        async with service("evidence") as c, Relay(database, tmp_path):
            before = await decide(store, 2)  # before the subscription: not delivered
            sid = await subscribe(c, hook.url)
            wanted = await decide(store, 12)
            await decide(store, 3, kind="SystemRegistered")  # another type: not delivered
            await until(lambda: _count(hook, 12), what="12 deliveries")
            got = hook.got()
            verifier = Webhook(SECRET)
            events = [verifier.verify(r.body, r.headers) for r in got]  # raises on a bad one
            assert [e["id"] for e in events] == wanted and not set(before) & {e["id"] for e in
                                                                                events}  # fmt: skip
            assert [r.headers["webhook-id"] for r in got] == wanted
            positions = [e["aimsposition"] for e in events]
            assert positions == sorted(positions)
            first = events[0]
            assert first["specversion"] == "1.0" and first["type"] == "DeploymentDecisionMade"
            assert first["subject"].startswith("decision-") and first["data"] == {"i": 0}
            assert got[0].headers["content-type"].startswith("application/cloudevents+json")
            # The receiver has every request before the relay commits the last record.
            items = await recorded(c, sid, 12)
            assert {i["outcome"] for i in items} == {"delivered"}
            one = (await c.get(f"/v1/subscriptions/{sid}", headers=ADMIN)).json()
            assert one["failures"] == 0 and one["delivered_position"] >= positions[-1]


async def _count(hook, n):
    return len(hook.got()) >= n


async def test_failures_back_off_pause_the_subscription_are_listed_and_redelivery_replays(
    service, store, database, tmp_path, monkeypatch
):
    monkeypatch.setenv("AIMS_WEBHOOK_ALLOW_PRIVATE", "true")
    with receiver() as hook:
        hook.status = 500
        async with service("evidence") as c, Relay(database, tmp_path):
            sid = await subscribe(c, hook.url)
            ids = await decide(store, 2)
            base = f"/v1/subscriptions/{sid}"

            async def paused():
                return (await c.get(base, headers=ADMIN)).json()["status"] == "paused"

            await until(paused, what="the pause")
            failed = (await c.get(f"{base}/deliveries?outcome=failed", headers=ADMIN)).json()
            attempts = failed["items"]
            assert [a["attempt"] for a in attempts] == [3, 2, 1]  # newest first
            assert {a["event_id"] for a in attempts} == {ids[0]}  # order holds: no skipping
            assert all(a["http_status"] == 500 and "HTTP 500" in a["error"] for a in attempts)
            assert len(hook.got()) == 3
            sub = (await c.get(base, headers=ADMIN)).json()
            assert sub["paused_at_position"] is not None and "3 failed attempts" in (
                sub["pause_reason"]
            )  # fmt: skip
            trail = await c.get("/v1/audit-trail?type=SubscriptionPaused", headers=ADMIN)
            assert trail.status_code == 200

            hook.status = 200
            first_pos = attempts[0]["position"]
            r = await c.post(f"{base}/redeliver?from_position={first_pos}", headers=ADMIN)
            assert r.status_code == 200 and r.json()["status"] == "active"
            await until(lambda: _delivered(hook, ids), what="the redelivery")
            ok = await recorded(c, sid, 2, outcome="delivered")
            assert [i["event_id"] for i in ok] == ids[::-1]

            # A redelivery from an earlier position sends the same events again, in order.
            hook.requests.clear()
            await c.post(f"{base}/redeliver?from_position=1", headers=ADMIN)
            await until(lambda: _delivered(hook, ids), what="the replay")
            assert [r.headers["webhook-id"] for r in hook.got()] == ids


async def _delivered(hook, ids):
    got = [r.headers["webhook-id"] for r in hook.got() if r.headers.get("webhook-id")]
    return got[-len(ids) :] == ids and len(got) >= len(ids)


async def test_the_relay_refuses_private_addresses_unless_allowed(
    service, store, database, tmp_path, monkeypatch
):
    with receiver() as hook:
        monkeypatch.setenv("AIMS_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
        async with service("evidence") as c:
            sid = await subscribe(c, hook.url)
            named = await subscribe(c, f"http://localhost:{hook.port}/hooks")
        monkeypatch.delenv("AIMS_WEBHOOK_ALLOWED_NETWORKS")  # the relay runs without it
        async with service("evidence") as c, Relay(database, tmp_path):
            await decide(store, 1)
            for s in (sid, named):

                async def failed(s=s):
                    page = await c.get(f"/v1/subscriptions/{s}/deliveries", headers=ADMIN)
                    return bool(page.json()["items"])

                await until(failed, what="a refused attempt")
                item = (await c.get(f"/v1/subscriptions/{s}/deliveries",
                                    headers=ADMIN)).json()["items"][0]  # fmt: skip
                assert item["outcome"] == "failed" and item["http_status"] is None
                assert item["error"].startswith("egress refused") and "127.0.0.1" in item["error"]
        assert hook.got() == []


def test_the_egress_rule_judges_every_kind_of_address():
    strict, private = EgressPolicy(), EgressPolicy(allow_private=True)
    listed = EgressPolicy(allowed=(ipaddress.ip_network("169.254.169.254/32"),))
    refused = ["127.0.0.1", "::1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.1.1",
               "fe80::1", "fc00::1", "100.64.0.1", "0.0.0.0", "::", "::ffff:127.0.0.1",
               "2002:7f00:1::", "224.0.0.1", "169.254.169.254"]  # fmt: skip
    for a in refused:
        with pytest.raises(EgressRefused):
            strict.check_address(ipaddress.ip_address(a))
    strict.check_address(ipaddress.ip_address("93.184.215.14"))
    strict.check_address(ipaddress.ip_address("2606:4700::1111"))
    private.check_address(ipaddress.ip_address("10.0.0.1"))
    for metadata in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"):
        with pytest.raises(EgressRefused, match="metadata"):
            private.check_address(ipaddress.ip_address(metadata))
    listed.check_address(ipaddress.ip_address("169.254.169.254"))


def test_signatures_follow_the_standard_webhooks_example_and_backoff_grows_with_jitter():
    # The worked example of the Standard Webhooks specification (and its libraries' tests).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    key = __import__("base64").b64decode(secret.removeprefix("whsec_"))
    body = b'{"test": 2432232314}'
    assert sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )
    Webhook(secret).verify(body, {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": str(int(time.time())),
        "webhook-signature": sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", int(time.time()), body),
    })  # fmt: skip
    delays = [backoff(n, 1.0, 60.0) for n in range(1, 12)]
    assert all(0.5 * min(60, 2 ** (n - 1)) <= d <= min(60, 2 ** (n - 1))
               for n, d in enumerate(delays, start=1))  # fmt: skip
    assert orjson.dumps(delays)  # plain floats


async def test_two_relays_deliver_each_event_once_through_one_leader(
    service, store, database, tmp_path, monkeypatch
):
    monkeypatch.setenv("AIMS_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    with receiver() as hook:
        async with service("evidence") as c:
            await subscribe(c, hook.url)
        async with Relay(database, tmp_path), Relay(database, tmp_path):
            ids = await decide(store, 20)
            await until(lambda: _count(hook, 20), what="20 deliveries")
            await asyncio.sleep(0.5)  # a second sender would show up as repeats
            assert [r.headers["webhook-id"] for r in hook.got()] == ids
