"""End to end: `aims up` as a real process tree, talked to over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from tests.support.procs import read_at

SERVICES = ("registry", "risk", "evidence", "console")


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def aims_env(data_dir: Path, ports: list[int]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    env["AIMS_DATA_DIR"] = str(data_dir)
    for name, port in zip(SERVICES, ports, strict=True):
        env[f"AIMS_{name.upper()}_PORT"] = str(port)
    return env


def ready(ports: list[int]) -> bool:
    try:
        return (
            all(
                httpx.get(f"http://127.0.0.1:{p}/readyz", timeout=1).status_code == 200
                for p in ports[:3]
            )
            and httpx.get(f"http://127.0.0.1:{ports[3]}/healthz", timeout=1).status_code == 200
        )
    except httpx.HTTPError:
        return False


def test_aims_up_serves_all_three_services_and_stops_cleanly(tmp_path):
    data, ports = tmp_path / "data", free_ports(4)
    env = aims_env(data, ports)
    aims = [sys.executable, "-m", "services.cli.main"]
    proc = subprocess.Popen([*aims, "up"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: ready(ports), 180, "all /readyz green")
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 4
        tok = subprocess.check_output(
            [*aims, "token", "--sub", "e2e", "--role", "system_owner"], env=env, text=True
        ).strip()
        r = httpx.post(
            f"http://127.0.0.1:{ports[0]}/v1/systems",
            json={"name": "E2E", "purpose": "prove it runs", "owner": "e2e"},
            headers={"Authorization": f"Bearer {tok}"},
        )
        assert r.status_code == 201, r.text
        assert (data / "jwt.key").stat().st_mode & 0o777 == 0o600
        assert (data / "pg" / "postmaster.pid").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "registry" in out and str(data) in out
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not (data / "pg" / "postmaster.pid").exists()  # PostgreSQL stopped


def test_aims_up_keeps_data_across_restarts_and_refuses_a_busy_port(tmp_path):
    data, ports = tmp_path / "data", free_ports(4)
    env = aims_env(data, ports)
    aims = [sys.executable, "-m", "services.cli.main"]
    for run in range(2):
        proc = subprocess.Popen([*aims, "up"], env=env, stdout=subprocess.PIPE, text=True)
        try:
            wait_until(lambda: ready(ports), 180, "all /readyz green")
            tok = subprocess.check_output(
                [*aims, "token", "--sub", "e2e", "--role", "system_owner"], env=env, text=True
            ).strip()
            h = {"Authorization": f"Bearer {tok}"}
            base = f"http://127.0.0.1:{ports[0]}"
            if run == 0:
                r = httpx.post(f"{base}/v1/systems", headers=h,
                               json={"name": "kept", "purpose": "p", "owner": "e2e"})  # fmt: skip
                assert r.status_code == 201
                kept = int(r.headers["aims-position"])
            else:
                # a second `aims up` on the same ports says why it cannot start
                busy = subprocess.run(
                    [*aims, "up"], env=env, capture_output=True, text=True, timeout=120
                )
                assert busy.returncode != 0 and "port in use" in busy.stderr
                # The restarted registry folds the log again: read at the write's position.
                listed = read_at(f"{base}/v1/systems", kept, h)
                assert listed.status_code == 200, listed.text
                assert [s["name"] for s in listed.json()["items"]] == ["kept"]
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=60)
        assert proc.returncode == 0
