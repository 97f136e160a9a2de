"""`aims up` runs the relay as a process of its own: events reach NATS, and a relay killed
with -9 is started again while the services go on answering."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

import httpx
import nats
import psutil
import pytest

from tests.e2e.test_aims_up import aims_env, free_ports, ready, wait_until
from tests.support.relay import nats_server


def relay_children(pid: int) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(pid).children(recursive=True):
        try:
            if child.cmdline()[-1:] == ["relay"]:
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


async def subjects(url: str) -> list[str]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        try:
            sub = await js.subscribe("aims.>", ordered_consumer=True)
        except nats.js.errors.NotFoundError:  # the relay has not created the stream yet
            return []
        got = []
        try:
            while True:
                got.append((await sub.next_msg(timeout=1)).subject)
        except nats.errors.TimeoutError:
            return got
    finally:
        await nc.close()


@pytest.mark.slow
def test_aims_up_starts_the_relay_and_restarts_it_alone(tmp_path):
    data, ports = tmp_path / "data", free_ports(4)
    with nats_server(tmp_path / "nats") as url:
        env = {**aims_env(data, ports), "AIMS_NATS_URL": url, "AIMS_POLL_INTERVAL": "0.2"}
        aims = [sys.executable, "-m", "services.cli.main"]
        proc = subprocess.Popen([*aims, "up"], env=env, stdout=subprocess.PIPE, text=True)
        try:
            wait_until(lambda: ready(ports), 90, "all /readyz green")
            wait_until(lambda: bool(relay_children(proc.pid)), 30, "the relay process")
            first = relay_children(proc.pid)[0]
            tok = subprocess.check_output(
                [*aims, "token", "--sub", "e2e", "--role", "system_owner"], env=env, text=True
            ).strip()
            headers = {"Authorization": f"Bearer {tok}"}
            base = f"http://127.0.0.1:{ports[0]}"

            def register(name: str) -> None:
                body = {"name": name, "purpose": "prove the relay", "owner": "e2e"}
                r = httpx.post(f"{base}/v1/systems", json=body, headers=headers, timeout=10)
                assert r.status_code == 201, r.text

            def published(n: int) -> bool:
                got = asyncio.run(subjects(url))
                return got.count("aims.system.SystemRegistered") >= n

            register("before the kill")
            wait_until(lambda: published(1), 60, "the event on NATS")
            first.send_signal(signal.SIGKILL)
            register("while the relay is down")  # the services do not depend on it
            wait_until(
                lambda: any(p.pid != first.pid for p in relay_children(proc.pid)), 30,
                "the relay to be started again",
            )  # fmt: skip
            wait_until(lambda: published(2), 60, "the second event on NATS")
            assert asyncio.run(subjects(url)).count("aims.system.SystemRegistered") == 2
            assert proc.poll() is None
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
