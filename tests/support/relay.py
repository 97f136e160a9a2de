"""Helpers of the relay tests: a webhook receiver (real HTTP) and a real nats-server."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.procs import free_port, wait_for

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every request; answers `status` (a test changes it to make deliveries fail)."""

    port: int = 0
    status: int = 204
    scheme: str = "http"
    host: str = "127.0.0.1"
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}/hooks/aims"

    def got(self) -> list[Received]:
        with self.lock:
            return list(self.requests)


@contextmanager
def receiver(tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    """A webhook receiver on a free local port, in a thread of this process; with `tls`, an
    HTTPS one, named `localhost` in its URL."""
    state = Receiver(scheme="https", host="localhost") if tls else Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with state.lock:
                state.requests.append(Received({k.lower(): v for k, v in self.headers.items()},
                                               body))  # fmt: skip
                status = state.status
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def nats_binary() -> str:
    """The nats-server binary, installed from Debian's package when missing and root."""
    found = shutil.which("nats-server") or shutil.which("nats-server", path="/usr/sbin:/usr/bin")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        install = ["apt-get", "install", "-y", "-q", "nats-server"]
        if subprocess.run(install, capture_output=True).returncode:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True)
            subprocess.run(install, capture_output=True)
        found = shutil.which("nats-server", path="/usr/sbin:/usr/bin")
    if found is None:
        pytest.skip("nats-server is not installed and could not be (Debian package nats-server,"
                    " installed by the tests when running as root with apt-get)")  # fmt: skip
    return found


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def nats_server(store_dir: Path) -> Iterator[str]:
    """A JetStream-enabled nats-server of its own; yields its URL."""
    port = free_port()
    store_dir.mkdir(parents=True, exist_ok=True)
    log = open(store_dir / "nats.log", "ab")  # noqa: SIM115 - lives with the process
    proc = subprocess.Popen(
        [nats_binary(), "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(store_dir)],
        stdout=log, stderr=log,
    )  # fmt: skip
    try:
        wait_for(lambda: _accepts(port), 30, "nats-server to listen")
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def poll(predicate: Any, timeout: float, what: str, every: float = 0.02) -> None:
    """Wait (in a synchronous test) until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)
