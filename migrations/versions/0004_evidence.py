"""Evidence read models: evidence, audits, findings, nonconformities, reviews, audit trail."""

from migrations import run_sql

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    run_sql(
        """
        CREATE TABLE evidence_evidence (
            id                uuid        PRIMARY KEY,
            kind              text        NOT NULL,
            title             text        NOT NULL,
            sha256            text        NOT NULL,
            uri               text        NOT NULL,
            system_ids        uuid[]      NOT NULL DEFAULT '{}',
            control_ids       text[]      NOT NULL DEFAULT '{}',
            risk_ids          uuid[]      NOT NULL DEFAULT '{}',
            stored            boolean     NOT NULL DEFAULT false,
            size              bigint,
            media_type        text,
            source            text        NOT NULL DEFAULT '',
            collected_at      timestamptz NOT NULL,
            valid_until       timestamptz,
            supersedes        uuid,
            superseded_by     uuid,
            recorded_by       text        NOT NULL,
            version           integer     NOT NULL,
            created_position  bigint      NOT NULL UNIQUE,
            created_at        timestamptz NOT NULL,
            updated_at        timestamptz NOT NULL
        );
        CREATE INDEX evidence_evidence_systems ON evidence_evidence USING gin (system_ids);
        CREATE INDEX evidence_evidence_controls ON evidence_evidence USING gin (control_ids);
        CREATE INDEX evidence_evidence_kind ON evidence_evidence (kind, created_position);

        CREATE TABLE evidence_system (
            system_id         uuid        PRIMARY KEY,
            name              text        NOT NULL,
            owner             text        NOT NULL,
            eu_ai_act_tier    text        NOT NULL,
            stage             text        NOT NULL DEFAULT 'inception',
            updated_at        timestamptz NOT NULL
        );
        CREATE INDEX evidence_system_owner ON evidence_system (owner);

        CREATE TABLE evidence_soa (
            control_id        text        PRIMARY KEY,
            applicable        boolean     NOT NULL,
            justification     text        NOT NULL,
            status            text        NOT NULL,
            owner             text        NOT NULL DEFAULT '',
            set_by            text        NOT NULL,
            set_at            timestamptz NOT NULL,
            position          bigint      NOT NULL
        );

        CREATE TABLE evidence_audit (
            id                uuid        PRIMARY KEY,
            title             text        NOT NULL,
            scope             text        NOT NULL,
            status            text        NOT NULL,
            auditors          text[]      NOT NULL,
            system_ids        uuid[]      NOT NULL DEFAULT '{}',
            starts_on         date        NOT NULL,
            ends_on           date        NOT NULL,
            findings          integer     NOT NULL DEFAULT 0,
            created_position  bigint      NOT NULL UNIQUE,
            created_at        timestamptz NOT NULL
        );
        CREATE INDEX evidence_audit_status ON evidence_audit (status, created_position);

        CREATE TABLE evidence_finding (
            id                uuid        PRIMARY KEY,
            audit_id          uuid        NOT NULL,
            kind              text        NOT NULL,
            reference         text        NOT NULL,
            description       text        NOT NULL,
            system_id         uuid,
            raised_by         text        NOT NULL,
            created_position  bigint      NOT NULL UNIQUE,
            created_at        timestamptz NOT NULL
        );
        CREATE INDEX evidence_finding_audit ON evidence_finding (audit_id, created_position);

        CREATE TABLE evidence_nc (
            id                uuid        PRIMARY KEY,
            title             text        NOT NULL,
            owner             text        NOT NULL,
            status            text        NOT NULL,
            system_id         uuid,
            finding_id        uuid,
            audit_id          uuid,
            reference         text        NOT NULL DEFAULT '',
            actions_open      integer     NOT NULL DEFAULT 0,
            closed_by         text,
            closed_at         timestamptz,
            created_position  bigint      NOT NULL UNIQUE,
            created_at        timestamptz NOT NULL
        );
        CREATE INDEX evidence_nc_status ON evidence_nc (status, created_position);
        CREATE INDEX evidence_nc_system ON evidence_nc (system_id, created_position);

        CREATE TABLE evidence_review (
            id                uuid        PRIMARY KEY,
            title             text        NOT NULL,
            held_on           date        NOT NULL,
            attendees         text[]      NOT NULL,
            decisions         integer     NOT NULL,
            actions           integer     NOT NULL,
            recorded_by       text        NOT NULL,
            created_position  bigint      NOT NULL UNIQUE,
            created_at        timestamptz NOT NULL
        );

        -- The audit trail: one row per event. Every filter is turned into an index range
        -- that ends in position, so a page is an index scan whatever the log size:
        -- actor and type by (x, position), system by the link table, time by
        -- (recorded_at, position) mapped to a position range (recorded_at never
        -- decreases along the log).
        CREATE TABLE evidence_trail (
            position          bigint      PRIMARY KEY,
            event_id          uuid        NOT NULL,
            type              text        NOT NULL,
            stream_id         text        NOT NULL,
            actor             text        NOT NULL,
            source            text        NOT NULL,
            recorded_at       timestamptz NOT NULL,
            summary           text        NOT NULL,
            system_ids        uuid[]      NOT NULL DEFAULT '{}',
            basis             json,
            links             json        NOT NULL
        );
        CREATE INDEX evidence_trail_actor ON evidence_trail (actor, position);
        CREATE INDEX evidence_trail_type ON evidence_trail (type, position);
        CREATE INDEX evidence_trail_time ON evidence_trail (recorded_at, position);
        CREATE TABLE evidence_trail_system (
            system_id         uuid        NOT NULL,
            position          bigint      NOT NULL,
            PRIMARY KEY (system_id, position)
        );
        """
    )


def downgrade() -> None:
    run_sql(
        "DROP TABLE evidence_trail_system, evidence_trail, evidence_review,"
        " evidence_nc, evidence_finding, evidence_audit, evidence_soa, evidence_system,"
        " evidence_evidence;"
    )
