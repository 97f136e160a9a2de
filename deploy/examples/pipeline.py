"""Example CI/CD step: register a model version with aims, ask the deployment gate, deploy.

    AIMS_TOKEN=$(aims token --sub ci-pipeline --role mlops) \
    python deploy/examples/pipeline.py --system-id <uuid> --name credit-scoring \
        --version 7 --model-file model.pkl --source-uri s3://models/credit/7

Exit codes: 0 deployed, 2 the gate said no (its reasons are printed), 1 any other error.
Every write uses an Idempotency-Key derived from the run, so re-running the same pipeline
step records nothing twice.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys

from services.sdk import AimsClient, AimsError


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--system-id", required=True)
    p.add_argument("--name", required=True, help="registered model name")
    p.add_argument("--version", required=True)
    p.add_argument("--model-file", required=True, help="the artefact to deploy (hashed)")
    p.add_argument("--source-uri", required=True)
    p.add_argument("--environment", default="production")
    p.add_argument("--run-id", default=os.getenv("CI_PIPELINE_ID", "local"))
    args = p.parse_args()
    urls = {s: os.environ[f"AIMS_{s.upper()}_URL"] for s in ("registry", "risk", "evidence")
            if f"AIMS_{s.upper()}_URL" in os.environ}  # fmt: skip
    run = f"{args.run_id}-{args.name}-{args.version}-{args.environment}"

    with AimsClient(os.environ["AIMS_TOKEN"], urls=urls) as aims:
        try:
            aims.register_model_version(
                args.system_id, name=args.name, version=args.version,
                digest=sha256_of(args.model_file), source_uri=args.source_uri,
                key=f"mv-{run}",
            )  # fmt: skip
            decision = aims.decide(args.system_id, args.version, args.environment,
                                   key=f"decide-{run}")  # fmt: skip
            if not decision.allowed:
                print(f"aims gate: DENY ({decision.decision_id})", file=sys.stderr)
                for reason in decision.reasons:
                    print(f"  - {reason['code']}: {reason['message']}", file=sys.stderr)
                return 2
            # ... roll the model out here (kubectl, SageMaker, Seldon...) ...
            aims.record_deployment(decision.decision_id, key=f"deploy-{run}",
                                   notes=f"pipeline run {args.run_id}")  # fmt: skip
        except AimsError as exc:
            print(f"aims: {exc}", file=sys.stderr)
            return 1
    print(f"aims gate: ALLOW; deployment recorded against decision {decision.decision_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
