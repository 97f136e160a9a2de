"""A real OpenID provider (npm `oidc-provider`) run by the tests, and its test identities."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

SCRIPT = Path(__file__).parent / "oidc_provider" / "provider.mjs"
PACKAGE = "oidc-provider@8"
# Installed once per machine, outside the tree (.ci/run may pre-install it here).
CACHE = Path(os.environ.get("AIMS_TEST_CACHE", Path.home() / ".cache" / "aims-tests"))


def install() -> Path:
    """The directory holding node_modules/oidc-provider; skips when npm cannot fetch it."""
    home = CACHE / "oidc-provider-8"
    if not (home / "node_modules" / "oidc-provider" / "package.json").exists():
        if not shutil.which("node") or not shutil.which("npm"):
            pytest.skip("node and npm are needed to run the OpenID provider")
        home.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(
            ["npm", "install", "--prefix", str(home), "--no-audit", "--no-fund", PACKAGE],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        if r.returncode != 0:
            pytest.skip(f"npm could not install {PACKAGE} (no network?): {r.stderr[-300:]}")
    shutil.copy(SCRIPT, home / SCRIPT.name)
    return home


def rsa_jwk(kid: str) -> dict[str, Any]:
    """A fresh private RSA JWK."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key))
    jwk.pop("key_ops", None)  # the provider would refuse to verify with a sign-only key
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Provider:
    """One oidc-provider process; `restart` with other keys rotates them (same issuer)."""

    def __init__(
        self, home: Path, workdir: Path, people: dict[str, Any], issuer_path: str = "",
        users: dict[str, Any] | None = None, apps: list[dict[str, Any]] | None = None,
    ) -> None:  # fmt: skip
        """`users` log in at the provider's pages to `apps` (clients with redirect URIs)."""
        self.home, self.workdir, self.people = home, workdir, people
        self.users, self.apps = users or {}, apps or []
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}{issuer_path}"
        self.proc: subprocess.Popen[str] | None = None

    def start(self, keys: list[dict[str, Any]]) -> None:
        config = self.workdir / f"provider-{self.port}.json"
        config.write_text(json.dumps({"jwks": {"keys": keys}, "people": self.people,
                                      "users": self.users, "apps": self.apps}))  # fmt: skip
        self.proc = subprocess.Popen(
            ["node", str(self.home / SCRIPT.name), str(self.port), self.issuer, str(config)],
            cwd=self.home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        seen = []
        for line in self.proc.stdout:  # warnings, then "ready" (or the error that stopped it)
            seen.append(line)
            if line.strip() == "ready":
                return
        self.stop()
        raise RuntimeError(f"oidc-provider did not start: {''.join(seen)[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def restart(self, keys: list[dict[str, Any]]) -> None:
        self.stop()
        self.start(keys)

    def token(self, client: str, resource: str = "urn:aims") -> str:
        """A JWT access token for `client` (a test identity) from the provider's token endpoint."""
        for _ in range(50):
            try:
                r = httpx.post(
                    f"{self.issuer}/token", auth=(client, f"secret-{client}"),
                    data={"grant_type": "client_credentials", "resource": resource},
                )  # fmt: skip
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        r.raise_for_status()
        return str(r.json()["access_token"])
