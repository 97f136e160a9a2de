"""The deployment files parse and keep their promises: non-root, probes, keys as secrets."""

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_image_runs_as_a_non_root_user():
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")


def test_every_kubernetes_deployment_probes_readyz_and_runs_as_non_root():
    deployments = [
        doc
        for f in sorted((DEPLOY / "k8s").glob("*.yaml"))
        for doc in yaml.safe_load_all(f.read_text())
        if doc and doc["kind"] == "Deployment"
    ]
    assert {d["metadata"]["name"] for d in deployments} >= {
        "aims-registry", "aims-risk", "aims-evidence",
    }  # fmt: skip
    for d in deployments:
        pod = d["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        (container,) = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        env = {e["name"]: e for e in container["env"]}
        assert "secretKeyRef" in env["AIMS_JWT_SECRET"]["valueFrom"]


def test_the_compose_file_starts_postgres_migrations_and_the_services():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert {"postgres", "migrate", "registry", "risk", "evidence", "console"} <= set(
        compose["services"]
    )
    assert compose["services"]["registry"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
