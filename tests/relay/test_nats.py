"""The log to NATS JetStream with a real nats-server and the relay as a real process: every
event once, in log order, on `aims.<category>.<type>`, with `Nats-Msg-Id` = the event id,
even when the relay is killed (-9) in the middle of publishing and comes back after an
outage longer than the stream's duplicate window."""

import asyncio
import os
import signal
import subprocess
import sys
import uuid

import nats
import orjson
from nats.js.api import StreamConfig

from shared.kernel.eventstore import NewEvent
from tests.support.apps import SECRET as JWT_SECRET
from tests.support.relay import nats_server

TOTAL = 3000


def start_relay(database_url, nats_url, data_dir, log_name):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env.update(AIMS_DATABASE_URL=database_url, AIMS_NATS_URL=nats_url, AIMS_DATA_DIR=str(data_dir),
               AIMS_JWT_SECRET=JWT_SECRET, AIMS_POLL_INTERVAL="0.2", AIMS_RELAY_BATCH="100",
               AIMS_LOG_LEVEL="INFO")  # fmt: skip
    log = open(data_dir / log_name, "ab")  # noqa: SIM115 - lives with the process
    return subprocess.Popen([sys.executable, "-m", "services.cli.main", "relay"], env=env,
                            stdout=log, stderr=log)  # fmt: skip


async def until(predicate, timeout, what):
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def append_many(store, n, start=0):
    """`n` events over several categories, fifty per append."""
    for i in range(start, start + n, 50):
        cat = ("system", "risk", "evidence")[(i // 50) % 3]
        events = [NewEvent(f"Thing{j % 2}Happened", {"n": j}) for j in range(i, i + 50)]
        await store.append(f"{cat}-{uuid.uuid4()}", events, expected_version=0)


async def read_stream(js, count):
    """Every message of stream AIMS, oldest first, through an ordered consumer of our own."""
    sub = await js.subscribe("aims.>", ordered_consumer=True)
    msgs: list = []
    try:
        while len(msgs) < count:
            msgs.append(await sub.next_msg(timeout=10))
    finally:
        await sub.unsubscribe()
    return msgs


async def test_the_stream_equals_the_log_after_a_kill_9_mid_publishing(store, pool, database,
                                                                       tmp_path):  # fmt: skip
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with nats_server(tmp_path / "nats") as url:
        nc = await nats.connect(url)
        js = nc.jetstream()
        # A short duplicate window: the restart below comes after it has passed, so only
        # reading the stream's tail (not JetStream's deduplication) can prevent repeats.
        await js.add_stream(StreamConfig(name="AIMS", subjects=["aims.>"], duplicate_window=0.5))
        await append_many(store, TOTAL)

        async def stored():
            return (await js.stream_info("AIMS")).state.messages

        relay = start_relay(database.url, url, data_dir, "relay-1.log")
        try:
            await until(lambda: _at_least(stored, 200), 60, "the relay to start publishing")
        finally:
            relay.send_signal(signal.SIGKILL)
            relay.wait()
        at_kill = await stored()
        assert 0 < at_kill < TOTAL, f"killed with {at_kill} of {TOTAL} published"
        await asyncio.sleep(1.0)  # longer than the duplicate window
        await append_many(store, 500, start=TOTAL)  # the log goes on during the outage
        head = await store.head_position()

        relay = start_relay(database.url, url, data_dir, "relay-2.log")
        try:
            await until(lambda: _at_least(stored, head), 90, "the relay to catch up")
            await asyncio.sleep(0.5)  # a repeat would show up as an extra message
            assert await stored() == head
            msgs = await read_stream(js, head)
        finally:
            relay.terminate()
            relay.wait(10)
        rows = await pool.fetch(
            "SELECT position, id, stream_id, type FROM events ORDER BY position"
        )
        assert len(msgs) == len(rows) == head
        for msg, row in zip(msgs, rows, strict=True):
            event = orjson.loads(msg.data)
            assert msg.headers["Nats-Msg-Id"] == event["id"] == str(row["id"])
            assert event["aimsposition"] == row["position"]
            category = row["stream_id"].split("-", 1)[0]
            assert msg.subject == f"aims.{category}.{row['type']}"
            assert event["specversion"] == "1.0" and event["subject"] == row["stream_id"]
        await nc.close()


async def _at_least(stored, n):
    return await stored() >= n


async def test_a_stream_of_another_log_is_refused(store, database, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with nats_server(tmp_path / "nats") as url:
        nc = await nats.connect(url)
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name="AIMS", subjects=["aims.>"]))
        stranger = str(uuid.uuid4())
        await js.publish("aims.system.X", b"{}", headers={"Nats-Msg-Id": stranger})
        await append_many(store, 10)
        relay = start_relay(database.url, url, data_dir, "relay.log")
        try:
            log = data_dir / "relay.log"
            await until(lambda: _logged(log, stranger), 60, "the refusal in the relay's log")
            assert (await js.stream_info("AIMS")).state.messages == 1
        finally:
            relay.terminate()
            relay.wait(10)
        await nc.close()


async def _logged(path, text):
    return path.exists() and text in path.read_text(errors="replace")
