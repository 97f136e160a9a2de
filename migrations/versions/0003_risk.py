"""Risk read models, and the indexes the risk service's current log lookups use."""

from migrations import run_sql

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    run_sql(
        """
        CREATE TABLE risk_criteria (
            criteria_version  integer     PRIMARY KEY,
            levels            text[]      NOT NULL,
            appetite          text        NOT NULL,
            set_at            timestamptz NOT NULL
        );

        CREATE TABLE risk_risk (
            id                         uuid        PRIMARY KEY,
            system_id                  uuid        NOT NULL,
            title                      text        NOT NULL,
            category                   text        NOT NULL,
            owner                      text        NOT NULL,
            likelihood                 integer     NOT NULL,
            consequence                integer     NOT NULL,
            level                      text        NOT NULL,
            criteria_version           integer     NOT NULL,
            residual_likelihood        integer,
            residual_consequence       integer,
            residual_level             text,
            residual_criteria_version  integer,
            above_appetite             boolean     NOT NULL,
            progress                   text        NOT NULL,
            accepted_by_id             uuid,
            status                     text        GENERATED ALWAYS AS (
                CASE WHEN progress <> 'closed' AND accepted_by_id IS NOT NULL THEN 'accepted'
                     ELSE progress END) STORED,
            material_version           integer     NOT NULL,
            version                    integer     NOT NULL,
            created_position           bigint      NOT NULL UNIQUE,
            created_at                 timestamptz NOT NULL,
            updated_at                 timestamptz NOT NULL
        );
        CREATE INDEX risk_risk_system ON risk_risk (system_id, created_position);
        CREATE INDEX risk_risk_status ON risk_risk (status, created_position);

        CREATE TABLE risk_treatment (
            id                uuid        PRIMARY KEY,
            risk_id           uuid        NOT NULL,
            system_id         uuid        NOT NULL,
            option            text        NOT NULL,
            controls          text[]      NOT NULL,
            plan              text        NOT NULL,
            owner             text        NOT NULL,
            due               date        NOT NULL,
            status            text        NOT NULL,
            created_position  bigint      NOT NULL UNIQUE,
            created_at        timestamptz NOT NULL,
            completed_at      timestamptz
        );
        CREATE INDEX risk_treatment_open ON risk_treatment (due) WHERE status = 'planned';
        CREATE INDEX risk_treatment_controls ON risk_treatment USING gin (controls);

        CREATE TABLE risk_acceptance (
            id                uuid        PRIMARY KEY,
            risk_id           uuid        NOT NULL,
            system_id         uuid        NOT NULL,
            risk_version      integer     NOT NULL,
            level             text        NOT NULL,
            justification     text        NOT NULL,
            expires_at        timestamptz NOT NULL,
            requested_by      text        NOT NULL,
            status            text        NOT NULL,
            decided_by        text,
            void_reason       text,
            created_position  bigint      NOT NULL UNIQUE,
            created_at        timestamptz NOT NULL,
            updated_at        timestamptz NOT NULL
        );
        CREATE INDEX risk_acceptance_open ON risk_acceptance (expires_at)
            WHERE status IN ('requested', 'approved');
        CREATE INDEX risk_acceptance_system ON risk_acceptance (system_id);

        CREATE TABLE risk_impact_assessment (
            id                uuid        PRIMARY KEY,
            system_id         uuid        NOT NULL,
            author            text        NOT NULL,
            status            text        NOT NULL,
            severity          text,
            approved_by       text,
            review_reason     text,
            version           integer     NOT NULL,
            created_position  bigint      NOT NULL UNIQUE,
            created_at        timestamptz NOT NULL,
            updated_at        timestamptz NOT NULL
        );
        CREATE INDEX risk_impact_assessment_system
            ON risk_impact_assessment (system_id, created_position);

        CREATE TABLE risk_soa_entry (
            control_id        text        PRIMARY KEY,
            applicable        boolean     NOT NULL,
            justification     text        NOT NULL,
            status            text        NOT NULL,
            owner             text        NOT NULL,
            deployment_gate   boolean     NOT NULL,
            version           integer     NOT NULL,
            updated_at        timestamptz NOT NULL
        );

        CREATE TABLE risk_control_evidence (
            evidence_id       uuid        NOT NULL,
            control_id        text        NOT NULL,
            title             text        NOT NULL,
            kind              text        NOT NULL,
            system_ids        uuid[]      NOT NULL,
            collected_at      timestamptz NOT NULL,
            valid_until       timestamptz,
            superseded_by     uuid,
            PRIMARY KEY (control_id, evidence_id)
        );
        CREATE INDEX risk_control_evidence_id ON risk_control_evidence (evidence_id);

        CREATE INDEX events_acceptance_risk ON events ((data->>'risk_id'))
            WHERE type = 'AcceptanceRequested';
        CREATE INDEX events_impact_system ON events ((data->>'system_id'))
            WHERE type = 'ImpactAssessmentDrafted';
        """
    )


def downgrade() -> None:
    run_sql(
        """
        DROP INDEX events_acceptance_risk;
        DROP INDEX events_impact_system;
        DROP TABLE risk_control_evidence, risk_soa_entry, risk_impact_assessment,
            risk_acceptance, risk_treatment, risk_risk, risk_criteria;
        """
    )
