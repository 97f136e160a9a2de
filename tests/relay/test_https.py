"""A delivery over HTTPS: the relay connects to the address the egress rule checked, yet the
receiver's certificate is checked against the URL's host name; a private CA is trusted only
when configured."""

import ssl
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks.webhooks import Webhook

from services.evidence.subscriptions.domain import secret_bytes
from services.evidence.subscriptions.egress import EgressPolicy
from services.relay.webhooks import Sender
from tests.support.relay import SECRET, receiver


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, issuer, key, signer, *, ca=False, dns=None):
    now = datetime.now(UTC)
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))  # fmt: skip
    if dns:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
    return b.sign(signer, hashes.SHA256())


@pytest.fixture
def pki(tmp_path):
    """A private CA; `server(dns)` makes the receiver's TLS context for a certificate of `dns`."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("aims test CA", "aims test CA", ca_key, ca_key, ca=True)
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def server(dns):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert(dns, "aims test CA", key, ca_key, dns=dns)
        pem = tmp_path / f"{dns}-{uuid.uuid4().hex}.pem"
        pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))  # fmt: skip
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(pem)
        return ctx

    return ca_file, server


async def deliver(url, ca_file=None):
    sender = Sender(EgressPolicy(allow_private=True), 5, ca_file=ca_file)
    try:
        msg_id = str(uuid.uuid4())
        return msg_id, await sender.send(url, secret_bytes(SECRET), msg_id, b'{"id":"x"}')
    finally:
        await sender.close()


async def test_a_receiver_with_a_certificate_of_a_trusted_ca_gets_a_signed_delivery(pki):
    ca_file, server = pki
    with receiver(server("localhost")) as hook:
        msg_id, outcome = await deliver(hook.url, ca_file)
        assert outcome["outcome"] == "delivered", outcome
        (got,) = hook.got()
        assert got.headers["host"] == f"localhost:{hook.port}"  # the URL's name, not the address
        assert got.headers["webhook-id"] == msg_id
        Webhook(SECRET).verify(got.body, got.headers)  # raises when the signature is wrong


async def test_a_certificate_for_another_name_or_of_an_untrusted_ca_is_refused(pki):
    ca_file, server = pki
    with receiver(server("elsewhere.example")) as hook:
        _, outcome = await deliver(hook.url, ca_file)
        assert outcome["outcome"] == "failed" and "certificate" in outcome["error"].lower()
        assert hook.got() == []
    with receiver(server("localhost")) as hook:
        _, outcome = await deliver(hook.url)  # the private CA is not configured
        assert outcome["outcome"] == "failed" and "certificate" in outcome["error"].lower()
        assert hook.got() == []
