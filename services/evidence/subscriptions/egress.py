"""Where webhooks may go: no server-side request forgery through a subscription URL.

A subscription URL is chosen by an admin but fetched by the relay from inside the
deployment, so without a rule it could reach the cloud metadata service, the database or
an internal admin port. Deliveries go only to globally routable addresses unless the
configuration allows more: `AIMS_WEBHOOK_ALLOW_PRIVATE=true` lets loopback, private,
link-local and shared addresses through (still not the metadata addresses), and
`AIMS_WEBHOOK_ALLOWED_NETWORKS` (CIDRs, comma separated) allows exactly those networks,
metadata addresses included if listed. The relay resolves the host, checks every address
it resolves to, and connects to the checked address itself (the TLS name stays the
host's), so a DNS answer that changes between check and connect gains nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from pydantic_settings import BaseSettings, SettingsConfigDict

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Instance metadata services (AWS/GCP/Azure/OpenStack, AWS over IPv6, Alibaba): refused even
# when private addresses are allowed, unless an allowed network names them.
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200",
))  # fmt: skip
MAX_URL = 2048


class EgressSettings(BaseSettings):
    """The egress rule's knobs (`AIMS_WEBHOOK_ALLOW_PRIVATE`, `AIMS_WEBHOOK_ALLOWED_NETWORKS`)."""

    model_config = SettingsConfigDict(env_prefix="AIMS_WEBHOOK_", extra="ignore")
    allow_private: bool = False
    allowed_networks: str = ""


class EgressRefused(Exception):
    """The URL or an address it resolves to is not one deliveries may go to."""


@dataclass(frozen=True)
class EgressPolicy:
    allow_private: bool = False
    allowed: tuple[Network, ...] = ()

    @classmethod
    def from_env(cls) -> EgressPolicy:
        """The policy the environment configures."""
        s = EgressSettings()
        nets = [n.strip() for n in s.allowed_networks.replace(" ", ",").split(",") if n.strip()]
        return cls(s.allow_private, tuple(ipaddress.ip_network(n, strict=False) for n in nets))

    def check_address(self, address: Address) -> None:
        """Refuse an address deliveries may not reach."""
        ip = _unmapped(address)
        if any(ip in n for n in self.allowed):
            return
        if ip in METADATA:
            raise EgressRefused(f"{ip} is a cloud metadata address")
        if (not ip.is_global or ip.is_multicast) and not self.allow_private:
            raise EgressRefused(f"{ip} is not a public address (loopback, private, link-local"
                                " or reserved)")  # fmt: skip

    def check_url(self, url: str) -> SplitResult:
        """Check a URL's form, and its host when it is an address or `localhost`."""
        parts = parse_url(url)
        host = parts.hostname or ""
        literal = _literal(host)
        if literal is not None:
            self.check_address(literal)
        elif host == "localhost" or host.endswith(".localhost"):
            self.check_address(ipaddress.ip_address("127.0.0.1"))
        return parts

    async def resolve(self, host: str, port: int) -> Address:
        """The first address of `host`, once every address it resolves to has passed."""
        literal = _literal(host)
        if literal is not None:
            self.check_address(literal)
            return literal
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise EgressRefused(f"{host} does not resolve: {exc.strerror}") from exc
        found = [ipaddress.ip_address(str(i[4][0]).split("%", 1)[0]) for i in infos]
        if not found:
            raise EgressRefused(f"{host} resolves to no address")
        for address in found:
            self.check_address(address)
        return found[0]


def parse_url(url: str) -> SplitResult:
    """An http(s) URL with a host and no credentials; ValueError otherwise."""
    if len(url) > MAX_URL:
        raise ValueError(f"the URL is longer than {MAX_URL} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("the URL must be http or https")
    if not parts.hostname:
        raise ValueError("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("the URL must not carry credentials (the secret signs deliveries)")
    if parts.fragment:
        raise ValueError("the URL must not have a fragment")
    _ = parts.port  # raises ValueError on a port out of range
    return parts


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _unmapped(ip: Address) -> Address:
    """An IPv4 address carried in IPv6 (mapped or 6to4) is judged as the IPv4 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        return ip.ipv4_mapped or ip.sixtofour or ip
    return ip
