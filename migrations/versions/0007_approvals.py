"""Four-eyes approvals: one list per service that owns the things they change."""

from migrations import run_sql

revision = "0007"
down_revision = "0006"

_TABLE = """
        CREATE TABLE {name} (
            approval_id       uuid        PRIMARY KEY,
            stream_id         text        NOT NULL,
            decision          text        NOT NULL,
            subject_type      text        NOT NULL,
            subject_id        uuid        NOT NULL,
            href              text        NOT NULL,
            system_id         uuid,
            status            text        NOT NULL,
            change            jsonb       NOT NULL,
            reason            text        NOT NULL,
            requested_by      text        NOT NULL,
            requested_at      timestamptz NOT NULL,
            excluded          jsonb       NOT NULL,
            decided_by        text,
            decided_at        timestamptz,
            comment           text,
            created_position  bigint      NOT NULL UNIQUE
        );
        CREATE INDEX {name}_status ON {name} (status, created_position);
"""


def upgrade() -> None:
    run_sql(
        _TABLE.format(name="registry_approval")
        + _TABLE.format(name="risk_approval")
        + """
        -- An approval is found by its id in the stream of what it changes (no projection lag).
        CREATE INDEX events_change_requested ON events ((data->>'approval_id'))
            WHERE type = 'ChangeRequested';
        """
    )


def downgrade() -> None:
    run_sql(
        "DROP INDEX events_change_requested; DROP TABLE risk_approval;"
        " DROP TABLE registry_approval;"
    )
