"""Registry read models."""

from migrations import run_sql

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    run_sql(
        """
        CREATE TABLE registry_system (
            id                uuid        PRIMARY KEY,
            name              text        NOT NULL,
            owner             text        NOT NULL,
            eu_ai_act_tier    text        NOT NULL,
            provider_role     text        NOT NULL,
            stage             text        NOT NULL,
            tags              text[]      NOT NULL DEFAULT '{}',
            version           integer     NOT NULL,
            created_position  bigint      NOT NULL UNIQUE,
            created_at        timestamptz NOT NULL,
            updated_at        timestamptz NOT NULL
        );
        CREATE INDEX registry_system_stage ON registry_system (stage, created_position);
        CREATE INDEX registry_system_owner ON registry_system (owner, created_position);
        """
    )


def downgrade() -> None:
    run_sql("DROP TABLE registry_system;")
