"""The deployment files parse and keep their promises: non-root, probes, keys as secrets."""

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_image_runs_as_a_non_root_user():
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")


def test_every_kubernetes_deployment_probes_readyz_and_runs_as_non_root():
    """Every one serving HTTP probes /readyz; the relay, which serves none, is restarted
    by Kubernetes when it exits."""
    deployments = [
        doc
        for f in sorted((DEPLOY / "k8s").glob("*.yaml"))
        for doc in yaml.safe_load_all(f.read_text())
        if doc and doc["kind"] == "Deployment"
    ]
    assert {d["metadata"]["name"] for d in deployments} >= {
        "aims-registry", "aims-risk", "aims-evidence", "aims-relay",
    }  # fmt: skip
    for d in deployments:
        pod = d["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        (container,) = pod["containers"]
        env = {e["name"]: e for e in container["env"]}
        if "ports" in container:
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert "secretKeyRef" in env["AIMS_JWT_SECRET"]["valueFrom"]
        else:
            assert container["command"] == ["aims", "relay"]


def test_the_compose_file_starts_postgres_migrations_and_the_services():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert {"postgres", "migrate", "registry", "risk", "evidence", "relay", "console"} <= set(
        compose["services"]
    )
    assert compose["services"]["registry"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )


def test_the_evidence_service_and_the_relay_read_one_webhook_key():
    """A key created per container or pod would seal secrets the relay cannot open."""
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    key = compose["relay"]["environment"]["AIMS_WEBHOOK_KEY_FILE"]
    assert compose["evidence"]["environment"]["AIMS_WEBHOOK_KEY_FILE"] == key
    mounts = {v.split(":")[1]: v.split(":")[0] for v in compose["relay"]["volumes"]}
    shared = {v.split(":")[1]: v.split(":")[0] for v in compose["evidence"]["volumes"]}
    folder = key.rsplit("/", 1)[0]
    assert mounts[folder] == shared[folder]
    pods = {
        doc["metadata"]["name"]: doc["spec"]["template"]["spec"]["containers"][0]
        for f in sorted((DEPLOY / "k8s").glob("*.yaml"))
        for doc in yaml.safe_load_all(f.read_text())
        if doc and doc["kind"] == "Deployment"
    }
    files = {
        name: {e["name"]: e.get("value") for e in c["env"]}.get("AIMS_WEBHOOK_KEY_FILE")
        for name, c in pods.items()
    }
    assert files["aims-relay"] == files["aims-evidence"] is not None
