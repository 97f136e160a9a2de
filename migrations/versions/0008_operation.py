"""Systems in operation: human oversight, monitoring plans, observations and breaches.

Read models (rebuilt by replay): `registry_oversight`, `registry_monitoring_plan`,
`registry_breach`, `registry_observation_summary`, and the risk service's
`risk_monitoring_review` (its posture). Not read models, and not in the log:
`registry_observation`, the raw observations, partitioned by UTC day of receipt with
retention, and
`registry_monitoring_tally`, each metric's running figures since its last summary (see
services/registry/operation/telemetry.py). The service role cannot create or drop tables,
so partitions are managed by `registry_observation_partitions`, which runs with the
rights of the role that ran this migration. Reporting views document the read models.
"""

from __future__ import annotations

from migrations import run_sql

revision = "0008"
down_revision = "0007"

APP_ROLE = "aims_app"

TABLES = """
CREATE TABLE registry_oversight (
    system_id       uuid        PRIMARY KEY,
    overseers       text[]      NOT NULL,
    measures        text        NOT NULL,
    can_override    boolean     NOT NULL,
    stop_procedure  text        NOT NULL,
    version         integer     NOT NULL,
    updated_by      text,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE registry_monitoring_plan (
    system_id          uuid        PRIMARY KEY,
    metrics            jsonb       NOT NULL,
    review_every_days  integer     NOT NULL,
    review_due_at      timestamptz NOT NULL,
    reviewed_by        text,
    reviewed_at        timestamptz NOT NULL,
    version            integer     NOT NULL
);
CREATE INDEX registry_monitoring_plan_due ON registry_monitoring_plan (review_due_at);

CREATE TABLE registry_breach (
    id                uuid        PRIMARY KEY,
    system_id         uuid        NOT NULL,
    metric            text        NOT NULL,
    kind              text        NOT NULL,
    threshold         jsonb       NOT NULL,
    metric_window     text        NOT NULL,
    observations      jsonb       NOT NULL,
    crossings         integer     NOT NULL,
    plan_version      integer     NOT NULL,
    detected_at       timestamptz NOT NULL,
    created_position  bigint      NOT NULL UNIQUE,
    decision          text,
    comment           text,
    reviewed_by       text,
    reviewed_at       timestamptz
);
CREATE INDEX registry_breach_system ON registry_breach (system_id, created_position);

CREATE TABLE registry_observation_summary (
    position           bigint           PRIMARY KEY,
    system_id          uuid             NOT NULL,
    metric             text             NOT NULL,
    count              bigint           NOT NULL,
    min                double precision NOT NULL,
    max                double precision NOT NULL,
    mean               double precision NOT NULL,
    last               double precision NOT NULL,
    first_observed_at  timestamptz      NOT NULL,
    last_observed_at   timestamptz      NOT NULL,
    crossings          bigint           NOT NULL,
    since              timestamptz      NOT NULL,
    until              timestamptz      NOT NULL
);
CREATE INDEX registry_observation_summary_metric
    ON registry_observation_summary (system_id, metric, position);

-- Raw observations: telemetry, kept out of the hash-chained log. One partition per UTC
-- day of receipt; whole partitions past the retention are dropped.
CREATE TABLE registry_observation (
    system_id      uuid             NOT NULL,
    metric         text             NOT NULL,
    value          double precision NOT NULL,
    observed_at    timestamptz      NOT NULL,
    model_version  text             NOT NULL DEFAULT '',
    source         text             NOT NULL DEFAULT '',
    received_at    timestamptz      NOT NULL DEFAULT now()
) PARTITION BY RANGE (received_at);
CREATE INDEX registry_observation_metric
    ON registry_observation (system_id, metric, observed_at);

-- Each metric's figures since its last summary event, and the breach its crossings
-- belong to until an approver reviews it. Written in the same transaction as the
-- events that summarise or open a breach.
CREATE TABLE registry_monitoring_tally (
    system_id          uuid             NOT NULL,
    metric             text             NOT NULL,
    window_seconds     integer          NOT NULL,
    count              bigint           NOT NULL DEFAULT 0,
    sum                double precision NOT NULL DEFAULT 0,
    min                double precision,
    max                double precision,
    crossings          bigint           NOT NULL DEFAULT 0,
    first_observed_at  timestamptz,
    last_observed_at   timestamptz,
    last_value         double precision,
    since              timestamptz,
    summarised_at      timestamptz,
    open_breach_id     uuid,
    PRIMARY KEY (system_id, metric)
);

-- The risk service's view of monitoring, for a system's posture.
CREATE TABLE risk_monitoring_review (
    system_id          uuid        PRIMARY KEY,
    metrics            integer     NOT NULL,
    review_every_days  integer     NOT NULL,
    review_due_at      timestamptz NOT NULL,
    reviewed_at        timestamptz NOT NULL,
    reviewed_by        text,
    open_breaches      uuid[]      NOT NULL DEFAULT '{}'
);
"""

# Creates the partitions of `wanted` days (within the retention and at most two days
# ahead) plus today's and the next two days', and drops partitions that end more than a
# day before the retention starts (days of receipt, in UTC).
PARTITIONS = f"""
CREATE FUNCTION registry_observation_partitions(keep_days integer, wanted date[])
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    today   date := (now() AT TIME ZONE 'UTC')::date;
    cutoff  date;
    d       date;
    part    record;
    dropped integer := 0;
BEGIN
    IF keep_days IS NULL OR keep_days < 1 OR keep_days > 36600 THEN
        RAISE EXCEPTION 'keep_days must be between 1 and 36600'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    cutoff := today - keep_days - 1;
    PERFORM pg_advisory_xact_lock(hashtext('registry_observation_partitions'));
    FOR d IN SELECT DISTINCT x FROM unnest(coalesce(wanted, '{{}}'::date[])
                 || ARRAY[today, today + 1, today + 2]) AS x
             WHERE x >= cutoff AND x <= today + 2 LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF registry_observation'
            ' FOR VALUES FROM (%L) TO (%L)',
            'registry_observation_' || to_char(d, 'YYYYMMDD'),
            d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
    END LOOP;
    FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'registry_observation'::regclass
                  AND c.relname < 'registry_observation_' || to_char(cutoff, 'YYYYMMDD')
                ORDER BY c.relname LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END $$;
REVOKE ALL ON FUNCTION registry_observation_partitions(integer, date[]) FROM PUBLIC;
DO $grant$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        EXECUTE 'GRANT EXECUTE ON FUNCTION registry_observation_partitions(integer, date[])
                 TO {APP_ROLE}';
    END IF;
END $grant$;
"""


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# name -> (comment, [(column, comment)], select), as in 0005_reporting.
VIEWS: dict[str, tuple[str, list[tuple[str, str]], str]] = {
    "human_oversight": (
        "Human oversight of AI systems (A.9, EU AI Act Art. 14): who oversees each system.",
        [("system_id", "AI system"), ("system_name", "Name of that system"),
         ("overseers", "People who oversee the system in use (token subjects)"),
         ("measures", "Oversight measures"),
         ("can_override", "True when the overseers can override or reverse its output"),
         ("stop_procedure", "How the system is stopped"),
         ("updated_by", "Who last set the oversight"), ("updated_at", "When it was set")],
        "SELECT o.system_id, s.name, o.overseers, o.measures, o.can_override,"
        " o.stop_procedure, o.updated_by, o.updated_at FROM public.registry_oversight o"
        " LEFT JOIN public.registry_system s ON s.id = o.system_id",
    ),
    "monitoring_plans": (
        "Monitoring plans (9.1, A.6.2.6, Art. 72): metrics, thresholds and review dates.",
        [("system_id", "AI system"), ("system_name", "Name of that system"),
         ("metrics", "Metrics with kind, threshold {op, value} and summary window (JSON)"),
         ("metric_count", "Number of metrics"),
         ("review_every_days", "Days between reviews of the plan"),
         ("reviewed_by", "Who last set or confirmed the plan"),
         ("reviewed_at", "When the plan was last set or confirmed"),
         ("review_due_at", "When its next review is due"),
         ("review_overdue", "True when the review date has passed")],
        "SELECT p.system_id, s.name, p.metrics, jsonb_array_length(p.metrics),"
        " p.review_every_days, p.reviewed_by, p.reviewed_at, p.review_due_at,"
        " p.review_due_at < now() FROM public.registry_monitoring_plan p"
        " LEFT JOIN public.registry_system s ON s.id = p.system_id",
    ),
    "monitoring_breaches": (
        "Monitoring threshold breaches and their reviews; an open one blocks deployments.",
        [("breach_id", "Id of the breach"), ("system_id", "AI system"),
         ("system_name", "Name of that system"), ("metric", "Metric that crossed"),
         ("kind", "drift, performance, fairness, override_rate or custom"),
         ("threshold_op", "gt (above) or lt (below)"), ("threshold_value", "The threshold"),
         ("crossings", "Observations that crossed it when the breach was detected"),
         ("detected_at", "When the breach was recorded"),
         ("status", "open or reviewed"), ("decision", "accept, retrain or retire"),
         ("comment", "The reviewer's comment"), ("reviewed_by", "Approver who reviewed it"),
         ("reviewed_at", "When it was reviewed")],
        "SELECT b.id, b.system_id, s.name, b.metric, b.kind, b.threshold->>'op',"
        " (b.threshold->>'value')::double precision, b.crossings, b.detected_at,"
        " CASE WHEN b.decision IS NULL THEN 'open' ELSE 'reviewed' END, b.decision,"
        " b.comment, b.reviewed_by, b.reviewed_at FROM public.registry_breach b"
        " LEFT JOIN public.registry_system s ON s.id = b.system_id",
    ),
    "monitoring_summaries": (
        "Periodic summaries of monitoring observations, per system and metric (the raw"
        " observations are telemetry and are not kept in the log).",
        [("position", "Log position of the summary event"), ("system_id", "AI system"),
         ("metric", "Metric"), ("count", "Observations summarised"),
         ("min", "Smallest value"), ("max", "Largest value"), ("mean", "Mean value"),
         ("last", "Value of the latest observation"),
         ("crossings", "Observations beyond the threshold"),
         ("first_observed_at", "Earliest observation time"),
         ("last_observed_at", "Latest observation time"),
         ("received_from", "Start of the period the observations were received in"),
         ("received_until", "End of that period")],
        "SELECT position, system_id, metric, count, min, max, mean, last, crossings,"
        " first_observed_at, last_observed_at, since, until"
        " FROM public.registry_observation_summary",
    ),
}  # fmt: skip


def _views() -> str:
    statements = []
    for name, (comment, columns, select) in VIEWS.items():
        names = ", ".join(c for c, _ in columns)
        statements.append(f"CREATE VIEW reporting.{name} ({names}) AS {select}")
        statements.append(f"COMMENT ON VIEW reporting.{name} IS {_q(comment)}")
        statements += [
            f"COMMENT ON COLUMN reporting.{name}.{c} IS {_q(text)}" for c, text in columns
        ]
    return ";\n".join(statements) + ";"


def upgrade() -> None:
    run_sql(TABLES)
    run_sql(PARTITIONS)
    run_sql(_views())


def downgrade() -> None:
    views = ", ".join(f"reporting.{name}" for name in VIEWS)
    run_sql(
        f"DROP VIEW {views};"
        " DROP FUNCTION registry_observation_partitions(integer, date[]);"
        " DROP TABLE risk_monitoring_review, registry_monitoring_tally, registry_observation,"
        " registry_observation_summary, registry_breach, registry_monitoring_plan,"
        " registry_oversight;"
    )
