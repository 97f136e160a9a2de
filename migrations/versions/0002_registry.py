"""Registry read models: system list, decisions, MLflow name claims and gate facts."""

from migrations import run_sql

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    run_sql(
        """
        CREATE TABLE registry_system (
            id                  uuid        PRIMARY KEY,
            name                text        NOT NULL,
            owner               text        NOT NULL,
            eu_ai_act_tier      text        NOT NULL,
            provider_role       text        NOT NULL,
            stage               text        NOT NULL,
            tags                text[]      NOT NULL DEFAULT '{}',
            mlflow_model_names  text[]      NOT NULL DEFAULT '{}',
            model_versions      integer     NOT NULL DEFAULT 0,
            last_decision       text,
            last_decision_id    uuid,
            last_decision_at    timestamptz,
            version             integer     NOT NULL,
            created_position    bigint      NOT NULL UNIQUE,
            created_at          timestamptz NOT NULL,
            updated_at          timestamptz NOT NULL
        );
        CREATE INDEX registry_system_stage ON registry_system (stage, created_position);
        CREATE INDEX registry_system_owner ON registry_system (owner, created_position);
        CREATE INDEX registry_system_tier ON registry_system (eu_ai_act_tier, created_position);
        CREATE INDEX registry_system_tags ON registry_system USING gin (tags);

        -- One row per deployment decision (the system's history finds its decisions here).
        CREATE TABLE registry_decision (
            id                uuid        PRIMARY KEY,
            system_id         uuid        NOT NULL,
            model_version     text        NOT NULL,
            environment       text        NOT NULL,
            decision          text        NOT NULL,
            mode              text        NOT NULL,
            reasons           jsonb       NOT NULL,
            policy_version    text        NOT NULL,
            expires_at        timestamptz NOT NULL,
            deployed_at       timestamptz,
            deployed_by       text,
            created_position  bigint      NOT NULL UNIQUE,
            created_at        timestamptz NOT NULL
        );
        CREATE INDEX registry_decision_system ON registry_decision (system_id, created_position);

        -- Which system claims an MLflow registered-model name (first claim wins).
        CREATE TABLE registry_model_name (
            name        text        PRIMARY KEY,
            system_id   uuid        NOT NULL,
            claimed_at  timestamptz NOT NULL
        );
        CREATE INDEX registry_model_name_system ON registry_model_name (system_id);

        -- Facts the gates need from the risk and evidence services, folded per stream:
        -- risks, acceptances, impact assessments and evidence per system (system_id set),
        -- SoA rows and the risk criteria organisation-wide (system_id NULL).
        CREATE TABLE registry_gate_fact (
            key        text    PRIMARY KEY,
            system_id  uuid,
            kind       text    NOT NULL,
            stream_id  text    NOT NULL,
            version    integer NOT NULL,
            position   bigint  NOT NULL,
            data       jsonb   NOT NULL
        );
        CREATE INDEX registry_gate_fact_system ON registry_gate_fact (system_id);
        CREATE INDEX registry_gate_fact_stream ON registry_gate_fact (stream_id);
        """
    )


def downgrade() -> None:
    run_sql(
        "DROP TABLE registry_gate_fact, registry_model_name, registry_decision, registry_system;"
    )
