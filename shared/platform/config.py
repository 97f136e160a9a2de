"""Configuration, read from `AIMS_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_PORTS = {"registry": 8001, "risk": 8002, "evidence": 8003}


class Settings(BaseSettings):
    """Every knob aims has; each maps to an `AIMS_<NAME>` variable."""

    model_config = SettingsConfigDict(env_prefix="AIMS_", extra="ignore")

    data_dir: Path = Path(".aims")
    database_url: str | None = None
    database_read_url: str | None = None
    migration_database_url: str | None = None
    host: str = "127.0.0.1"
    registry_port: int = 8001
    risk_port: int = 8002
    evidence_port: int = 8003
    console_port: int = 8000
    registry_url: str | None = None  # where the console finds the services
    risk_url: str | None = None
    evidence_url: str | None = None
    jwt_secret: str | None = None
    jwt_key_file: Path | None = None
    # OpenID Connect: with an issuer set, bearer tokens come from that provider only.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_roles_claim: str = "groups"  # or "roles"
    oidc_role_map: Path | None = None  # YAML/JSON: provider group -> aims roles
    oidc_leeway_seconds: float = 30.0
    oidc_jwks_min_refresh_seconds: float = 10.0
    # The console's sign-in at that provider (authorization code with PKCE): its client there,
    # the button's provider name (the issuer's host if unset), and the console's public URL
    # the redirect URI is made of (else the URL the browser used, as a proxy forwards it).
    console_oidc_client_id: str | None = None
    console_oidc_client_secret: str | None = None  # none: a public client
    console_oidc_name: str | None = None
    console_url: str | None = None
    db_pool_size: int = 10
    db_timeout: float = 5.0  # seconds before a database call gives up (503)
    min_position_wait: float = 5.0
    poll_interval: float = 1.0
    projection_batch: int = 1000  # log positions per projection transaction
    run_projections: bool = True
    log_level: str = "INFO"
    log_json: bool = True
    gate_modes: dict[str, str] = {"production": "enforce", "staging": "warn", "dev": "off"}
    gate_default_mode: str = "enforce"
    gate_decision_ttl_seconds: int = 3600
    gate_policy_file: Path | None = None
    sod_policy_file: Path | None = None  # separation of duties; the packaged rules if unset
    mlflow_webhook_secret: str | None = None
    mlflow_webhook_max_age_seconds: int = 300
    upload_max_bytes: int = 50 * 1024 * 1024
    max_body_bytes: int = 1024 * 1024
    checkpoint_interval_seconds: float = 300.0
    checkpoint_key_file: Path | None = None
    # Seals webhook subscription secrets: the evidence service and the relay need the same
    # file (several replicas: give them one, e.g. from a secret store).
    webhook_key_file: Path | None = None
    concern_key_file: Path | None = None  # seals concerns (whistleblowing); likewise shared
    # The transparency log's name: the origin line of every checkpoint and its key name.
    log_origin: str = "aims.local/log"
    # Verifier keys (`name+hash+base64`) of the witnesses whose cosignatures are accepted,
    # separated by commas, spaces or newlines.
    witness_keys: str = ""
    # Raw monitoring observations: kept this many days (whole daily partitions are dropped),
    # and how often the registry writes summaries of quiet metrics and manages partitions.
    observation_retention_days: Annotated[int, Field(ge=1, le=36600)] = 90
    monitoring_sweep_seconds: Annotated[float, Field(gt=0)] = 30.0

    def port_of(self, service: str) -> int:
        """Port a service listens on."""
        return int(getattr(self, f"{service}_port"))

    @property
    def jwt_key_path(self) -> Path:
        return self.jwt_key_file or self.data_dir / "jwt.key"

    @property
    def checkpoint_key_path(self) -> Path:
        return self.checkpoint_key_file or self.data_dir / "checkpoint_ed25519.pem"

    @property
    def concern_key_path(self) -> Path:
        return self.concern_key_file or self.data_dir / "concern_seal.key"

    @property
    def webhook_key_path(self) -> Path:
        return self.webhook_key_file or self.data_dir / "webhook_secret.key"

    @property
    def witness_key_lines(self) -> list[str]:
        return self.witness_keys.replace(",", " ").split()

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
