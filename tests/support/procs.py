"""Services as real processes (uvicorn), for crash, outage and end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.support.apps import MIN_POSITION_WAIT, SECRET

# Seconds a service process may take to answer /healthz. Importing a service has taken
# more than 30 s on a loaded 2-core machine; a process that exits fails at once.
START_BUDGET = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(
    service: str, database_url: str, port: int, data_dir: Path, **env: str
) -> subprocess.Popen[bytes]:
    """Start one service process; returns once it answers /healthz."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("AIMS_")}
    full.update(AIMS_DATABASE_URL=database_url, AIMS_JWT_SECRET=SECRET,
                AIMS_DATA_DIR=str(data_dir), AIMS_POLL_INTERVAL="0.2",
                AIMS_MIN_POSITION_WAIT=str(MIN_POSITION_WAIT), **env)  # fmt: skip
    log = open(data_dir / f"{service}-{port}.log", "ab")  # noqa: SIM115 - lives with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", f"services.{service}.main:create", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=full, stdout=log, stderr=log,
    )  # fmt: skip

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"{service} exited with {proc.returncode} (see {log.name})")
        return _answers(f"http://127.0.0.1:{port}/healthz")

    try:
        wait_for(up, START_BUDGET, f"{service} to start")
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc


def stop(*procs: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float = 20) -> None:
    """SIGTERM, then SIGKILL whatever has not exited within `grace` seconds: a test's
    clean-up never waits on a process for ever."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def read_at(
    url: str, position: int, headers: dict[str, str], timeout: float = 60, **params: int | str
) -> httpx.Response:
    """GET a list with `min_position`, asked again while the service answers 503 (its read
    models did not reach `position` within its short wait), until `timeout`: a service that
    just started or a loaded machine may need longer than one wait to catch up."""
    query = {**params, "min_position": position}
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.get(url, params=query, headers=headers, timeout=MIN_POSITION_WAIT + 30)
        if r.status_code != 503 or time.monotonic() > deadline:
            return r
        time.sleep(0.1)
