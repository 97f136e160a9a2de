"""Event store, projection checkpoints, idempotency keys and the application role."""

from migrations import run_sql

revision = "0001"
down_revision = None

APP_ROLE = "aims_app"


def upgrade() -> None:
    run_sql(
        """
        CREATE TABLE events (
            position        bigint      PRIMARY KEY,
            id              uuid        NOT NULL UNIQUE,
            stream_id       text        NOT NULL,
            version         integer     NOT NULL CHECK (version > 0),
            type            text        NOT NULL,
            schema_version  integer     NOT NULL DEFAULT 1,
            data            json        NOT NULL,
            metadata        json        NOT NULL,
            recorded_at     timestamptz NOT NULL,
            hash            bytea       NOT NULL,
            CONSTRAINT events_stream_version UNIQUE (stream_id, version)
        );
        COMMENT ON TABLE events IS
            'Append-only, hash-chained log of every aims decision (see shared/kernel/eventstore).';
        CREATE INDEX events_recorded_at ON events USING brin (recorded_at);

        CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
            FOR EACH ROW EXECUTE FUNCTION events_append_only();
        CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
            FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

        CREATE TABLE projection_checkpoint (
            name        text        PRIMARY KEY,
            position    bigint      NOT NULL DEFAULT 0,
            updated_at  timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE http_idempotency (
            principal       text        NOT NULL,
            key             text        NOT NULL,
            method          text        NOT NULL,
            path            text        NOT NULL,
            request_hash    text        NOT NULL,
            status          integer,
            headers         json,
            body            bytea,
            created_at      timestamptz NOT NULL DEFAULT now(),
            completed_at    timestamptz,
            PRIMARY KEY (principal, key)
        );
        """
    )
    # The services' role may read and append events, never change them (guarantee 1).
    run_sql(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                EXECUTE 'GRANT USAGE ON SCHEMA public TO {APP_ROLE}';
                EXECUTE 'GRANT SELECT, INSERT ON events TO {APP_ROLE}';
                EXECUTE 'GRANT SELECT ON alembic_version TO {APP_ROLE}';
                EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE
                         ON projection_checkpoint, http_idempotency TO {APP_ROLE}';
                EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public
                         GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO {APP_ROLE}';
                EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public
                         GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}';
            END IF;
        END $$;
        """
    )


def downgrade() -> None:
    run_sql(
        "DROP TABLE http_idempotency; DROP TABLE projection_checkpoint; DROP TABLE events;"
        " DROP FUNCTION events_append_only();"
    )
