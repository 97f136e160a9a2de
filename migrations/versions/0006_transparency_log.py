"""Transparency log: stored Merkle subtree hashes, witness cosignatures, signer alarms."""

from migrations import run_sql

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    run_sql(
        """
        -- A cache of perfect-subtree hashes of the RFC 9162 tree over the log, so proofs cost
        -- O(log n) reads. Never trusted on its own: the signer and the verifiers recompute
        -- every leaf from the events and compare, so an edited node stops the signer and can
        -- only make a proof fail to verify, never make a forgery verify.
        CREATE TABLE tlog_node (
            level   smallint NOT NULL CHECK (level BETWEEN 0 AND 63),
            idx     bigint   NOT NULL CHECK (idx >= 0),
            hash    bytea    NOT NULL CHECK (length(hash) = 32),
            PRIMARY KEY (level, idx)
        );

        -- Cosigned checkpoints that witnesses posted back (self-authenticating notes).
        CREATE TABLE tlog_cosignature (
            tree_size    bigint      NOT NULL,
            witness      text        NOT NULL,
            key_hash     text        NOT NULL,
            root_hash    text        NOT NULL,
            cosigned_at  timestamptz NOT NULL,
            line         text        NOT NULL,
            received_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (tree_size, witness, key_hash)
        );
        CREATE INDEX tlog_cosignature_witness ON tlog_cosignature (witness, tree_size DESC);

        -- Why the signer stopped signing; it keeps refusing while an alarm is open.
        CREATE TABLE tlog_alarm (
            id          bigserial   PRIMARY KEY,
            raised_at   timestamptz NOT NULL DEFAULT now(),
            detail      jsonb       NOT NULL,
            cleared_at  timestamptz,
            cleared_by  text,
            reason      text
        );
        """
    )


def downgrade() -> None:
    run_sql("DROP TABLE tlog_alarm; DROP TABLE tlog_cosignature; DROP TABLE tlog_node;")
