"""The relay's settings (`AIMS_NATS_URL`, `AIMS_WEBHOOK_*`), beside the common ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RelaySettings(BaseSettings):
    """Every knob of the relay; each maps to an `AIMS_<NAME>` variable."""

    model_config = SettingsConfigDict(env_prefix="AIMS_", extra="ignore")
    nats_url: str | None = None  # unset: no publishing to NATS
    nats_stream: str = "AIMS"
    webhook_max_failures: Annotated[int, Field(ge=1)] = 8  # consecutive, then the pause
    webhook_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    webhook_backoff_seconds: Annotated[float, Field(gt=0)] = 1.0  # first retry delay
    webhook_backoff_max_seconds: Annotated[float, Field(gt=0)] = 900.0
    webhook_concurrency: Annotated[int, Field(ge=1)] = 16  # subscriptions served at once
    # PEM certificates of private CAs whose receivers are trusted beside the public ones.
    webhook_ca_file: Path | None = None
    relay_batch: Annotated[int, Field(ge=1)] = 500  # events read per query
    # Delivery attempts are kept this many days (a paused subscription's, until it resumes):
    # they are the relay's operating record, not the governance record, which is the log.
    webhook_delivery_retention_days: Annotated[int, Field(ge=1)] = 30
