"""Webhook subscriptions and the outbox relay.

`evidence_subscription` is a read model (rebuilt by replay). The `relay_*` tables are the
relay's own state, written only by the relay leader: per subscription where its deliveries
are (`cursor`, the last position handled) and how they fail, every delivery attempt, and
the relay's checkpoints. A delivery's row and its subscription's new cursor are written in
one transaction, as a projection writes its rows and checkpoint.
"""

from __future__ import annotations

from migrations import run_sql

revision = "0015"
down_revision = "0014"

TABLES = """
CREATE TABLE evidence_subscription (
    id                uuid        PRIMARY KEY,
    url               text        NOT NULL,
    types             text[]      NOT NULL,
    status            text        NOT NULL,
    created_by        text        NOT NULL,
    created_position  bigint      NOT NULL UNIQUE,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

CREATE TABLE relay_subscription (
    id               uuid        PRIMARY KEY,
    url              text        NOT NULL,
    types            text[]      NOT NULL,
    secret_sealed    text        NOT NULL,
    status           text        NOT NULL,
    cursor           bigint      NOT NULL,
    failures         integer     NOT NULL DEFAULT 0,
    generation       integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE relay_delivery (
    id               bigserial   PRIMARY KEY,
    subscription_id  uuid        NOT NULL,
    position         bigint      NOT NULL,
    event_id         uuid        NOT NULL,
    event_type       text        NOT NULL,
    attempt          integer     NOT NULL,
    outcome          text        NOT NULL,
    http_status      integer,
    error            text,
    duration_ms      integer     NOT NULL,
    attempted_at     timestamptz NOT NULL
);
CREATE INDEX relay_delivery_by_subscription ON relay_delivery (subscription_id, id);

CREATE TABLE relay_checkpoint (
    name        text        PRIMARY KEY,
    position    bigint      NOT NULL,
    updated_at  timestamptz NOT NULL
);
"""


def upgrade() -> None:
    run_sql(TABLES)


def downgrade() -> None:
    run_sql("DROP TABLE relay_checkpoint, relay_delivery, relay_subscription,"
            " evidence_subscription;")  # fmt: skip
