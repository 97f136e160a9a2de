"""AI incidents and concerns: read models and their `reporting` views."""

from migrations import run_sql

revision = "0009"
down_revision = "0008"

ROLE = "aims_reporting"
OVERDUE = (
    "coalesce(i.serious AND i.initial_notified_at IS NULL AND i.notification_due_at < now(), false)"
)


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# name -> (comment, [(column, comment)], select), as in 0005_reporting.
VIEWS: dict[str, tuple[str, list[tuple[str, str]], str]] = {
    "incidents": (
        "AI incidents (A.8.4, 10.2) and the EU AI Act Art. 73 deadline of the serious ones.",
        [("incident_id", "Id of the incident"), ("title", "Title"),
         ("severity", "low, medium, high or critical"),
         ("serious", "A serious incident (Art. 3(49)): it must be notified"),
         ("widespread", "A widespread infringement (Art. 3(61))"),
         ("harm", "Art. 3(49) harms: death, serious_harm_to_health, ..."),
         ("status", "detected, triaged, reported, investigating, resolved or closed"),
         ("system_ids", "AI systems involved"), ("reported_by", "Who reported it"),
         ("concern_id", "The concern it came from, if any"),
         ("occurred_at", "When it happened"), ("aware_at", "When the organisation knew"),
         ("notification_due_at", "Deadline of the initial notification (serious only)"),
         ("deadline_rule", "Id of the deadline rule applied"),
         ("deadline_article", "Article of that rule, e.g. EU AI Act Art. 73(2)"),
         ("initial_notified_at", "When the initial notification was sent"),
         ("overdue", "Past its deadline with no initial notification sent"),
         ("notification_count", "Number of notifications sent to authorities"),
         ("nonconformity_ids", "Nonconformities it raised"),
         ("closed_by", "Who closed it (never its reporter)"), ("closed_at", "When it closed"),
         ("reported_at", "When it was reported"), ("updated_at", "When it last changed")],
        "SELECT i.id, i.title, i.severity, i.serious, i.widespread, i.harm, i.status,"
        " i.system_ids, i.reported_by, i.concern_id, i.occurred_at, i.aware_at,"
        " i.notification_due_at, i.deadline_rule, i.deadline_article, i.initial_notified_at,"
        f" {OVERDUE}, i.notification_count, i.nonconformity_ids, i.closed_by, i.closed_at,"
        " i.created_at, i.updated_at FROM public.evidence_incident i",
    ),
    "incident_notifications": (
        "Notifications of incidents to authorities (Art. 73): initial, follow-up and final.",
        [("notification_id", "Id of the notification"), ("incident_id", "Incident notified"),
         ("kind", "initial, follow_up or final"), ("authority", "Authority notified"),
         ("sent_at", "When it was sent"), ("reference", "The authority's reference"),
         ("on_time", "Initial notification of a serious incident: met its deadline"),
         ("recorded_by", "Who recorded it"), ("recorded_at", "When it was recorded")],
        "SELECT id, incident_id, kind, authority, sent_at, reference, on_time, recorded_by,"
        " created_at FROM public.evidence_incident_notification",
    ),
    "concerns": (
        "Concerns raised about AI (A.3.3); an anonymous concern's reporter is never shown here.",
        [("concern_id", "Id of the concern"), ("description", "What was raised"),
         ("system_ids", "AI systems concerned"), ("anonymous", "Raised anonymously"),
         ("reporter", "Who raised it (null when anonymous)"),
         ("status", "open, incident or dismissed"), ("reason", "Why triage decided so"),
         ("triaged_by", "Who triaged it (never its reporter)"),
         ("incident_id", "The incident it became, if any"),
         ("raised_at", "When it was raised"), ("triaged_at", "When it was triaged")],
        "SELECT id, description, system_ids, anonymous, reporter, status, reason, triaged_by,"
        " incident_id, created_at, triaged_at FROM public.evidence_concern",
    ),
}  # fmt: skip


def upgrade() -> None:
    run_sql(
        """
        CREATE TABLE evidence_incident (
            id                   uuid        PRIMARY KEY,
            title                text        NOT NULL,
            severity             text        NOT NULL,
            serious              boolean     NOT NULL,
            widespread           boolean     NOT NULL DEFAULT false,
            harm                 text[]      NOT NULL DEFAULT '{}',
            status               text        NOT NULL,
            system_ids           uuid[]      NOT NULL DEFAULT '{}',
            reported_by          text        NOT NULL,
            concern_id           uuid,
            occurred_at          timestamptz NOT NULL,
            aware_at             timestamptz NOT NULL,
            notification_due_at  timestamptz,
            deadline_rule        text,
            deadline_article     text,
            initial_notified_at  timestamptz,
            notification_count   integer     NOT NULL DEFAULT 0,
            nonconformity_ids    uuid[]      NOT NULL DEFAULT '{}',
            resolution           text,
            closed_by            text,
            closed_at            timestamptz,
            created_position     bigint      NOT NULL UNIQUE,
            created_at           timestamptz NOT NULL,
            updated_at           timestamptz NOT NULL
        );
        CREATE INDEX evidence_incident_systems ON evidence_incident USING gin (system_ids);
        CREATE INDEX evidence_incident_status ON evidence_incident (status, created_position);
        -- The overdue list: serious incidents still waiting for their initial notification.
        CREATE INDEX evidence_incident_unnotified ON evidence_incident (notification_due_at)
            WHERE serious AND initial_notified_at IS NULL;

        CREATE TABLE evidence_incident_notification (
            id                uuid        PRIMARY KEY,
            incident_id       uuid        NOT NULL,
            kind              text        NOT NULL,
            authority         text        NOT NULL,
            sent_at           timestamptz NOT NULL,
            reference         text        NOT NULL DEFAULT '',
            on_time           boolean,
            recorded_by       text        NOT NULL,
            created_position  bigint      NOT NULL UNIQUE,
            created_at        timestamptz NOT NULL
        );
        CREATE INDEX evidence_incident_notification_incident
            ON evidence_incident_notification (incident_id, created_position);

        -- An anonymous concern's reporter is kept only sealed (reporter_sealed), as in the log.
        CREATE TABLE evidence_concern (
            id                uuid        PRIMARY KEY,
            description       text        NOT NULL,
            system_ids        uuid[]      NOT NULL DEFAULT '{}',
            anonymous         boolean     NOT NULL,
            reporter          text,
            reporter_sealed   text,
            status            text        NOT NULL,
            reason            text,
            triaged_by        text,
            incident_id       uuid,
            triaged_at        timestamptz,
            created_position  bigint      NOT NULL UNIQUE,
            created_at        timestamptz NOT NULL,
            updated_at        timestamptz NOT NULL
        );
        CREATE INDEX evidence_concern_status ON evidence_concern (status, created_position);
        CREATE INDEX evidence_concern_systems ON evidence_concern USING gin (system_ids);
        """
    )
    statements = []
    for name, (comment, columns, select) in VIEWS.items():
        names = ", ".join(c for c, _ in columns)
        statements.append(f"CREATE VIEW reporting.{name} ({names}) AS {select}")
        statements.append(f"COMMENT ON VIEW reporting.{name} IS {_q(comment)}")
        statements += [
            f"COMMENT ON COLUMN reporting.{name}.{c} IS {_q(text)}" for c, text in columns
        ]
    run_sql(";\n".join(statements) + ";")
    # 0005's default privileges cover views its role creates; grant anyway in case another
    # role runs this migration.
    run_sql(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
                EXECUTE 'GRANT SELECT ON {", ".join(f"reporting.{v}" for v in VIEWS)} TO {ROLE}';
            END IF;
        END $$;
        """
    )


def downgrade() -> None:
    run_sql(
        "".join(f"DROP VIEW reporting.{name};\n" for name in VIEWS)
        + "DROP TABLE evidence_concern, evidence_incident_notification, evidence_incident;"
    )
