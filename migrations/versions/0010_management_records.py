"""Management-system records of the risk service: AI policy, AI roles and competence,
objectives, suppliers, interested parties and the AIMS scope; their `reporting` views."""

from migrations import run_sql

revision = "0010"
down_revision = "0009"

ROLE = "aims_reporting"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# The status rule of services/risk/objectives/domain.py (`objective_status`), in SQL.
_TODAY = "(now() AT TIME ZONE 'UTC')::date"
_START = "(o.created_at AT TIME ZONE 'UTC')::date"
_ELAPSED = f"least(greatest(({_TODAY} - {_START})::float8 / greatest(o.due - {_START}, 1), 0), 1)"
_REF = "coalesce(o.baseline, o.first_value)"
_EXPECTED = f"({_REF} + (o.target - {_REF}) * {_ELAPSED})"
_VALUE = "coalesce(o.latest_value, o.baseline)"
OBJECTIVE_STATUS = (
    "CASE WHEN o.latest_value IS NOT NULL AND ((o.direction = 'at_least'"
    " AND o.latest_value >= o.target) OR (o.direction = 'at_most' AND o.latest_value <= o.target))"
    f" THEN 'met' WHEN {_TODAY} > o.due THEN 'missed'"
    f" WHEN {_REF} IS NULL THEN CASE WHEN {_ELAPSED} > 0.5 THEN 'at_risk' ELSE 'on_track' END"
    f" WHEN (o.direction = 'at_least' AND {_VALUE} < {_EXPECTED})"
    f" OR (o.direction = 'at_most' AND {_VALUE} > {_EXPECTED}) THEN 'at_risk' ELSE 'on_track' END"
)
HELD = "t.id IS NOT NULL AND (t.expires_at IS NULL OR t.expires_at > now())"

# name -> (comment, [(column, comment)], select), as in 0005_reporting.
VIEWS: dict[str, tuple[str, list[tuple[str, str]], str]] = {
    "ai_policies": (
        "The AI policy (5.2, A.2): its latest version, the approved version in force, review.",
        [("policy_id", "Id of the policy"), ("title", "Title of the latest version"),
         ("owner", "Owner of the policy"), ("author", "Who drafted it"),
         ("scope", "What the policy covers"), ("control_ids", "Annex A controls it addresses"),
         ("document_evidence_id", "The policy document recorded as evidence, if any"),
         ("latest_version", "Number of the latest version"),
         ("approval_status", "pending (latest version not yet approved) or approved"),
         ("in_force_version", "Number of the approved version in force (null: none yet)"),
         ("approved_by", "Approver of the version in force (never its author or a reviser)"),
         ("approved_at", "When the version in force was approved"),
         ("reviewed_at", "When the version in force was last confirmed at review"),
         ("review_every_days", "Review interval of the latest version, in days"),
         ("next_review_at", "When the version in force is due for review"),
         ("review_due", "True when the version in force is past its review date"),
         ("acknowledgements", "People who acknowledged the version in force"),
         ("created_at", "When it was drafted"), ("updated_at", "When it last changed")],
        "SELECT p.id, p.title, p.owner, p.author, p.scope, p.control_ids, p.evidence_id,"
        " p.policy_version, p.approval_status, p.in_force_version, p.approved_by,"
        " p.approved_at, p.reviewed_at, p.review_every_days, p.next_review_at,"
        " coalesce(p.next_review_at <= now(), false), (SELECT count(*) FROM"
        " public.risk_policy_acknowledgement a WHERE a.policy_id = p.id"
        " AND a.policy_version = p.in_force_version), p.created_at, p.updated_at"
        " FROM public.risk_policy p",
    ),
    "policy_acknowledgements": (
        "Acknowledgements of the AI policy by staff, per version.",
        [("policy_id", "Policy acknowledged"), ("policy_title", "Its title"),
         ("policy_version", "Version acknowledged"), ("person", "Who acknowledged it"),
         ("in_force", "True when that version is the one in force"),
         ("acknowledged_at", "When")],
        "SELECT a.policy_id, p.title, a.policy_version, a.person,"
        " a.policy_version = p.in_force_version, a.acknowledged_at"
        " FROM public.risk_policy_acknowledgement a"
        " JOIN public.risk_policy p ON p.id = a.policy_id",
    ),
    "ai_roles": (
        "Organisation-level AI roles (5.3, A.3.2): responsibilities, competences, holders.",
        [("role_id", "Id of the role"), ("name", "Name"), ("description", "Description"),
         ("owner", "Owner of the role definition"),
         ("responsibilities", "What the role answers for"),
         ("competences", "Competences the role requires (7.2)"),
         ("members", "People who hold the role"), ("status", "active or retired"),
         ("created_at", "When it was defined"), ("updated_at", "When it last changed")],
        "SELECT id, name, description, owner, responsibilities, competences, members, status,"
        " created_at, updated_at FROM public.risk_ai_role",
    ),
    "training_records": (
        "Training records (7.2, A.4.6): who holds which competence, until when.",
        [("record_id", "Id of the record"), ("person", "Who was trained"),
         ("competence", "Competence it gives"), ("completed_at", "When training was completed"),
         ("expires_at", "When the competence lapses (null: never)"),
         ("status", "current, expired or withdrawn"),
         ("evidence_id", "Certificate or attendance evidence, if any"),
         ("provider", "Who trained them"), ("recorded_by", "Who recorded it"),
         ("recorded_at", "When it was recorded")],
        "SELECT id, person, competence, completed_at, expires_at, CASE WHEN withdrawn THEN"
        " 'withdrawn' WHEN expires_at IS NOT NULL AND expires_at <= now() THEN 'expired'"
        " ELSE 'current' END, evidence_id, provider, recorded_by, created_at"
        " FROM public.risk_training_record",
    ),
    "competence_gaps": (
        "Per active AI role, holder and required competence: held now, expired or missing.",
        [("role_id", "AI role"), ("role", "Its name"), ("person", "A holder of the role"),
         ("competence", "A competence the role requires"),
         ("status", "current, expired or missing"),
         ("valid_until", "When the held competence lapses (null: never, or not held)")],
        "SELECT r.id, r.name, m.person, c.competence,"
        f" CASE WHEN bool_or({HELD}) THEN 'current' WHEN bool_or(t.id IS NOT NULL)"
        " THEN 'expired' ELSE 'missing' END,"
        f" CASE WHEN bool_or({HELD} AND t.expires_at IS NULL) THEN NULL"
        f" ELSE max(t.expires_at) FILTER (WHERE {HELD}) END"
        " FROM public.risk_ai_role r CROSS JOIN LATERAL unnest(r.members) AS m(person)"
        " CROSS JOIN LATERAL unnest(r.competences) AS c(competence)"
        " LEFT JOIN public.risk_training_record t ON t.person = m.person"
        " AND t.competence = c.competence AND NOT t.withdrawn AND t.completed_at <= now()"
        " WHERE r.status = 'active' GROUP BY r.id, r.name, m.person, c.competence",
    ),
    "ai_objectives": (
        "AI objectives (6.2) with their status today: on_track, at_risk, met or missed.",
        [("objective_id", "Id of the objective"), ("title", "Title"),
         ("measure", "What is measured, and how"), ("unit", "Unit of the measure"),
         ("target", "Target value"), ("direction", "at_least or at_most the target"),
         ("baseline", "Value when the objective was set, if known"), ("due", "Deadline"),
         ("owner", "Owner"), ("system_ids", "AI systems it concerns"),
         ("status", "on_track, at_risk, met or missed (rule in the risk service)"),
         ("latest_value", "Latest measured value"),
         ("latest_measured_at", "When it was measured"),
         ("measurements", "Number of measurements"),
         ("approval_status", "pending or approved"),
         ("approved_by", "Approver (never its author or a reviser)"),
         ("approved_at", "When it was approved"), ("author", "Who set it"),
         ("created_at", "When it was set"), ("updated_at", "When it last changed")],
        "SELECT o.id, o.title, o.measure, o.unit, o.target, o.direction, o.baseline, o.due,"
        f" o.owner, o.system_ids, {OBJECTIVE_STATUS}, o.latest_value, o.latest_measured_at,"
        " o.measurements, o.approval_status, o.approved_by, o.approved_at, o.author,"
        " o.created_at, o.updated_at FROM public.risk_objective o",
    ),
    "objective_measurements": (
        "Measurements of AI objectives over time.",
        [("measurement_id", "Id of the measurement"), ("objective_id", "Objective measured"),
         ("objective_title", "Its title"), ("value", "Measured value"),
         ("measured_at", "When it was measured"), ("note", "Note"),
         ("evidence_id", "Evidence of the measurement, if any"),
         ("recorded_by", "Who recorded it"), ("recorded_at", "When it was recorded")],
        "SELECT m.id, m.objective_id, o.title, m.value, m.measured_at, m.note, m.evidence_id,"
        " m.recorded_by, m.created_at FROM public.risk_objective_measurement m"
        " JOIN public.risk_objective o ON o.id = m.objective_id",
    ),
    "suppliers": (
        "Suppliers (A.10): due diligence, approval for use, periodic review, systems and risks.",
        [("supplier_id", "Id of the supplier"), ("name", "Name"),
         ("services", "What it supplies"), ("contract_ref", "Contract reference"),
         ("due_diligence", "not_started, in_progress, passed or failed"),
         ("owner", "Who manages the relationship"),
         ("system_ids", "AI systems it supplies"), ("risk_ids", "Risks it brings"),
         ("approval_status", "pending or approved for use"),
         ("approved_by", "Approver (never who registered or revised it)"),
         ("approved_at", "When it was approved"), ("status", "active or retired"),
         ("review_every_days", "Review interval in days"),
         ("next_review_at", "When it is due for review"),
         ("review_due", "True when an active supplier is past its review date"),
         ("reviewed_at", "When it was last reviewed"), ("registered_by", "Who registered it"),
         ("created_at", "When it was registered"), ("updated_at", "When it last changed")],
        "SELECT id, name, services, contract_ref, due_diligence, owner, system_ids, risk_ids,"
        " approval_status, approved_by, approved_at, status, review_every_days, next_review_at,"
        " status = 'active' AND next_review_at <= now(), reviewed_at, author, created_at,"
        " updated_at FROM public.risk_supplier",
    ),
    "interested_parties": (
        "Interested parties of the AI management system and their requirements (4.2).",
        [("party_id", "Id of the party"), ("name", "Name"),
         ("kind", "regulator, customer, employee, supplier..."),
         ("description", "Description"),
         ("requirements", "Their requirements: JSON list of {requirement, source}"),
         ("requirement_count", "Number of requirements"),
         ("system_ids", "AI systems the requirements bear on"), ("owner", "Owner"),
         ("status", "active or retired"), ("created_at", "When it was recorded"),
         ("updated_at", "When it last changed")],
        "SELECT id, name, kind, description, requirements, jsonb_array_length(requirements),"
        " system_ids, owner, status, created_at, updated_at FROM public.risk_interested_party",
    ),
    "aims_scope": (
        "The scope of the AI management system (4.3): latest version and the one in force.",
        [("scope_version", "Number of the latest version"), ("statement", "Scope statement"),
         ("boundaries", "Boundaries"), ("exclusions", "Exclusions and why"),
         ("system_ids", "AI systems inside the latest version"), ("owner", "Owner"),
         ("set_by", "Who wrote the latest version"),
         ("approval_status", "pending or approved (the latest version)"),
         ("in_force_version", "Number of the approved version in force"),
         ("in_force_system_ids", "AI systems inside the version in force"),
         ("approved_by", "Approver of the version in force"),
         ("approved_at", "When it was approved"), ("updated_at", "When it last changed")],
        "SELECT scope_version, statement, boundaries, exclusions, system_ids, owner, set_by,"
        " approval_status, in_force_version, in_force_system_ids, approved_by, approved_at,"
        " updated_at FROM public.risk_aims_scope",
    ),
    "aims_scope_systems": (
        "The AI systems inside the approved scope of the AI management system (4.3).",
        [("system_id", "AI system in scope"), ("system_name", "Its name"),
         ("scope_version", "Version of the scope in force")],
        "SELECT x.system_id, s.name, a.in_force_version FROM public.risk_aims_scope a"
        " CROSS JOIN LATERAL unnest(a.in_force_system_ids) AS x(system_id)"
        " LEFT JOIN public.registry_system s ON s.id = x.system_id",
    ),
}  # fmt: skip


def upgrade() -> None:
    run_sql(
        """
        CREATE TABLE risk_policy (
            id                 uuid        PRIMARY KEY,
            title              text        NOT NULL,
            owner              text        NOT NULL,
            scope              text        NOT NULL,
            control_ids        text[]      NOT NULL,
            evidence_id        uuid,
            review_every_days  integer     NOT NULL,
            policy_version     integer     NOT NULL,
            author             text        NOT NULL,
            approval_status    text        NOT NULL,
            in_force_version   integer,
            approved_by        text,
            approved_at        timestamptz,
            reviewed_at        timestamptz,
            next_review_at     timestamptz,
            version            integer     NOT NULL,
            created_position   bigint      NOT NULL UNIQUE,
            created_at         timestamptz NOT NULL,
            updated_at         timestamptz NOT NULL
        );
        CREATE INDEX risk_policy_review ON risk_policy (next_review_at);

        CREATE TABLE risk_policy_acknowledgement (
            policy_id          uuid        NOT NULL,
            policy_version     integer     NOT NULL,
            person             text        NOT NULL,
            acknowledged_at    timestamptz NOT NULL,
            PRIMARY KEY (policy_id, policy_version, person)
        );

        CREATE TABLE risk_ai_role (
            id                 uuid        PRIMARY KEY,
            name               text        NOT NULL,
            description        text        NOT NULL,
            owner              text        NOT NULL,
            responsibilities   text[]      NOT NULL,
            competences        text[]      NOT NULL,
            members            text[]      NOT NULL,
            defined_by         text        NOT NULL,
            status             text        NOT NULL,
            version            integer     NOT NULL,
            created_position   bigint      NOT NULL UNIQUE,
            created_at         timestamptz NOT NULL,
            updated_at         timestamptz NOT NULL
        );
        CREATE INDEX risk_ai_role_members ON risk_ai_role USING gin (members);

        CREATE TABLE risk_training_record (
            id                 uuid        PRIMARY KEY,
            person             text        NOT NULL,
            competence         text        NOT NULL,
            completed_at       timestamptz NOT NULL,
            expires_at         timestamptz,
            evidence_id        uuid,
            provider           text        NOT NULL,
            recorded_by        text        NOT NULL,
            withdrawn          boolean     NOT NULL,
            version            integer     NOT NULL,
            created_position   bigint      NOT NULL UNIQUE,
            created_at         timestamptz NOT NULL,
            updated_at         timestamptz NOT NULL
        );
        CREATE INDEX risk_training_record_person ON risk_training_record (person, competence);

        CREATE TABLE risk_objective (
            id                  uuid             PRIMARY KEY,
            title               text             NOT NULL,
            measure             text             NOT NULL,
            unit                text             NOT NULL,
            target              double precision NOT NULL,
            direction           text             NOT NULL,
            baseline            double precision,
            due                 date             NOT NULL,
            owner               text             NOT NULL,
            system_ids          uuid[]           NOT NULL,
            author              text             NOT NULL,
            approval_status     text             NOT NULL,
            approved_by         text,
            approved_at         timestamptz,
            first_value         double precision,
            first_measured_at   timestamptz,
            latest_value        double precision,
            latest_measured_at  timestamptz,
            measurements        integer          NOT NULL,
            version             integer          NOT NULL,
            created_position    bigint           NOT NULL UNIQUE,
            created_at          timestamptz      NOT NULL,
            updated_at          timestamptz      NOT NULL
        );
        CREATE INDEX risk_objective_systems ON risk_objective USING gin (system_ids);

        CREATE TABLE risk_objective_measurement (
            id                 uuid             PRIMARY KEY,
            objective_id       uuid             NOT NULL,
            value              double precision NOT NULL,
            measured_at        timestamptz      NOT NULL,
            note               text             NOT NULL,
            evidence_id        uuid,
            recorded_by        text             NOT NULL,
            created_position   bigint           NOT NULL UNIQUE,
            created_at         timestamptz      NOT NULL
        );
        CREATE INDEX risk_objective_measurement_objective
            ON risk_objective_measurement (objective_id, measured_at);

        CREATE TABLE risk_supplier (
            id                 uuid        PRIMARY KEY,
            name               text        NOT NULL,
            services           text[]      NOT NULL,
            contract_ref       text        NOT NULL,
            due_diligence      text        NOT NULL,
            review_every_days  integer     NOT NULL,
            description        text        NOT NULL,
            owner              text        NOT NULL,
            system_ids         uuid[]      NOT NULL,
            risk_ids           uuid[]      NOT NULL,
            next_review_at     timestamptz NOT NULL,
            reviewed_at        timestamptz,
            author             text        NOT NULL,
            approval_status    text        NOT NULL,
            approved_by        text,
            approved_at        timestamptz,
            status             text        NOT NULL,
            version            integer     NOT NULL,
            created_position   bigint      NOT NULL UNIQUE,
            created_at         timestamptz NOT NULL,
            updated_at         timestamptz NOT NULL
        );
        CREATE INDEX risk_supplier_systems ON risk_supplier USING gin (system_ids);
        CREATE INDEX risk_supplier_risks ON risk_supplier USING gin (risk_ids);

        CREATE TABLE risk_interested_party (
            id                 uuid        PRIMARY KEY,
            name               text        NOT NULL,
            kind               text        NOT NULL,
            description        text        NOT NULL,
            requirements       jsonb       NOT NULL,
            system_ids         uuid[]      NOT NULL,
            owner              text        NOT NULL,
            recorded_by        text        NOT NULL,
            status             text        NOT NULL,
            version            integer     NOT NULL,
            created_position   bigint      NOT NULL UNIQUE,
            created_at         timestamptz NOT NULL,
            updated_at         timestamptz NOT NULL
        );

        -- One row: the organisation has one scope (its latest version and the one in force).
        CREATE TABLE risk_aims_scope (
            id                   boolean     PRIMARY KEY DEFAULT true CHECK (id),
            scope_version        integer     NOT NULL,
            statement            text        NOT NULL,
            boundaries           text        NOT NULL,
            exclusions           text        NOT NULL,
            system_ids           uuid[]      NOT NULL,
            owner                text        NOT NULL,
            set_by               text        NOT NULL,
            approval_status      text        NOT NULL,
            in_force_version     integer,
            in_force_system_ids  uuid[],
            approved_by          text,
            approved_at          timestamptz,
            version              integer     NOT NULL,
            updated_at           timestamptz NOT NULL
        );
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
        + "DROP TABLE risk_aims_scope, risk_interested_party, risk_supplier,"
        " risk_objective_measurement, risk_objective, risk_training_record, risk_ai_role,"
        " risk_policy_acknowledgement, risk_policy;"
    )
